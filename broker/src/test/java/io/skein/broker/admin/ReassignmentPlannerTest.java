package io.skein.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.junit.jupiter.api.Test;

/** Balanced plans from current placements: even replicas and preferred leaders, with few replicas copied. */
class ReassignmentPlannerTest {
    /** {@code partitions} partitions of "t" with replication factor 3, placed round-robin over brokers 1-3. */
    private static Map<TopicPartition, List<Integer>> threeBrokers(int partitions) {
        Map<TopicPartition, List<Integer>> placed = new LinkedHashMap<>();
        for (int p = 0; p < partitions; p++) {
            placed.put(new TopicPartition("t", p), List.of(1 + p % 3, 1 + (p + 1) % 3, 1 + (p + 2) % 3));
        }
        return placed;
    }

    private static Map<Integer, Integer> count(Collection<List<Integer>> placements, boolean leadersOnly) {
        Map<Integer, Integer> counts = new HashMap<>();
        placements.forEach(replicas -> (leadersOnly ? replicas.subList(0, 1) : replicas)
                .forEach(broker -> counts.merge(broker, 1, Integer::sum)));
        return counts;
    }

    /** Replicas a plan copies: those of each partition it did not have. */
    private static int copies(Map<TopicPartition, List<Integer>> from, Map<TopicPartition, List<Integer>> to) {
        int copies = 0;
        for (Map.Entry<TopicPartition, List<Integer>> partition : to.entrySet()) {
            Set<Integer> added = new HashSet<>(partition.getValue());
            added.removeAll(from.get(partition.getKey()));
            copies += added.size();
        }
        return copies;
    }

    @Test
    void aBrokerAddedToThreeGetsItsShareOfReplicasAndLeadersFromTheOthersWithNoMoveWasted() {
        Map<TopicPartition, List<Integer>> current = threeBrokers(12);
        Map<TopicPartition, List<Integer>> proposed = ReassignmentPlanner.balance(current, List.of(1, 2, 3, 4));

        assertEquals(Map.of(1, 9, 2, 9, 3, 9, 4, 9), count(proposed.values(), false));
        assertEquals(Map.of(1, 3, 2, 3, 3, 3, 4, 3), count(proposed.values(), true));
        assertEquals(9, copies(current, proposed), "broker 4's nine replicas, and nothing else");
        proposed.values().forEach(replicas -> assertEquals(3, Set.copyOf(replicas).size(), replicas.toString()));
        assertEquals(proposed, ReassignmentPlanner.balance(current, List.of(4, 3, 2, 1)), "the same plan every time");
        assertEquals(proposed, ReassignmentPlanner.balance(proposed, List.of(1, 2, 3, 4)), "a balanced plan stays");
    }

    @Test
    void unevenCountsEndWithinOneOfEachOther() {
        Map<TopicPartition, List<Integer>> current = new LinkedHashMap<>();
        for (int p = 0; p < 7; p++) {
            current.put(new TopicPartition("u", p), List.of(1, 2));
        }
        Map<TopicPartition, List<Integer>> proposed = ReassignmentPlanner.balance(current, List.of(1, 2, 3));
        Map<Integer, Integer> replicas = count(proposed.values(), false);
        assertTrue(replicas.values().stream().allMatch(n -> n == 4 || n == 5), replicas.toString());
        assertEquals(4, copies(current, proposed), "14 replicas: broker 3 takes 4 or 5, the least it can");
        Map<Integer, Integer> leaders = count(proposed.values(), true);
        assertTrue(leaders.values().stream().allMatch(n -> n == 2 || n == 3), leaders.toString());
    }

    @Test
    void aBrokerLeftOutIsEmptiedAndTooFewBrokersAreRefused() {
        Map<TopicPartition, List<Integer>> current = threeBrokers(6);
        Map<TopicPartition, List<Integer>> proposed = ReassignmentPlanner.balance(current, List.of(1, 2, 4));
        assertEquals(Map.of(1, 6, 2, 6, 4, 6), count(proposed.values(), false));
        assertEquals(6, copies(current, proposed), "broker 3's six replicas go to broker 4");
        assertThrows(InvalidReplicationFactorException.class, () -> ReassignmentPlanner.balance(current, List.of(1, 2)));
    }
}
