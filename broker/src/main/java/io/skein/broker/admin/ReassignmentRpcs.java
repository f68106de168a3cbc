package io.skein.broker.admin;

import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.admin.BrokerShare;
import io.skein.proto.admin.CancelReassignmentsRequest;
import io.skein.proto.admin.CancelReassignmentsResponse;
import io.skein.proto.admin.ClearReplicationThrottlesRequest;
import io.skein.proto.admin.ClearReplicationThrottlesResponse;
import io.skein.proto.admin.ExecuteReassignmentRequest;
import io.skein.proto.admin.ExecuteReassignmentResponse;
import io.skein.proto.admin.ListReassignmentsRequest;
import io.skein.proto.admin.ListReassignmentsResponse;
import io.skein.proto.admin.PartitionMove;
import io.skein.proto.admin.PartitionTarget;
import io.skein.proto.admin.ProposeReassignmentRequest;
import io.skein.proto.admin.ProposeReassignmentResponse;
import io.skein.proto.admin.ReassignmentProgress;
import io.skein.proto.admin.ReplicaCopy;
import io.skein.proto.admin.TopicPartitions;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterPartitionReassignmentsRequest;
import io.skein.proto.controller.ConfigChange;
import io.skein.proto.controller.ConfigChangeResult;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.ReassignablePartition;
import io.skein.proto.controller.ReassignmentResult;
import io.skein.proto.metadata.ConfigResourceType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Partition reassignments for the admin API and {@code skein reassign}: a balanced plan
 * ({@link ReassignmentPlanner}), its execution through the Kafka API's own route to the controller
 * (all partitions or none), the moves' progress from the metadata and the replicas' sizes, their
 * cancellation, and the replication throttles Kafka's reassignment tool sets and clears.
 */
final class ReassignmentRpcs {
    private static final String LEADER_RATE = "leader.replication.throttled.rate";
    private static final String FOLLOWER_RATE = "follower.replication.throttled.rate";
    private static final List<String> BROKER_THROTTLES = List.of(LEADER_RATE, FOLLOWER_RATE,
            "replica.alter.log.dirs.io.max.bytes.per.second");
    private static final String LEADER_REPLICAS = "leader.replication.throttled.replicas";
    private static final String FOLLOWER_REPLICAS = "follower.replication.throttled.replicas";

    private final AdminContext context;

    ReassignmentRpcs(AdminContext context) {
        this.context = context;
    }

    /** Each partition's replicas as it is headed for: its target replicas if a reassignment is under way. */
    private static List<Integer> headedFor(PartitionRegistration partition) {
        List<Integer> target = new ArrayList<>(partition.replicas());
        target.removeAll(partition.removingReplicas());
        return target;
    }

    CompletableFuture<ProposeReassignmentResponse> propose(ProposeReassignmentRequest request) {
        MetadataImage image = context.image();
        List<Integer> brokers = request.getBrokersCount() == 0 ? image.unfencedBrokerIds() : request.getBrokersList();
        for (int broker : brokers) {
            if (image.broker(broker) == null) {
                throw new InvalidRequestException("Broker " + broker + " is not registered");
            }
        }
        if (brokers.isEmpty() || Set.copyOf(brokers).size() != brokers.size()) {
            throw new InvalidRequestException("Name brokers to spread the replicas over, each once");
        }
        List<TopicImage> topics = request.getTopicsCount() == 0 ? List.copyOf(image.topicsById().values())
                : request.getTopicsList().stream().map(name -> AdminContext.existing(image, name)).toList();
        Map<TopicPartition, List<Integer>> current = new TreeMap<>(ReassignmentPlanner.ORDER);
        topics.forEach(topic -> topic.partitions().forEach((id, partition) ->
                current.put(new TopicPartition(topic.name(), id), headedFor(partition))));
        Map<TopicPartition, List<Integer>> proposed = ReassignmentPlanner.balance(current, brokers);

        ProposeReassignmentResponse.Builder response = ProposeReassignmentResponse.newBuilder();
        int copied = 0;
        int leadersChanged = 0;
        for (Map.Entry<TopicPartition, List<Integer>> partition : proposed.entrySet()) {
            List<Integer> before = current.get(partition.getKey());
            List<Integer> after = partition.getValue();
            if (before.equals(after)) {
                continue;
            }
            response.addMoves(PartitionMove.newBuilder().setTopic(partition.getKey().topic())
                    .setPartition(partition.getKey().partition()).addAllCurrent(before).addAllProposed(after));
            copied += (int) after.stream().filter(broker -> !before.contains(broker)).count();
            leadersChanged += before.get(0).equals(after.get(0)) ? 0 : 1;
        }
        Set<Integer> shown = new TreeSet<>(brokers);
        current.values().forEach(shown::addAll);
        shares(current, shown).forEach(response::addBefore);
        shares(proposed, shown).forEach(response::addAfter);
        return CompletableFuture.completedFuture(response.setReplicasCopied(copied)
                .setPreferredLeadersChanged(leadersChanged).build());
    }

    private static List<BrokerShare> shares(Map<TopicPartition, List<Integer>> assignment, Set<Integer> brokers) {
        Map<Integer, int[]> counts = new TreeMap<>();
        brokers.forEach(broker -> counts.put(broker, new int[2]));
        assignment.values().forEach(replicas -> {
            replicas.forEach(broker -> counts.get(broker)[0]++);
            counts.get(replicas.get(0))[1]++;
        });
        List<BrokerShare> shares = new ArrayList<>();
        counts.forEach((broker, count) -> shares.add(BrokerShare.newBuilder().setBrokerId(broker)
                .setReplicas(count[0]).setPreferredLeaders(count[1]).build()));
        return shares;
    }

    CompletableFuture<ExecuteReassignmentResponse> execute(ExecuteReassignmentRequest request) {
        if (request.getPartitionsCount() == 0) {
            throw new InvalidRequestException("Name at least one partition to reassign");
        }
        if (request.getThrottleBytesPerSecond() < 0) {
            throw new InvalidRequestException("A throttle is a number of bytes per second, or 0 for none");
        }
        MetadataImage image = context.image();
        AlterPartitionReassignmentsRequest.Builder moves = AlterPartitionReassignmentsRequest.newBuilder()
                .setAllowReplicationFactorChange(true).setAllOrNothing(true);
        Map<TopicPartition, Set<Integer>> sources = new HashMap<>();
        for (PartitionTarget target : request.getPartitionsList()) {
            PartitionRegistration partition = existing(image, target.getTopic(), target.getPartition());
            moves.addPartitions(ReassignablePartition.newBuilder().setTopic(target.getTopic())
                    .setPartitionId(target.getPartition()).addAllReplicas(target.getReplicasList()));
            Set<Integer> original = new HashSet<>(partition.replicas());
            original.removeAll(partition.addingReplicas());
            sources.put(new TopicPartition(target.getTopic(), target.getPartition()), original);
        }
        CompletableFuture<?> throttled = request.getThrottleBytesPerSecond() == 0 ? CompletableFuture.completedFuture(null)
                : alterConfigs(throttles(request, sources));
        return throttled.thenCompose(done -> context.topicAdmin().alterPartitionReassignments(moves.build(), 0))
                .thenCompose(response -> {
                    throwIfRefused(response.getError(), response.getResultsList());
                    return context.shown(response.getMetadataOffset());
                }).thenApply(shown -> ExecuteReassignmentResponse.newBuilder()
                        .addAllStarted(request.getPartitionsList()).build());
    }

    /**
     * Kafka's reassignment throttles: the rate on every broker a move involves, each moving partition's
     * replicas of before as throttled leaders and its new replicas as throttled followers.
     */
    private static AlterConfigsRequest throttles(ExecuteReassignmentRequest request,
                                                 Map<TopicPartition, Set<Integer>> sources) {
        Map<String, Set<String>> leaders = new TreeMap<>();
        Map<String, Set<String>> followers = new TreeMap<>();
        Set<Integer> brokers = new TreeSet<>();
        for (PartitionTarget target : request.getPartitionsList()) {
            Set<Integer> from = sources.get(new TopicPartition(target.getTopic(), target.getPartition()));
            from.forEach(broker -> leaders.computeIfAbsent(target.getTopic(), t -> new TreeSet<>())
                    .add(target.getPartition() + ":" + broker));
            target.getReplicasList().stream().filter(broker -> !from.contains(broker)).forEach(broker ->
                    followers.computeIfAbsent(target.getTopic(), t -> new TreeSet<>())
                            .add(target.getPartition() + ":" + broker));
            brokers.addAll(from);
            brokers.addAll(target.getReplicasList());
        }
        AlterConfigsRequest.Builder changes = AlterConfigsRequest.newBuilder();
        String rate = Long.toString(request.getThrottleBytesPerSecond());
        for (int broker : brokers) {
            for (String key : List.of(LEADER_RATE, FOLLOWER_RATE)) {
                changes.addChanges(change(ConfigResourceType.BROKER, Integer.toString(broker), key).setValue(rate));
            }
        }
        leaders.forEach((topic, replicas) -> changes.addChanges(change(ConfigResourceType.TOPIC, topic, LEADER_REPLICAS)
                .setValue(String.join(",", replicas))));
        followers.forEach((topic, replicas) -> changes.addChanges(change(ConfigResourceType.TOPIC, topic,
                FOLLOWER_REPLICAS).setValue(String.join(",", replicas))));
        return changes.build();
    }

    private static ConfigChange.Builder change(ConfigResourceType type, String name, String key) {
        return ConfigChange.newBuilder().setResourceType(type).setResourceName(name).setName(key);
    }

    private CompletableFuture<MetadataImage> alterConfigs(AlterConfigsRequest changes) {
        return context.topicAdmin().alterConfigs(changes, 0).thenCompose(response -> {
            TopicRpcs.throwIfAnyFailed(response.getError(), response.getResultsList().stream()
                    .map(ConfigChangeResult::getError));
            return context.shown(response.getMetadataOffset());
        });
    }

    private static PartitionRegistration existing(MetadataImage image, String topic, int partition) {
        PartitionRegistration registration = AdminContext.existing(image, topic).partition(partition);
        if (registration == null) {
            throw new UnknownTopicOrPartitionException("Topic '" + topic + "' has no partition " + partition);
        }
        return registration;
    }

    /** The first partition refused, as its Kafka error, naming the partition. */
    private static void throwIfRefused(io.skein.proto.controller.Error error, List<ReassignmentResult> results) {
        TopicRpcs.throwIfAnyFailed(error, results.stream().map(result -> result.getError().getCode() == ErrorCode.NONE
                ? result.getError() : result.getError().toBuilder().setMessage(result.getTopic() + "-"
                + result.getPartitionId() + ": " + result.getError().getMessage()).build()));
    }

    CompletableFuture<ListReassignmentsResponse> list(ListReassignmentsRequest request) {
        MetadataImage image = context.image();
        List<TopicImage> topics = request.getTopicsCount() == 0 ? List.copyOf(image.topicsById().values())
                : request.getTopicsList().stream().map(name -> AdminContext.existing(image, name)).toList();
        Map<TopicPartition, PartitionRegistration> moving = new TreeMap<>(ReassignmentPlanner.ORDER);
        topics.forEach(topic -> topic.partitions().forEach((id, partition) -> {
            if (partition.isReassigning()) {
                moving.put(new TopicPartition(topic.name(), id), partition);
            }
        }));
        Map<Integer, Set<TopicPartition>> asked = new HashMap<>();
        moving.forEach((tp, partition) -> {
            if (partition.hasLeader()) {
                asked.computeIfAbsent(partition.leader(), b -> new HashSet<>()).add(tp);
            }
            partition.addingReplicas().forEach(broker -> asked.computeIfAbsent(broker, b -> new HashSet<>()).add(tp));
        });
        return ReplicaSizes.of(context.kafka(), asked).thenApply(sizes -> {
            ListReassignmentsResponse.Builder response = ListReassignmentsResponse.newBuilder();
            Function<Integer, Map<TopicPartition, Long>> of = broker -> sizes.getOrDefault(broker, Map.of());
            moving.forEach((tp, partition) -> {
                ReassignmentProgress.Builder progress = ReassignmentProgress.newBuilder().setTopic(tp.topic())
                        .setPartition(tp.partition()).addAllReplicas(partition.replicas())
                        .addAllAdding(partition.addingReplicas()).addAllRemoving(partition.removingReplicas())
                        .addAllIsr(partition.isr()).setLeader(partition.leader())
                        .setLeaderBytes(of.apply(partition.leader()).getOrDefault(tp, -1L));
                partition.addingReplicas().forEach(broker -> progress.addCopies(ReplicaCopy.newBuilder()
                        .setBrokerId(broker).setBytes(of.apply(broker).getOrDefault(tp, -1L))
                        .setInSync(partition.isr().contains(broker))));
                response.addReassignments(progress);
            });
            return response.build();
        });
    }

    CompletableFuture<CancelReassignmentsResponse> cancel(CancelReassignmentsRequest request) {
        MetadataImage image = context.image();
        List<TopicPartition> cancelled = new ArrayList<>();
        if (request.getPartitionsCount() == 0) {
            image.topicsById().values().forEach(topic -> topic.partitions().forEach((id, partition) -> {
                if (partition.isReassigning()) {
                    cancelled.add(new TopicPartition(topic.name(), id));
                }
            }));
        } else {
            for (TopicPartitions named : request.getPartitionsList()) {
                TopicImage topic = AdminContext.existing(image, named.getTopic());
                if (named.getPartitionsCount() == 0) {
                    topic.partitions().forEach((id, partition) -> {
                        if (partition.isReassigning()) {
                            cancelled.add(new TopicPartition(topic.name(), id));
                        }
                    });
                } else {
                    named.getPartitionsList().forEach(id -> {
                        existing(image, topic.name(), id);
                        cancelled.add(new TopicPartition(topic.name(), id));
                    });
                }
            }
        }
        if (cancelled.isEmpty()) {
            throw new NoReassignmentInProgressException("No partition reassignment is in progress");
        }
        AlterPartitionReassignmentsRequest.Builder cancels = AlterPartitionReassignmentsRequest.newBuilder()
                .setAllOrNothing(true);
        cancelled.forEach(tp -> cancels.addPartitions(ReassignablePartition.newBuilder().setTopic(tp.topic())
                .setPartitionId(tp.partition()).setCancel(true)));
        return context.topicAdmin().alterPartitionReassignments(cancels.build(), 0).thenCompose(response -> {
            throwIfRefused(response.getError(), response.getResultsList());
            return context.shown(response.getMetadataOffset());
        }).thenApply(shown -> {
            CancelReassignmentsResponse.Builder response = CancelReassignmentsResponse.newBuilder();
            cancelled.forEach(tp -> response.addCancelled(PartitionTarget.newBuilder().setTopic(tp.topic())
                    .setPartition(tp.partition()).addAllReplicas(shown.topic(tp.topic()).partition(tp.partition())
                            .replicas())));
            return response.build();
        });
    }

    CompletableFuture<ClearReplicationThrottlesResponse> clearThrottles(ClearReplicationThrottlesRequest request) {
        MetadataImage image = context.image();
        AlterConfigsRequest.Builder removals = AlterConfigsRequest.newBuilder();
        ClearReplicationThrottlesResponse.Builder response = ClearReplicationThrottlesResponse.newBuilder();
        new TreeSet<>(image.brokers().keySet()).forEach(broker -> {
            Map<String, String> configs = image.configs(new ConfigResource(ConfigResourceType.BROKER,
                    Integer.toString(broker)));
            List<String> set = BROKER_THROTTLES.stream().filter(configs::containsKey).toList();
            set.forEach(key -> removals.addChanges(change(ConfigResourceType.BROKER, Integer.toString(broker), key)));
            if (!set.isEmpty()) {
                response.addBrokers(broker);
            }
        });
        image.topicsById().values().stream().map(TopicImage::name).sorted().forEach(topic -> {
            Map<String, String> configs = image.configs(new ConfigResource(ConfigResourceType.TOPIC, topic));
            List<String> set = List.of(LEADER_REPLICAS, FOLLOWER_REPLICAS).stream().filter(configs::containsKey).toList();
            set.forEach(key -> removals.addChanges(change(ConfigResourceType.TOPIC, topic, key)));
            if (!set.isEmpty()) {
                response.addTopics(topic);
            }
        });
        if (removals.getChangesCount() == 0) {
            return CompletableFuture.completedFuture(response.build());
        }
        return alterConfigs(removals.build()).thenApply(shown -> response.build());
    }
}
