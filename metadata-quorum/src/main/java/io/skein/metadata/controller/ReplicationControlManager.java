package io.skein.metadata.controller;

import static io.skein.metadata.controller.ControllerErrors.error;
import static io.skein.metadata.controller.ControllerErrors.none;

import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.Uuids;
import io.skein.proto.controller.AlterPartitionRequest;
import io.skein.proto.controller.AlterPartitionResponse;
import io.skein.proto.controller.CreatableTopic;
import io.skein.proto.controller.CreatableTopicResult;
import io.skein.proto.controller.CreatePartitionsRequest;
import io.skein.proto.controller.CreatePartitionsResponse;
import io.skein.proto.controller.CreateTopicsRequest;
import io.skein.proto.controller.CreateTopicsResponse;
import io.skein.proto.controller.DeleteTopicsRequest;
import io.skein.proto.controller.DeleteTopicsResponse;
import io.skein.proto.controller.ElectLeadersRequest;
import io.skein.proto.controller.ElectLeadersResponse;
import io.skein.proto.controller.ElectionResult;
import io.skein.proto.controller.ElectionType;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.PartitionCount;
import io.skein.proto.controller.PartitionIsr;
import io.skein.proto.controller.PartitionState;
import io.skein.proto.controller.ReportOfflineReplicasRequest;
import io.skein.proto.controller.ReportOfflineReplicasResponse;
import io.skein.proto.controller.TopicPartitions;
import io.skein.proto.controller.TopicResult;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.PartitionRecord;
import io.skein.proto.metadata.RemoveTopicRecord;
import io.skein.proto.metadata.TopicRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Topics and their partitions: creating and deleting topics, adding partitions, ISR changes
 * (AlterPartition) and leader elections. The leadership and ISR rules themselves are
 * {@link PartitionChanges}'.
 */
final class ReplicationControlManager {
    private final int defaultPartitions;
    private final int defaultReplicationFactor;
    private final ConfigControlManager configs;

    /**
     * @param defaultPartitions        {@code num.partitions}, for topics created without a count
     * @param defaultReplicationFactor {@code default.replication.factor}
     */
    ReplicationControlManager(int defaultPartitions, int defaultReplicationFactor, ConfigControlManager configs) {
        this.defaultPartitions = defaultPartitions;
        this.defaultReplicationFactor = defaultReplicationFactor;
        this.configs = configs;
    }

    // ---------------------------------------------------------------- topics

    ControllerResult<CreateTopicsResponse> createTopics(MetadataImage view, CreateTopicsRequest request) {
        CreateTopicsResponse.Builder response = CreateTopicsResponse.newBuilder().setError(none());
        List<MetadataRecord> records = new ArrayList<>();
        Set<String> duplicates = new HashSet<>();
        Set<String> seen = new HashSet<>();
        request.getTopicsList().forEach(topic -> {
            if (!seen.add(topic.getName())) {
                duplicates.add(topic.getName());
            }
        });
        List<String> names = new ArrayList<>(view.topicIdsByName().keySet());
        List<Integer> brokers = view.unfencedBrokerIds();
        int placedPartitions = view.partitionCount();
        for (CreatableTopic topic : request.getTopicsList()) {
            CreatableTopicResult.Builder result = CreatableTopicResult.newBuilder().setName(topic.getName());
            int partitions = topic.getNumPartitions() == -1 ? defaultPartitions : topic.getNumPartitions();
            int replicationFactor = topic.getReplicationFactor() == -1 ? defaultReplicationFactor
                    : topic.getReplicationFactor();
            Error problem = createTopicError(topic, names, duplicates, partitions, replicationFactor, brokers);
            if (problem != null) {
                response.addTopics(result.setError(problem));
                continue;
            }
            UUID id = newTopicId(view);
            result.setError(none()).setTopicId(Uuids.toProto(id)).setNumPartitions(partitions)
                    .setReplicationFactor(replicationFactor);
            response.addTopics(result);
            names.add(topic.getName());
            if (request.getValidateOnly()) {
                continue;
            }
            records.add(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(topic.getName())
                    .setTopicId(Uuids.toProto(id))).build());
            List<List<Integer>> assignment = ReplicaPlacer.place(brokers, 0, partitions, replicationFactor,
                    placedPartitions % brokers.size());
            placedPartitions += partitions;
            for (int p = 0; p < partitions; p++) {
                records.add(newPartition(id, p, assignment.get(p)));
            }
            topic.getConfigsMap().forEach((key, value) -> records.add(ConfigControlManager.configRecord(
                    ConfigResourceType.TOPIC, topic.getName(), key, value)));
        }
        return ControllerResult.of(records, response.build());
    }

    private Error createTopicError(CreatableTopic topic, List<String> names, Set<String> duplicates, int partitions,
                                   int replicationFactor, List<Integer> brokers) {
        String name = topic.getName();
        if (duplicates.contains(name)) {
            return error(ErrorCode.INVALID_REQUEST, "Topic " + name + " appears more than once in the request");
        }
        if (names.contains(name)) {
            return error(ErrorCode.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists.");
        }
        var nameProblem = TopicNames.problemWith(name, names);
        if (nameProblem.isPresent()) {
            return error(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem.get());
        }
        if (partitions <= 0) {
            return error(ErrorCode.INVALID_PARTITIONS, "Number of partitions must be larger than 0, not "
                    + topic.getNumPartitions());
        }
        if (replicationFactor <= 0) {
            return error(ErrorCode.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0, not "
                    + topic.getReplicationFactor());
        }
        if (replicationFactor > brokers.size()) {
            return error(ErrorCode.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition "
                    + replicationFactor + " time(s): The target replication factor of " + replicationFactor
                    + " cannot be reached because only " + brokers.size() + " broker(s) are registered and unfenced.");
        }
        return configs.problemWith(ConfigResourceType.TOPIC, name, topic.getConfigsMap()).orElse(null);
    }

    private static UUID newTopicId(MetadataImage view) {
        UUID id;
        do {
            id = UUID.randomUUID();
        } while (view.topic(id) != null);
        return id;
    }

    /** A new partition: its ISR all its replicas, led by the first. */
    private static MetadataRecord newPartition(UUID topicId, int partitionId, List<Integer> replicas) {
        return MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder().setTopicId(Uuids.toProto(topicId))
                .setPartitionId(partitionId).addAllReplicas(replicas).addAllIsr(replicas).setLeader(replicas.get(0))
                .setLastKnownLeader(PartitionRegistration.NO_LEADER)).build();
    }

    /** Deleting a topic also removes its configs. */
    ControllerResult<DeleteTopicsResponse> deleteTopics(MetadataImage view, DeleteTopicsRequest request) {
        DeleteTopicsResponse.Builder response = DeleteTopicsResponse.newBuilder().setError(none());
        List<MetadataRecord> records = new ArrayList<>();
        Set<String> deleted = new HashSet<>();
        for (String name : request.getNamesList()) {
            TopicImage topic = view.topic(name);
            if (topic == null || deleted.contains(name)) {
                response.addTopics(TopicResult.newBuilder().setName(name).setError(error(
                        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + name + "' does not exist")));
                continue;
            }
            deleted.add(name);
            records.add(MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder()
                    .setTopicId(Uuids.toProto(topic.id()))).build());
            records.addAll(ConfigControlManager.removeTopicConfigs(view, name));
            response.addTopics(TopicResult.newBuilder().setName(name).setError(none()));
        }
        return ControllerResult.of(records, response.build());
    }

    /** Partitions are only added, with the replication factor of the topic's first partition. */
    ControllerResult<CreatePartitionsResponse> createPartitions(MetadataImage view, CreatePartitionsRequest request) {
        CreatePartitionsResponse.Builder response = CreatePartitionsResponse.newBuilder().setError(none());
        List<MetadataRecord> records = new ArrayList<>();
        List<Integer> brokers = view.unfencedBrokerIds();
        for (PartitionCount wanted : request.getTopicsList()) {
            TopicImage topic = view.topic(wanted.getName());
            Error problem = null;
            int current = topic == null ? 0 : topic.partitions().size();
            int replicationFactor = topic == null ? 0 : topic.partition(0).replicas().size();
            if (topic == null) {
                problem = error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + wanted.getName() + "' does not exist");
            } else if (wanted.getCount() == current) {
                problem = error(ErrorCode.INVALID_PARTITIONS, "Topic already has " + current + " partitions.");
            } else if (wanted.getCount() < current) { // Kafka's words, which its tools' users know
                problem = error(ErrorCode.INVALID_PARTITIONS, "The number of partitions for a topic can only be "
                        + "increased. Topic " + wanted.getName() + " currently has " + current + " partitions, "
                        + wanted.getCount() + " would not be an increase.");
            } else if (replicationFactor > brokers.size()) {
                problem = error(ErrorCode.INVALID_REPLICATION_FACTOR, "Replication factor " + replicationFactor
                        + " of " + wanted.getName() + " exceeds the " + brokers.size() + " unfenced broker(s)");
            }
            response.addTopics(TopicResult.newBuilder().setName(wanted.getName())
                    .setError(problem == null ? none() : problem));
            if (problem != null || request.getValidateOnly()) {
                continue;
            }
            List<List<Integer>> assignment = ReplicaPlacer.place(brokers, current, wanted.getCount() - current,
                    replicationFactor, 0);
            for (int p = current; p < wanted.getCount(); p++) {
                records.add(newPartition(topic.id(), p, assignment.get(p - current)));
            }
        }
        return ControllerResult.of(records, response.build());
    }

    // ---------------------------------------------------------------- ISR changes and elections

    /**
     * A leader's ISR changes, each checked against the sender's broker epoch and leadership and the
     * partition's epochs, and applied in order: a later change of the same partition in one request
     * must name the epochs the earlier one led to.
     */
    ControllerResult<AlterPartitionResponse> alterPartition(MetadataImage view, AlterPartitionRequest request) {
        Error stale = BrokerControlManager.brokerEpochError(view, request.getBrokerId(), request.getBrokerEpoch());
        if (stale != null) {
            return ControllerResult.of(List.of(), AlterPartitionResponse.newBuilder().setError(stale).build());
        }
        AlterPartitionResponse.Builder response = AlterPartitionResponse.newBuilder().setError(none());
        List<MetadataRecord> records = new ArrayList<>();
        MetadataImage working = view;
        for (PartitionIsr change : request.getPartitionsList()) {
            TopicImage topic = working.topic(Uuids.fromProto(change.getTopicId()));
            PartitionRegistration partition = topic == null ? null : topic.partition(change.getPartitionId());
            Error problem = isrChangeError(working, request.getBrokerId(), topic, partition, change);
            if (problem != null) {
                response.addPartitions(PartitionState.newBuilder().setTopicId(change.getTopicId())
                        .setPartitionId(change.getPartitionId()).setError(problem));
                continue;
            }
            if (!change.getNewIsrList().equals(partition.isr())) {
                MetadataRecord record = PartitionChanges.change(topic, change.getPartitionId(), partition,
                        change.getNewIsrList(), partition.leader(), PartitionRegistration.NO_LEADER);
                records.add(record);
                working = MetadataDelta.replayed(working, List.of(record));
                partition = working.topic(topic.id()).partition(change.getPartitionId());
            }
            response.addPartitions(partitionState(topic.id(), change.getPartitionId(), partition));
        }
        return ControllerResult.of(records, response.build());
    }

    private static Error isrChangeError(MetadataImage view, int brokerId, TopicImage topic,
                                        PartitionRegistration partition, PartitionIsr change) {
        if (partition == null) {
            return error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "No partition " + change.getPartitionId() + " of topic "
                    + Uuids.fromProto(change.getTopicId()));
        }
        String name = topic.name() + "-" + change.getPartitionId();
        if (partition.leader() != brokerId) {
            return error(ErrorCode.NOT_LEADER_OR_FOLLOWER, "Broker " + brokerId + " does not lead " + name);
        }
        if (change.getLeaderEpoch() != partition.leaderEpoch()) {
            return error(ErrorCode.FENCED_LEADER_EPOCH, "Leader epoch " + change.getLeaderEpoch() + " of " + name
                    + " is stale: it is " + partition.leaderEpoch());
        }
        if (change.getPartitionEpoch() != partition.partitionEpoch()) {
            return error(ErrorCode.INVALID_UPDATE_VERSION, "Partition epoch " + change.getPartitionEpoch() + " of "
                    + name + " is stale: it is " + partition.partitionEpoch());
        }
        List<Integer> isr = change.getNewIsrList();
        if (!isr.contains(brokerId) || !partition.replicas().containsAll(isr) || new HashSet<>(isr).size() != isr.size()) {
            return error(ErrorCode.INVALID_REQUEST, "ISR " + isr + " of " + name + " must hold its leader and only its "
                    + "replicas " + partition.replicas());
        }
        for (int i = 0; i < isr.size(); i++) {
            int replica = isr.get(i);
            if (!PartitionChanges.isUnfenced(view, replica)) {
                return error(ErrorCode.INELIGIBLE_REPLICA, "Broker " + replica + " is fenced: it cannot join the ISR of "
                        + name);
            }
            long vouchedEpoch = i < change.getNewIsrBrokerEpochsCount() ? change.getNewIsrBrokerEpochs(i) : -1;
            if (vouchedEpoch != -1 && vouchedEpoch != view.broker(replica).epoch()) {
                return error(ErrorCode.INELIGIBLE_REPLICA, "Broker " + replica + " registered again (epoch "
                        + view.broker(replica).epoch() + ") since the fetches of epoch " + vouchedEpoch
                        + " that would bring it into the ISR of " + name);
            }
        }
        return null;
    }

    /**
     * A broker whose log directory failed no longer has the replicas it held there: it leaves their ISRs
     * and, where it led, the first other ISR member leads (or, with unclean election allowed, any live
     * replica), as when it is fenced, but for those partitions only. It does not fetch them again, so it
     * does not come back into their ISRs while it runs; a partition it was the last ISR member of stays
     * offline with it as last known leader, which it leads again once it has its directory back.
     */
    ControllerResult<ReportOfflineReplicasResponse> reportOfflineReplicas(MetadataImage view,
                                                                         ReportOfflineReplicasRequest request) {
        Error stale = BrokerControlManager.brokerEpochError(view, request.getBrokerId(), request.getBrokerEpoch());
        if (stale != null) {
            return ControllerResult.of(List.of(), ReportOfflineReplicasResponse.newBuilder().setError(stale).build());
        }
        Set<PartitionId> offline = new HashSet<>();
        request.getPartitionsList().forEach(p -> offline.add(new PartitionId(Uuids.fromProto(p.getTopicId()),
                p.getPartitionId())));
        List<MetadataRecord> records = PartitionChanges.removeReplicas(view, request.getBrokerId(),
                topic -> configs.uncleanLeaderElection(view, topic),
                (topicId, partitionId) -> offline.contains(new PartitionId(topicId, partitionId)));
        return ControllerResult.of(records, ReportOfflineReplicasResponse.newBuilder().setError(none()).build());
    }

    private record PartitionId(UUID topicId, int partitionId) {
    }

    private static PartitionState.Builder partitionState(UUID topicId, int partitionId, PartitionRegistration partition) {
        return PartitionState.newBuilder().setTopicId(Uuids.toProto(topicId)).setPartitionId(partitionId)
                .setError(none()).setLeader(partition.leader()).setLeaderEpoch(partition.leaderEpoch())
                .setPartitionEpoch(partition.partitionEpoch()).addAllIsr(partition.isr());
    }

    /**
     * Preferred: the first replica leads if it is in the ISR. Unclean: an offline partition is led by
     * its first unfenced replica, in or out of the ISR, whatever {@code unclean.leader.election.enable}
     * says (KIP-460: the operator asked). No partitions named: every partition, answering, as Kafka
     * does, only for those whose election was needed.
     */
    ControllerResult<ElectLeadersResponse> electLeaders(MetadataImage view, ElectLeadersRequest request) {
        boolean everyPartition = request.getTopicsCount() == 0;
        Map<String, List<Integer>> wanted = new LinkedHashMap<>();
        if (everyPartition) {
            view.topicsById().values().forEach(topic -> wanted.put(topic.name(),
                    topic.partitions().keySet().stream().sorted().toList()));
        } else {
            for (TopicPartitions topic : request.getTopicsList()) {
                wanted.computeIfAbsent(topic.getName(), n -> new ArrayList<>()).addAll(topic.getPartitionsList());
            }
        }
        ElectLeadersResponse.Builder response = ElectLeadersResponse.newBuilder().setError(none());
        List<MetadataRecord> records = new ArrayList<>();
        wanted.forEach((name, partitions) -> {
            TopicImage topic = view.topic(name);
            for (int partitionId : partitions) {
                PartitionRegistration partition = topic == null ? null : topic.partition(partitionId);
                Error outcome;
                if (topic == null) { // Kafka's words
                    outcome = error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "No such topic as " + name);
                } else if (partition == null) {
                    outcome = error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "No such partition as " + name + "-"
                            + partitionId);
                } else if (request.getElectionType() == ElectionType.PREFERRED) {
                    outcome = electPreferred(topic, partitionId, partition, records);
                } else {
                    outcome = electUnclean(view, topic, partitionId, partition, records);
                }
                if (everyPartition && outcome.getCode() == ErrorCode.ELECTION_NOT_NEEDED) {
                    continue;
                }
                response.addResults(ElectionResult.newBuilder().setTopic(name).setPartitionId(partitionId)
                        .setError(outcome));
            }
        });
        return ControllerResult.of(records, response.build());
    }

    private static Error electPreferred(TopicImage topic, int partitionId, PartitionRegistration partition,
                                        List<MetadataRecord> records) {
        int preferred = partition.replicas().get(0);
        if (partition.leader() == preferred) {
            return error(ErrorCode.ELECTION_NOT_NEEDED, "Broker " + preferred + " already leads");
        }
        if (!partition.isr().contains(preferred)) {
            return error(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, "Preferred leader " + preferred + " of "
                    + topic.name() + "-" + partitionId + " is not in the ISR " + partition.isr());
        }
        records.add(PartitionChanges.change(topic, partitionId, partition, partition.isr(), preferred,
                PartitionRegistration.NO_LEADER));
        return none();
    }

    private static Error electUnclean(MetadataImage view, TopicImage topic, int partitionId,
                                      PartitionRegistration partition, List<MetadataRecord> records) {
        String name = topic.name() + "-" + partitionId;
        if (partition.hasLeader()) {
            return error(ErrorCode.ELECTION_NOT_NEEDED, name + " has a leader");
        }
        int leader = PartitionChanges.firstInReplicaOrder(partition.replicas(), r -> PartitionChanges.isUnfenced(view, r));
        if (leader == PartitionRegistration.NO_LEADER) {
            return error(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, "No replica of " + name + " is alive");
        }
        records.add(PartitionChanges.change(topic, partitionId, partition, List.of(leader), leader,
                PartitionRegistration.NO_LEADER));
        return none();
    }

    /**
     * {@code auto.leader.rebalance.enable}: a preferred leader election of every partition, so that
     * preferred replicas back in the ISR lead again and leaders stay spread as they were placed.
     */
    ControllerResult<Void> rebalanceLeaders(MetadataImage view) {
        return ControllerResult.of(electLeaders(view, ElectLeadersRequest.newBuilder()
                .setElectionType(ElectionType.PREFERRED).build()).records(), null);
    }
}
