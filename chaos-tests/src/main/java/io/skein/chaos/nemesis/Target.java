package io.skein.chaos.nemesis;

import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.chaos.history.History;
import io.skein.chaos.history.Op.Fn;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * What faults act on: the cluster, the protocol's events as {@code watch} sees them (on the workload's
 * topic), and the history, where they note what they saw while striking or healing.
 */
public record Target(SkeinCluster cluster, ProtocolWatch watch, History history) {
    /** An observation of a fault's, in the history beside the faults themselves. */
    public void note(String observation) {
        history.info("nemesis", Fn.NEMESIS, observation);
    }

    /** Where the history is now: a mark for {@link #awaitAcks}. */
    public long historyMark() {
        return history.ops().size();
    }

    /**
     * Waits up to {@code bound} until at least {@code wanted} writes to {@code partition} have been
     * acknowledged since {@code mark}; returns how many were, if that many were.
     */
    public Optional<Long> awaitAcks(int partition, long mark, long wanted, Duration bound) throws InterruptedException {
        return ProtocolWatch.await(bound, () -> {
            long acked = ackedSince(partition, mark);
            return acked >= wanted ? Optional.of(acked) : Optional.empty();
        });
    }

    /** How many writes to {@code partition} have been acknowledged (or committed) since {@code mark}. */
    public long ackedSince(int partition, long mark) {
        return history.ops().stream().skip(mark).flatMap(op -> op.acknowledgedWrites().stream())
                .filter(write -> write.partition() == partition).count();
    }

    /** Removes every network rule any fault added on any node. */
    public void healNetwork() throws IOException, InterruptedException {
        for (ChaosNode node : cluster.nodes()) {
            node.heal();
        }
    }
}
