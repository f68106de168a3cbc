package io.skein.metadata.image;

import java.util.List;

/**
 * A partition as the metadata log knows it: its replicas (the first is the preferred leader), its
 * ISR, its leader (-1 when offline) and the epochs that fence stale leaders and stale ISR updates.
 * When the ISR had to be emptied, {@code lastKnownLeader} names its last member, which alone may lead
 * again without losing data.
 *
 * <p>While the partition is being reassigned (KIP-455), {@code replicas} holds the target replicas
 * followed by the ones being removed: {@code addingReplicas} are targets it did not have (they copy
 * the log from the leader as any follower does), {@code removingReplicas} the replicas it will drop
 * once every target is in the ISR.
 */
public record PartitionRegistration(List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                                    int partitionEpoch, int lastKnownLeader, List<Integer> addingReplicas,
                                    List<Integer> removingReplicas) {
    public static final int NO_LEADER = -1;

    public PartitionRegistration {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        addingReplicas = List.copyOf(addingReplicas);
        removingReplicas = List.copyOf(removingReplicas);
    }

    /** A partition that is not being reassigned. */
    public PartitionRegistration(List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                                 int partitionEpoch, int lastKnownLeader) {
        this(replicas, isr, leader, leaderEpoch, partitionEpoch, lastKnownLeader, List.of(), List.of());
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }

    /** Whether a reassignment is under way: replicas are being added or removed. */
    public boolean isReassigning() {
        return !addingReplicas.isEmpty() || !removingReplicas.isEmpty();
    }
}
