package io.skein.chaos.replica;

import io.skein.chaos.checker.Anomaly;
import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.chaos.replica.ReplicaLog.Batch;
import io.skein.log.LogManager;
import io.skein.log.checkpoint.OffsetCheckpointFile;
import io.skein.metadata.image.PartitionRegistration;
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
 * After every fault has healed and the nodes have stopped: the replicas of a partition hold the
 * same batches (offsets, partition leader epoch, CRC) as far as both have them committed. Each
 * replica is compared with the ISR's first member up to the lower of their high watermarks (from
 * each one's {@code replication-offset-checkpoint}): below a replica's high watermark everything was
 * committed when it learnt it, so two copies that differ there mean one of them kept what it should
 * have truncated, or lost what it had. Replicas out of the ISR are compared too, as far as their own
 * high watermark goes.
 */
public final class DivergenceCheck {
    private DivergenceCheck() {
    }

    /**
     * @param logDirs    each node's log directory, as this machine sees it
     * @param partitions each partition's replicas and ISR, as the metadata last stated them
     * @return one {@link Kind#DIVERGENT} anomaly per replica that disagrees with the ISR's first member,
     *         or that is in the ISR and holds no log
     */
    public static List<Anomaly> check(Map<Integer, Path> logDirs, Map<TopicPartition, PartitionRegistration> partitions)
            throws IOException {
        Map<Integer, Map<TopicPartition, Long>> highWatermarks = new HashMap<>();
        for (Map.Entry<Integer, Path> dir : logDirs.entrySet()) {
            Path file = dir.getValue().resolve(LogManager.HIGH_WATERMARK_CHECKPOINT);
            highWatermarks.put(dir.getKey(), Files.exists(file) ? new OffsetCheckpointFile(file).read() : Map.of());
        }
        List<Anomaly> found = new ArrayList<>();
        List<TopicPartition> sorted = partitions.keySet().stream()
                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition)).toList();
        for (TopicPartition tp : sorted) {
            List<Integer> isr = partitions.get(tp).isr().stream().sorted().toList();
            Map<Integer, ReplicaLog> logs = new HashMap<>();
            for (int node : partitions.get(tp).replicas()) {
                Path dir = logDirs.get(node).resolve(tp.topic() + "-" + tp.partition());
                if (Files.isDirectory(dir)) {
                    logs.put(node, ReplicaLog.read(dir));
                } else if (isr.contains(node)) {
                    found.add(new Anomaly(Kind.DIVERGENT, tp.partition(), 0, null, null,
                            tp + ": node " + node + " is in the ISR " + isr + " but holds no log of it"));
                }
            }
            Integer reference = isr.stream().filter(logs::containsKey).findFirst().orElse(null);
            if (reference == null) {
                continue;
            }
            List<Integer> others = logs.keySet().stream().filter(node -> node != reference.intValue()).sorted().toList();
            for (int node : others) {
                long upTo = Math.min(highWatermarks.get(reference).getOrDefault(tp, 0L),
                        highWatermarks.get(node).getOrDefault(tp, 0L));
                long from = Math.max(logStart(logs.get(reference)), logStart(logs.get(node)));
                Difference difference = firstDifference(logs.get(reference).between(from, upTo),
                        logs.get(node).between(from, upTo), reference, node);
                if (difference != null) {
                    found.add(new Anomaly(Kind.DIVERGENT, tp.partition(), difference.offset(), null, null, tp
                            + " at offset " + difference.offset() + ": " + difference.what() + "; compared from " + from
                            + " up to " + upTo + ", the lower high watermark of the two; ISR " + isr));
                }
            }
        }
        return found;
    }

    private static long logStart(ReplicaLog log) {
        return log.batches().isEmpty() ? 0 : log.batches().get(0).baseOffset();
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
