package io.skein.chaos.nemesis;

import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.chaos.history.History;
import io.skein.chaos.history.Op.Fn;
import java.io.IOException;

/**
 * What faults act on: the cluster, the protocol's events as {@code watch} sees them (on the workload's
 * topic), and the history, where they note what they saw while striking or healing.
 */
public record Target(SkeinCluster cluster, ProtocolWatch watch, History history) {
    /** An observation of a fault's, in the history beside the faults themselves. */
    public void note(String observation) {
        history.info("nemesis", Fn.NEMESIS, observation);
    }

    /** Removes every network rule any fault added on any node. */
    public void healNetwork() throws IOException, InterruptedException {
        for (ChaosNode node : cluster.nodes()) {
            node.heal();
        }
    }
}
