package io.skein.metadata.controller;

import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.Uuids;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.PartitionChangeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The partition changes that follow a broker's fencing or unfencing, and leader elections. The
 * rules: an ISR holds only unfenced brokers; a leader comes from the ISR (the first in replica
 * order, so the preferred leader when it can); a partition whose ISR empties goes offline and
 * remembers its last ISR member, the one broker that can lead it again without losing data. With
 * unclean election allowed, any unfenced replica may lead an offline partition instead. Every change
 * completes a reassignment whose target replicas its ISR holds.
 */
final class PartitionChanges {
    private PartitionChanges() {
    }

    /** Takes {@code brokerId} out of every ISR, electing new leaders where it led. */
    static List<MetadataRecord> removeBroker(MetadataImage view, int brokerId, Predicate<String> uncleanAllowed) {
        return removeReplicas(view, brokerId, uncleanAllowed, (topic, id) -> true);
    }

    /** A partition, by its topic's id and its own. */
    @FunctionalInterface
    interface PartitionFilter {
        boolean test(UUID topicId, int partitionId);
    }

    /**
     * Takes {@code brokerId} out of the ISRs of the partitions {@code which} picks, electing new leaders
     * where it led; the last ISR member of one stays its last known leader, as at a fencing.
     */
    static List<MetadataRecord> removeReplicas(MetadataImage view, int brokerId, Predicate<String> uncleanAllowed,
                                               PartitionFilter which) {
        List<MetadataRecord> records = new ArrayList<>();
        forEachPartition(view, (topic, id, partition) -> {
            if (!partition.isr().contains(brokerId) || !which.test(topic.id(), id)) {
                return;
            }
            List<Integer> isr = new ArrayList<>(partition.isr());
            isr.remove(Integer.valueOf(brokerId));
            if (partition.leader() != brokerId) {
                records.add(change(topic, id, partition, isr, partition.leader(), partition.lastKnownLeader()));
                return;
            }
            int leader = firstInReplicaOrder(partition.replicas(), isr::contains);
            if (leader != PartitionRegistration.NO_LEADER) {
                records.add(change(topic, id, partition, isr, leader, PartitionRegistration.NO_LEADER));
            } else if (uncleanAllowed.test(topic.name())) {
                int unclean = firstInReplicaOrder(partition.replicas(), r -> r != brokerId && isUnfenced(view, r));
                records.add(unclean == PartitionRegistration.NO_LEADER
                        ? change(topic, id, partition, List.of(), PartitionRegistration.NO_LEADER, brokerId)
                        : change(topic, id, partition, List.of(unclean), unclean, PartitionRegistration.NO_LEADER));
            } else {
                records.add(change(topic, id, partition, List.of(), PartitionRegistration.NO_LEADER, brokerId));
            }
        });
        return records;
    }

    /**
     * Offline partitions that {@code brokerId}, just unfenced, may lead: those it was the last ISR
     * member of, and, where unclean election is allowed, any it is a replica of.
     */
    static List<MetadataRecord> restoreLeaders(MetadataImage view, int brokerId, Predicate<String> uncleanAllowed) {
        List<MetadataRecord> records = new ArrayList<>();
        forEachPartition(view, (topic, id, partition) -> {
            if (partition.hasLeader() || !partition.replicas().contains(brokerId)) {
                return;
            }
            boolean clean = partition.lastKnownLeader() == brokerId;
            if (clean || uncleanAllowed.test(topic.name())) {
                records.add(change(topic, id, partition, List.of(brokerId), brokerId, PartitionRegistration.NO_LEADER));
            }
        });
        return records;
    }

    /**
     * Partitions that no longer have {@code brokerId} as the one broker that may lead them without
     * loss: it came back without the log directories that held their data.
     */
    static List<MetadataRecord> forgetLastLeader(MetadataImage view, int brokerId) {
        List<MetadataRecord> records = new ArrayList<>();
        forEachPartition(view, (topic, id, partition) -> {
            if (partition.lastKnownLeader() == brokerId) {
                records.add(change(topic, id, partition, partition.isr(), partition.leader(),
                        PartitionRegistration.NO_LEADER));
            }
        });
        return records;
    }

    /**
     * A partition's new ISR and leader: the partition epoch always moves on, the leader epoch when
     * the leader changes. An ISR that completes the partition's reassignment completes it too.
     */
    static MetadataRecord change(TopicImage topic, int partitionId, PartitionRegistration current, List<Integer> isr,
                                 int leader, int lastKnownLeader) {
        return change(topic, partitionId, current, ReplicaSet.of(current), isr, leader, lastKnownLeader);
    }

    /**
     * A partition's new replicas, ISR and leader. If the ISR holds every target replica of a
     * reassignment, the reassignment completes in the same change (Kafka's PartitionChangeBuilder): the
     * replicas being removed leave the replicas and the ISR, and if the leader was one of them, the
     * first target replica in the ISR leads. The partition epoch always moves on; the leader epoch
     * when the leader changes or a replica leaves, so that a removed replica's fetches are fenced.
     */
    static MetadataRecord change(TopicImage topic, int partitionId, PartitionRegistration current,
                                 ReplicaSet assignment, List<Integer> isr, int leader, int lastKnownLeader) {
        if (assignment.completedBy(isr)) {
            isr = ReplicaSet.without(isr, assignment.removing());
            assignment = assignment.completed();
            if (leader != PartitionRegistration.NO_LEADER && !isr.contains(leader)) {
                leader = firstInReplicaOrder(assignment.replicas(), isr::contains);
            }
        }
        boolean replicaRemoved = !assignment.replicas().containsAll(current.replicas());
        int leaderEpoch = leader == current.leader() && !replicaRemoved ? current.leaderEpoch()
                : current.leaderEpoch() + 1;
        PartitionChangeRecord.Builder change = PartitionChangeRecord.newBuilder()
                .setTopicId(Uuids.toProto(topic.id())).setPartitionId(partitionId).addAllIsr(isr).setLeader(leader)
                .setLeaderEpoch(leaderEpoch).setPartitionEpoch(current.partitionEpoch() + 1)
                .setLastKnownLeader(lastKnownLeader);
        if (!assignment.equals(ReplicaSet.of(current))) {
            change.setAssignment(assignment.toRecord());
        }
        return MetadataRecord.newBuilder().setPartitionChange(change).build();
    }

    static int firstInReplicaOrder(List<Integer> replicas, Predicate<Integer> eligible) {
        return replicas.stream().filter(eligible).findFirst().orElse(PartitionRegistration.NO_LEADER);
    }

    static boolean isUnfenced(MetadataImage view, int brokerId) {
        var broker = view.broker(brokerId);
        return broker != null && !broker.fenced();
    }

    @FunctionalInterface
    interface PartitionVisitor {
        void visit(TopicImage topic, int partitionId, PartitionRegistration partition);
    }

    static void forEachPartition(MetadataImage view, PartitionVisitor visitor) {
        for (TopicImage topic : view.topicsById().values()) {
            for (Map.Entry<Integer, PartitionRegistration> partition : topic.partitions().entrySet()) {
                visitor.visit(topic, partition.getKey(), partition.getValue());
            }
        }
    }
}
