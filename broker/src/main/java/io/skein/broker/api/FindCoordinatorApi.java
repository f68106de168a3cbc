package io.skein.broker.api;

import io.skein.broker.coordinator.CoordinatorRuntime;
import io.skein.broker.group.GroupConfig;
import io.skein.broker.group.GroupCoordinator;
import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.metadata.TopicAdmin;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.broker.txn.TransactionConfig;
import io.skein.broker.txn.TransactionCoordinator;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.controller.CreatableTopic;
import io.skein.proto.controller.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * FindCoordinator for groups and transactional ids: the leader of the partition of the
 * coordinator's internal topic that the key hashes to. The topic is created on first use, as Kafka
 * does: compacted, its replication factor capped at the live brokers. A key needs DESCRIBE on its group
 * or transactional id (else GROUP_ or TRANSACTIONAL_ID_AUTHORIZATION_FAILED), as in Kafka.
 */
final class FindCoordinatorApi implements Api {
    /** How long FindCoordinator waits for a new internal topic to have leaders before answering. */
    private static final long TOPIC_CREATION_WAIT_MS = 10_000;
    private static final byte GROUP_KEY_TYPE = 0;
    private static final byte TRANSACTION_KEY_TYPE = 1;

    /** A coordinator's internal topic, as it is created. */
    private record InternalTopic(String name, int partitions, short replicationFactor, Map<String, String> configs) {
    }

    private final ClusterView cluster;
    private final TopicAdmin topicAdmin;
    private final InternalTopic offsetsTopic;
    private final InternalTopic transactionStateTopic;
    private final Map<String, CompletableFuture<?>> creations = new ConcurrentHashMap<>();
    private final Authorization authorization;

    FindCoordinatorApi(ClusterView cluster, TopicAdmin topicAdmin, GroupConfig groups,
                       TransactionConfig transactions, Authorization authorization) {
        this.cluster = cluster;
        this.topicAdmin = topicAdmin;
        this.authorization = authorization;
        this.offsetsTopic = new InternalTopic(GroupCoordinator.OFFSETS_TOPIC, groups.offsetsTopicPartitions(),
                groups.offsetsTopicReplicationFactor(), Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(groups.offsetsTopicSegmentBytes())));
        this.transactionStateTopic = new InternalTopic(TransactionCoordinator.TRANSACTION_STATE_TOPIC,
                transactions.transactionStateLogNumPartitions(), transactions.transactionStateLogReplicationFactor(),
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(transactions.transactionStateLogSegmentBytes()),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(transactions.transactionStateLogMinIsr())));
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        FindCoordinatorRequestData request = (FindCoordinatorRequestData) context.request().data();
        boolean batched = context.request().apiVersion() >= 4;
        List<String> keys = batched ? request.coordinatorKeys() : List.of(request.key());
        InternalTopic topic = switch (request.keyType()) {
            case GROUP_KEY_TYPE -> offsetsTopic;
            case TRANSACTION_KEY_TYPE -> transactionStateTopic;
            default -> null;
        };
        Set<String> describable = describable(context, request.keyType(), keys);
        CompletableFuture<?> ready = topic == null || describable.isEmpty() ? CompletableFuture.completedFuture(null)
                : topicReady(topic);
        return ready.handle((ignored, error) -> {
            List<Coordinator> coordinators = keys.stream().map(key -> describable.contains(key)
                    ? coordinator(context.listenerName(), topic, key) : refused(request.keyType(), key)).toList();
            FindCoordinatorResponseData response = new FindCoordinatorResponseData();
            if (batched) {
                return response.setCoordinators(coordinators);
            }
            Coordinator only = coordinators.get(0);
            return response.setErrorCode(only.errorCode()).setErrorMessage(only.errorMessage())
                    .setNodeId(only.nodeId()).setHost(only.host()).setPort(only.port());
        });
    }

    /** The keys the client may look up: DESCRIBE on the group or transactional id, as in Kafka. */
    private Set<String> describable(RequestContext context, byte keyType, List<String> keys) {
        return switch (keyType) {
            case GROUP_KEY_TYPE -> authorization.authorized(context, AclOperation.DESCRIBE, ResourceType.GROUP, keys);
            case TRANSACTION_KEY_TYPE -> authorization.authorized(context, AclOperation.DESCRIBE,
                    ResourceType.TRANSACTIONAL_ID, keys);
            default -> Set.copyOf(keys);
        };
    }

    private static Coordinator refused(byte keyType, String key) {
        Errors error = keyType == GROUP_KEY_TYPE ? Errors.GROUP_AUTHORIZATION_FAILED
                : Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        return new Coordinator().setKey(key).setNodeId(-1).setHost("").setPort(-1).setErrorCode(error.code())
                .setErrorMessage(error.message());
    }

    private Coordinator coordinator(String listenerName, InternalTopic internal, String key) {
        Coordinator coordinator = new Coordinator().setKey(key).setNodeId(-1).setHost("").setPort(-1);
        if (internal == null) {
            return coordinator.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("Skein coordinates consumer groups and transactions; share groups are not supported");
        }
        MetadataImage image = cluster.image();
        TopicImage topic = image.topic(internal.name());
        PartitionRegistration partition = topic == null ? null
                : topic.partition(CoordinatorRuntime.partitionFor(key, topic.partitions().size()));
        Optional<ClusterView.Node> leader = partition == null || !partition.hasLeader() ? Optional.empty()
                : ClusterView.brokers(image, listenerName, false).stream().filter(n -> n.id() == partition.leader())
                .findFirst();
        if (leader.isEmpty()) {
            return coordinator.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
                    .setErrorMessage("The coordinator is not available.");
        }
        return coordinator.setNodeId(leader.get().id()).setHost(leader.get().host()).setPort(leader.get().port())
                .setErrorCode(Errors.NONE.code());
    }

    /** Completes once {@code internal} exists (with leaders, or after the wait), creating it the first time. */
    private CompletableFuture<?> topicReady(InternalTopic internal) {
        if (cluster.image().topic(internal.name()) != null) {
            return CompletableFuture.completedFuture(null);
        }
        return creations.compute(internal.name(), (name, creating) ->
                creating != null && !creating.isDone() ? creating : create(internal));
    }

    private CompletableFuture<?> create(InternalTopic internal) {
        int liveBrokers = cluster.image().unfencedBrokerIds().size();
        CreatableTopic topic = CreatableTopic.newBuilder().setName(internal.name())
                .setNumPartitions(internal.partitions())
                .setReplicationFactor(Math.max(1, Math.min(internal.replicationFactor(), liveBrokers)))
                .putAllConfigs(internal.configs()).build();
        return topicAdmin.createTopics(List.of(topic), false, TOPIC_CREATION_WAIT_MS)
                .thenAccept(response -> response.getTopicsList().stream()
                        .filter(t -> t.getError().getCode() != ErrorCode.NONE
                                && t.getError().getCode() != ErrorCode.TOPIC_ALREADY_EXISTS)
                        .findFirst().ifPresent(t -> {
                            throw ControllerRequests.exception(t.getError());
                        }));
    }
}
