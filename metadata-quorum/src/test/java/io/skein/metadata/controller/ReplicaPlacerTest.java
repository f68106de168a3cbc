package io.skein.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReplicaPlacerTest {
    @Test
    void everyAssignmentHasDistinctReplicasAndLeadersAndReplicasSpreadEvenly() {
        for (int brokerCount = 1; brokerCount <= 7; brokerCount++) {
            List<Integer> brokers = IntStream.rangeClosed(1, brokerCount).map(b -> b * 10).boxed().toList();
            for (int rf = 1; rf <= brokerCount; rf++) {
                for (int start = 0; start < brokerCount; start++) {
                    int partitions = brokerCount * 4;
                    List<List<Integer>> assignment = ReplicaPlacer.place(brokers, 0, partitions, rf, start);
                    Map<Integer, Integer> leaders = new HashMap<>();
                    Map<Integer, Integer> replicas = new HashMap<>();
                    for (List<Integer> partition : assignment) {
                        assertEquals(rf, new HashSet<>(partition).size(), partition.toString());
                        assertTrue(brokers.containsAll(partition));
                        leaders.merge(partition.get(0), 1, Integer::sum);
                        partition.forEach(r -> replicas.merge(r, 1, Integer::sum));
                    }
                    for (int broker : brokers) {
                        assertEquals(4, leaders.get(broker), "leaders of " + brokerCount + " brokers, rf " + rf);
                        assertEquals(4 * rf, replicas.get(broker), "replicas of " + brokerCount + " brokers, rf " + rf);
                    }
                }
            }
        }
    }

    @Test
    void addedPartitionsContinueThePattern() {
        List<Integer> brokers = List.of(1, 2, 3);
        List<List<Integer>> all = ReplicaPlacer.place(brokers, 0, 9, 2, 0);
        assertEquals(all.subList(6, 9), ReplicaPlacer.place(brokers, 6, 3, 2, 0));
    }
}
