package io.skein.broker.group;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets that open transactions have written to one shard's partition (TxnOffsetCommit), by
 * producer, then group and partition: they count only once the marker of their transaction commits
 * them, and an abort drops them (Kafka's {@code pendingTransactionalOffsets} and
 * {@code openTransactionsByGroup}). Changed only by the shard's replay; confined to its thread.
 */
final class PendingTransactionalOffsets {
    private final Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> byProducer = new HashMap<>();
    /** The producers with offsets of {@code group} pending: what the group's reads look through. */
    private final Map<String, Set<Long>> producersByGroup = new HashMap<>();

    /** The producer's transaction wrote {@code offset}, replacing what it wrote for the partition before. */
    void add(long producerId, String groupId, TopicPartition tp, CommittedOffset offset) {
        byProducer.computeIfAbsent(producerId, id -> new HashMap<>()).computeIfAbsent(groupId, id -> new HashMap<>())
                .put(tp, offset);
        producersByGroup.computeIfAbsent(groupId, id -> new HashSet<>()).add(producerId);
    }

    /**
     * The marker of the producer's transaction: its offsets leave, by group.
     *
     * @return what it had written, which a COMMIT makes the groups' offsets; empty if nothing
     */
    Map<String, Map<TopicPartition, CommittedOffset>> end(long producerId) {
        Map<String, Map<TopicPartition, CommittedOffset>> ended = byProducer.remove(producerId);
        if (ended == null) {
            return Map.of();
        }
        ended.keySet().forEach(groupId -> forget(groupId, producerId));
        return ended;
    }

    /** A tombstone of the group's offset for {@code tp}: no open transaction will commit one either (as Kafka). */
    void remove(String groupId, TopicPartition tp) {
        for (long producerId : Set.copyOf(producersByGroup.getOrDefault(groupId, Set.of()))) {
            Map<TopicPartition, CommittedOffset> offsets = byProducer.get(producerId).get(groupId);
            offsets.remove(tp);
            if (offsets.isEmpty()) {
                byProducer.get(producerId).remove(groupId);
                forget(groupId, producerId);
            }
        }
    }

    private void forget(String groupId, long producerId) {
        Set<Long> producers = producersByGroup.get(groupId);
        producers.remove(producerId);
        if (producers.isEmpty()) {
            producersByGroup.remove(groupId);
        }
    }

    /** Whether an open transaction has written an offset of the group for {@code tp}. */
    boolean has(String groupId, TopicPartition tp) {
        for (long producerId : producersByGroup.getOrDefault(groupId, Set.of())) {
            if (byProducer.get(producerId).get(groupId).containsKey(tp)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an open transaction has written offsets of the group. */
    boolean hasAny(String groupId) {
        return producersByGroup.containsKey(groupId);
    }

    /** The groups that open transactions have written offsets of. */
    Set<String> groupIds() {
        return Set.copyOf(producersByGroup.keySet());
    }

    /** The partitions that open transactions have written offsets of the group for. */
    Set<TopicPartition> partitions(String groupId) {
        Set<TopicPartition> partitions = new HashSet<>();
        producersByGroup.getOrDefault(groupId, Set.of())
                .forEach(producerId -> partitions.addAll(byProducer.get(producerId).get(groupId).keySet()));
        return partitions;
    }
}
