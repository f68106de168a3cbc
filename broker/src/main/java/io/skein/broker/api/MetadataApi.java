package io.skein.broker.api;

import io.skein.broker.kafka.TopicIds;
import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.metadata.TopicAdmin;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.metadata.image.Acl;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.controller.CreatableTopic;
import io.skein.proto.controller.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Metadata: the live brokers on the client's listener, and the topics asked for with their ids,
 * partitions, leaders and ISRs. A topic that does not exist is created when the broker's
 * {@code auto.create.topics.enable} and the client both allow it; the answer waits (briefly) for it.
 * As in Kafka: a topic needs DESCRIBE, else it is TOPIC_AUTHORIZATION_FAILED whether it exists or not
 * (or left out of a request for all topics), and creating one needs CREATE on the cluster or the topic.
 */
final class MetadataApi implements Api {
    /** How long an answer waits for a topic it created to get its leaders. */
    private static final long AUTO_CREATE_WAIT_MS = 2_000;
    /** The versions whose clients may ask for the operations they may do to each topic, and (up to 10) the cluster. */
    private static final short AUTHORIZED_OPERATIONS_FROM = 8;
    private static final short CLUSTER_OPERATIONS_UNTIL = 10;

    private final ClusterView cluster;
    private final TopicAdmin topicAdmin;
    private final boolean autoCreateTopics;
    private final Authorization authorization;

    MetadataApi(ClusterView cluster, TopicAdmin topicAdmin, boolean autoCreateTopics, Authorization authorization) {
        this.cluster = cluster;
        this.topicAdmin = topicAdmin;
        this.autoCreateTopics = autoCreateTopics;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        MetadataRequestData request = (MetadataRequestData) context.request().data();
        short version = context.request().apiVersion();
        MetadataImage image = cluster.image();
        boolean allTopics = request.topics() == null || (version == 0 && request.topics().isEmpty());
        if (allTopics) {
            // Topics the client may not describe are left out, their denials not logged: it asked for none by name.
            List<String> all = image.topicsById().values().stream().map(TopicImage::name).sorted().toList();
            Set<String> describable = authorization.authorized(context, AclOperation.DESCRIBE, ResourceType.TOPIC,
                    all, false);
            return CompletableFuture.completedFuture(response(context, image,
                    all.stream().filter(describable::contains).toList(), List.of(), Map.of()));
        }
        List<String> names = new ArrayList<>();
        List<MetadataResponseTopic> refused = new ArrayList<>();
        Map<String, Uuid> askedById = new HashMap<>();
        for (MetadataRequestTopic topic : request.topics()) {
            if (topic.name() != null) {
                names.add(topic.name());
            } else {
                cluster.topic(image, topic.topicId()).ifPresentOrElse(t -> {
                    names.add(t.name());
                    askedById.put(t.name(), topic.topicId());
                }, () -> refused.add(new MetadataResponseTopic().setTopicId(topic.topicId())
                                .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())));
            }
        }
        Set<String> describable = authorization.authorized(context, AclOperation.DESCRIBE, ResourceType.TOPIC, names);
        for (String name : names.stream().distinct().filter(n -> !describable.contains(n)).toList()) {
            // Whether it exists is not disclosed; a topic asked for by id keeps its id, which is no secret.
            refused.add(new MetadataResponseTopic().setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                    .setName(askedById.containsKey(name) ? null : name)
                    .setTopicId(askedById.getOrDefault(name, Uuid.ZERO_UUID)));
        }
        names.removeIf(name -> !describable.contains(name));
        List<String> missing = names.stream().distinct()
                .filter(name -> image.topic(name) == null && !TopicImage.isInternal(name)).toList();
        boolean allowed = autoCreateTopics && (version < 4 || request.allowAutoTopicCreation());
        if (!allowed || missing.isEmpty()) {
            return CompletableFuture.completedFuture(response(context, image, names, refused, Map.of()));
        }
        Set<String> creatable = authorization.authorizeCluster(context, AclOperation.CREATE, false)
                ? Set.copyOf(missing) : authorization.authorized(context, AclOperation.CREATE, ResourceType.TOPIC, missing);
        Map<String, Errors> outcomes = new HashMap<>();
        missing.stream().filter(name -> !creatable.contains(name))
                .forEach(name -> outcomes.put(name, Errors.TOPIC_AUTHORIZATION_FAILED));
        List<CreatableTopic> creations = missing.stream().filter(creatable::contains)
                .map(name -> CreatableTopic.newBuilder().setName(name).setNumPartitions(-1).setReplicationFactor(-1)
                        .build()).toList();
        if (creations.isEmpty()) {
            return CompletableFuture.completedFuture(response(context, image, names, refused, outcomes));
        }
        return topicAdmin.createTopics(creations, false, AUTO_CREATE_WAIT_MS).handle((created, error) -> {
            creations.forEach(t -> outcomes.put(t.getName(), Errors.LEADER_NOT_AVAILABLE)); // created, or being created
            if (created != null) {
                created.getTopicsList().stream()
                        .filter(t -> t.getError().getCode() != ErrorCode.NONE
                                && t.getError().getCode() != ErrorCode.TOPIC_ALREADY_EXISTS)
                        .forEach(t -> outcomes.put(t.getName(), ControllerRequests.kafkaError(t.getError())));
            }
            return response(context, cluster.image(), names, refused, outcomes);
        });
    }

    /**
     * @param refused topics answered with an error whatever the image says (unknown ids, not to be described)
     * @param missing what became of topics asked for that do not exist (yet): UNKNOWN_TOPIC_OR_PARTITION
     *                unless an attempt to create them says otherwise
     */
    private ApiMessage response(RequestContext context, MetadataImage image, List<String> names,
                                List<MetadataResponseTopic> refused, Map<String, Errors> missing) {
        MetadataRequestData request = (MetadataRequestData) context.request().data();
        short version = context.request().apiVersion();
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(cluster.clusterId())
                .setControllerId(ClusterView.controllerId(image, context.listenerName()));
        Set<Integer> live = Set.copyOf(image.unfencedBrokerIds());
        for (ClusterView.Node node : ClusterView.brokers(image, context.listenerName(), false)) {
            response.brokers().add(new MetadataResponseBroker().setNodeId(node.id()).setHost(node.host())
                    .setPort(node.port()).setRack(node.rack()));
        }
        for (String name : names) {
            MetadataResponseTopic topic = topic(image, name, live,
                    missing.getOrDefault(name, Errors.UNKNOWN_TOPIC_OR_PARTITION));
            if (version >= AUTHORIZED_OPERATIONS_FROM && request.includeTopicAuthorizedOperations()) {
                topic.setTopicAuthorizedOperations(authorization.authorizedOperations(context, ResourceType.TOPIC,
                        name));
            }
            response.topics().add(topic);
        }
        refused.forEach(response.topics()::add);
        if (version >= AUTHORIZED_OPERATIONS_FROM && version <= CLUSTER_OPERATIONS_UNTIL
                && request.includeClusterAuthorizedOperations()) {
            response.setClusterAuthorizedOperations(authorization.authorizeCluster(context, AclOperation.DESCRIBE)
                    ? authorization.authorizedOperations(context, ResourceType.CLUSTER, Acl.CLUSTER_NAME)
                    : 0);
        }
        return response;
    }

    private static MetadataResponseTopic topic(MetadataImage image, String name, Set<Integer> live, Errors ifMissing) {
        MetadataResponseTopic topic = new MetadataResponseTopic().setName(name).setIsInternal(TopicImage.isInternal(name));
        TopicImage found = image.topic(name);
        if (found == null) {
            return topic.setErrorCode(ifMissing.code());
        }
        topic.setTopicId(TopicIds.toKafka(found.id()));
        found.partitions().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            PartitionRegistration partition = entry.getValue();
            topic.partitions().add(new MetadataResponsePartition()
                    .setPartitionIndex(entry.getKey())
                    .setErrorCode((partition.hasLeader() ? Errors.NONE : Errors.LEADER_NOT_AVAILABLE).code())
                    .setLeaderId(partition.leader())
                    .setLeaderEpoch(partition.leaderEpoch())
                    .setReplicaNodes(partition.replicas())
                    .setIsrNodes(partition.isr())
                    .setOfflineReplicas(partition.replicas().stream().filter(r -> !live.contains(r))
                            .collect(Collectors.toList())));
        });
        return topic;
    }
}
