package io.skein.chaos;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.skein.chaos.cluster.SkeinCluster;

/** The gate of every scenario that needs containers: skipped, with one line saying how to enable it. */
public final class DockerScenarios {
    private DockerScenarios() {
    }

    public static void assumeAvailable() {
        String why = SkeinCluster.unavailableBecause();
        if (why != null) {
            System.out.println("Chaos scenarios skipped: " + why);
        }
        assumeTrue(why == null, why);
    }
}
