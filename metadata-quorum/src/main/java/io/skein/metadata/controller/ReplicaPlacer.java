package io.skein.metadata.controller;

import java.util.ArrayList;
import java.util.List;

/**
 * Spreads replicas and leaders evenly, as Kafka's rack-unaware assignment does: the leader of
 * partition i is broker {@code (start + i) mod n}; follower j comes after it at a distance that
 * grows by one every round of n partitions, so replicas of consecutive rounds do not pair up the
 * same brokers.
 */
final class ReplicaPlacer {
    private ReplicaPlacer() {
    }

    /**
     * Replicas for partitions {@code first} to {@code first + count - 1} of a topic.
     *
     * @param brokers the unfenced brokers, sorted
     * @param start   where round 0 begins: varied per topic so that leaders of many topics spread too
     */
    static List<List<Integer>> place(List<Integer> brokers, int first, int count, int replicationFactor, int start) {
        int n = brokers.size();
        if (replicationFactor < 1 || replicationFactor > n) {
            throw new IllegalArgumentException("Replication factor " + replicationFactor + " for " + n + " brokers");
        }
        List<List<Integer>> assignment = new ArrayList<>(count);
        for (int partition = first; partition < first + count; partition++) {
            int shift = start + partition / n;
            int leader = (start + partition) % n;
            List<Integer> replicas = new ArrayList<>(replicationFactor);
            replicas.add(brokers.get(leader));
            for (int j = 0; j < replicationFactor - 1; j++) {
                replicas.add(brokers.get((leader + 1 + (shift + j) % (n - 1)) % n));
            }
            assignment.add(replicas);
        }
        return assignment;
    }
}
