package io.skein.metadata.image;

import java.util.List;

/**
 * A partition as the metadata log knows it: its replicas (the first is the preferred leader), its
 * ISR, its leader (-1 when offline) and the epochs that fence stale leaders and stale ISR updates.
 * When the ISR had to be emptied, {@code lastKnownLeader} names its last member, which alone may lead
 * again without losing data.
 */
public record PartitionRegistration(List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                                    int partitionEpoch, int lastKnownLeader) {
    public static final int NO_LEADER = -1;

    public PartitionRegistration {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }
}
