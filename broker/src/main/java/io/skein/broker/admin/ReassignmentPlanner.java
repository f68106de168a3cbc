package io.skein.broker.admin;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;

/**
 * A balanced placement of partitions over a set of brokers, reached from the current one with as few
 * replicas copied as balance allows: the story of a broker added to a cluster (or one to be emptied
 * before it goes). Each partition keeps its replication factor.
 *
 * <ol>
 *   <li>A replica on a broker outside the set moves to the broker of the set holding the fewest
 *       replicas that the partition does not use yet.</li>
 *   <li>While the broker holding the most replicas holds two or more than the one holding the fewest,
 *       one replica moves from the first to the second: of a partition the second does not hold, one
 *       that the first does not lead if there is one. Each such move brings both closer to the mean,
 *       so none is wasted, and it stops with every broker holding the mean rounded down or up.</li>
 *   <li>Preferred leaders (each partition's first replica) are balanced the same way without copying
 *       anything: a partition whose preferred leader leads two or more than another of its replicas
 *       puts that replica first.</li>
 * </ol>
 * Ties go to the lower broker id, the first partition by topic and number and the earlier replica, so
 * a plan is the same every time it is asked for. Racks are not considered.
 */
final class ReassignmentPlanner {
    static final Comparator<TopicPartition> ORDER = Comparator.comparing(TopicPartition::topic)
            .thenComparingInt(TopicPartition::partition);

    private final Map<TopicPartition, List<Integer>> assignment = new TreeMap<>(ORDER);
    private final Map<Integer, Integer> replicas = new TreeMap<>();
    private final Map<Integer, Integer> leaders = new TreeMap<>();

    private ReassignmentPlanner(Map<TopicPartition, List<Integer>> current, Collection<Integer> brokers) {
        brokers.forEach(broker -> {
            replicas.put(broker, 0);
            leaders.put(broker, 0);
        });
        current.forEach((tp, placed) -> {
            if (placed.size() > brokers.size()) {
                throw new InvalidReplicationFactorException(tp + " has " + placed.size() + " replicas: more than the "
                        + brokers.size() + " brokers " + new TreeSet<>(brokers) + " can hold");
            }
            assignment.put(tp, new ArrayList<>(placed));
            placed.forEach(broker -> replicas.computeIfPresent(broker, (b, n) -> n + 1));
            leaders.computeIfPresent(placed.get(0), (b, n) -> n + 1);
        });
    }

    /**
     * Where each partition's replicas should be to balance them, and their preferred leaders, over
     * {@code brokers}, from {@code current}: every partition, changed or not, its first replica the
     * preferred leader.
     *
     * @throws InvalidReplicationFactorException if a partition has more replicas than there are brokers
     */
    static Map<TopicPartition, List<Integer>> balance(Map<TopicPartition, List<Integer>> current,
                                                      Collection<Integer> brokers) {
        ReassignmentPlanner planner = new ReassignmentPlanner(current, Set.copyOf(brokers));
        planner.evacuate();
        planner.balanceReplicas();
        planner.balanceLeaders();
        Map<TopicPartition, List<Integer>> proposed = new LinkedHashMap<>();
        planner.assignment.forEach((tp, placed) -> proposed.put(tp, List.copyOf(placed)));
        return proposed;
    }

    private void evacuate() {
        assignment.forEach((tp, placed) -> {
            for (int i = 0; i < placed.size(); i++) {
                if (!replicas.containsKey(placed.get(i))) {
                    move(tp, placed, i, fewest(replicas, placed));
                }
            }
        });
    }

    private void balanceReplicas() {
        while (true) {
            int most = most(replicas);
            int least = fewest(replicas, List.of());
            if (replicas.get(most) - replicas.get(least) <= 1) {
                return;
            }
            TopicPartition chosen = null;
            for (Map.Entry<TopicPartition, List<Integer>> partition : assignment.entrySet()) {
                List<Integer> placed = partition.getValue();
                if (placed.contains(most) && !placed.contains(least)
                        && (chosen == null || placed.get(0) != most && assignment.get(chosen).get(0) == most)) {
                    chosen = partition.getKey();
                }
            }
            // Some partition has it: the broker with more replicas holds one the other does not.
            List<Integer> placed = assignment.get(chosen);
            move(chosen, placed, placed.indexOf(most), least);
        }
    }

    /** Replaces the replica at {@code index} of {@code tp} with {@code broker}, keeping the counts. */
    private void move(TopicPartition tp, List<Integer> placed, int index, int broker) {
        int from = placed.set(index, broker);
        replicas.computeIfPresent(from, (b, n) -> n - 1);
        replicas.merge(broker, 1, Integer::sum);
        if (index == 0) {
            leaders.computeIfPresent(from, (b, n) -> n - 1);
            leaders.merge(broker, 1, Integer::sum);
        }
    }

    private void balanceLeaders() {
        boolean swapped = true;
        while (swapped) { // each swap lowers the sum of squared leader counts: it ends
            swapped = false;
            for (Map.Entry<TopicPartition, List<Integer>> partition : assignment.entrySet()) {
                List<Integer> placed = partition.getValue();
                int leader = placed.get(0);
                int better = fewest(leaders, List.of(), placed);
                if (leaders.get(leader) - leaders.get(better) >= 2) {
                    placed.set(placed.indexOf(better), leader);
                    placed.set(0, better);
                    leaders.merge(leader, -1, Integer::sum);
                    leaders.merge(better, 1, Integer::sum);
                    swapped = true;
                }
            }
        }
    }

    /** The broker with the most of {@code counts}, the lower id on a tie. */
    private static int most(Map<Integer, Integer> counts) {
        int most = -1;
        for (Map.Entry<Integer, Integer> count : counts.entrySet()) {
            if (most == -1 || count.getValue() > counts.get(most)) {
                most = count.getKey();
            }
        }
        return most;
    }

    /** The broker with the fewest of {@code counts} not among {@code excluded}, the lower id on a tie. */
    private static int fewest(Map<Integer, Integer> counts, List<Integer> excluded) {
        return fewest(counts, excluded, counts.keySet());
    }

    /** {@link #fewest(Map, List)} among {@code candidates}. */
    private static int fewest(Map<Integer, Integer> counts, List<Integer> excluded, Collection<Integer> candidates) {
        int fewest = -1;
        for (int broker : candidates) {
            Integer count = counts.get(broker);
            if (count != null && !excluded.contains(broker) && (fewest == -1 || count < counts.get(fewest))) {
                fewest = broker;
            }
        }
        return fewest;
    }
}
