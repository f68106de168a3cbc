package io.skein.chaos.replica;

import io.skein.chaos.checker.Anomaly;
import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.chaos.replica.ReplicaLog.Batch;
import io.skein.log.LogManager;
import io.skein.log.checkpoint.OffsetCheckpointFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * After every fault has healed and the nodes have stopped: every in-sync replica of a partition holds
 * the same batches (offsets, partition leader epoch, CRC) up to the lowest high watermark among them,
 * as each replica's {@code replication-offset-checkpoint} has it. Below a replica's high watermark
 * everything is committed, so two copies that differ there mean one of them kept what it should
 * have truncated, or lost what it had.
 */
public final class DivergenceCheck {
    private DivergenceCheck() {
    }

    /**
     * @param logDirs each node's log directory, as this machine sees it
     * @param isrs    each partition's in-sync replicas, as the metadata last stated them
     * @return one {@link Kind#DIVERGENT} anomaly per replica that disagrees with the ISR's first member
     */
    public static List<Anomaly> check(Map<Integer, Path> logDirs, Map<TopicPartition, List<Integer>> isrs)
            throws IOException {
        Map<Integer, Map<TopicPartition, Long>> highWatermarks = new HashMap<>();
        for (Map.Entry<Integer, Path> dir : logDirs.entrySet()) {
            Path file = dir.getValue().resolve(LogManager.HIGH_WATERMARK_CHECKPOINT);
            highWatermarks.put(dir.getKey(), Files.exists(file) ? new OffsetCheckpointFile(file).read() : Map.of());
        }
        List<Anomaly> found = new ArrayList<>();
        List<TopicPartition> partitions = isrs.keySet().stream()
                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition)).toList();
        for (TopicPartition tp : partitions) {
            List<Integer> isr = isrs.get(tp).stream().sorted().toList();
            Map<Integer, ReplicaLog> replicas = new HashMap<>();
            long upTo = Long.MAX_VALUE;
            long from = 0;
            for (int node : isr) {
                Path dir = logDirs.get(node).resolve(tp.topic() + "-" + tp.partition());
                if (!Files.isDirectory(dir)) {
                    found.add(new Anomaly(Kind.DIVERGENT, tp.partition(), 0, null, null,
                            tp + ": node " + node + " is in the ISR " + isr + " but holds no log of it"));
                    continue;
                }
                ReplicaLog log = ReplicaLog.read(dir);
                replicas.put(node, log);
                upTo = Math.min(upTo, highWatermarks.get(node).getOrDefault(tp, 0L));
                if (!log.batches().isEmpty()) {
                    from = Math.max(from, log.batches().get(0).baseOffset());
                }
            }
            if (replicas.size() < 2) {
                continue;
            }
            List<Integer> holders = isr.stream().filter(replicas::containsKey).toList();
            int reference = holders.get(0);
            List<Batch> expected = replicas.get(reference).between(from, upTo);
            for (int node : holders.subList(1, holders.size())) {
                Difference difference = firstDifference(expected, replicas.get(node).between(from, upTo), reference,
                        node);
                if (difference != null) {
                    found.add(new Anomaly(Kind.DIVERGENT, tp.partition(), difference.offset(), null, null, tp
                            + " at offset " + difference.offset() + ": " + difference.what() + "; compared from " + from
                            + " up to " + upTo + ", the lowest high watermark of the ISR " + isr));
                }
            }
        }
        return found;
    }

    /** Where two replicas first disagree, and how. */
    private record Difference(long offset, String what) {
    }

    /** Null if both hold the same batches. */
    private static Difference firstDifference(List<Batch> expected, List<Batch> actual, int reference, int node) {
        for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
            Batch a = i < expected.size() ? expected.get(i) : null;
            Batch b = i < actual.size() ? actual.get(i) : null;
            if (a == null || b == null) {
                Batch present = a == null ? b : a;
                int missing = a == null ? reference : node;
                return new Difference(present.baseOffset(), "node " + (a == null ? node : reference) + " has "
                        + present.describe() + ", node " + missing + "'s log ends before it");
            }
            if (!a.sameAs(b)) {
                return new Difference(Math.min(a.baseOffset(), b.baseOffset()), "node " + reference + " has "
                        + a.describe() + ", node " + node + " has " + b.describe());
            }
        }
        return null;
    }
}
