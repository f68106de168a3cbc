package io.skein.chaos.replica;

import io.skein.chaos.checker.Anomaly;
import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.metadata.image.PartitionRegistration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;

/**
 * After every fault has healed: every replica of every partition is back in its ISR within a bound.
 * A replica that stays out while its node is up and reachable is stuck (on a suffix it cannot
 * truncate, say): a liveness failure the other checks cannot see, since they look at what clients
 * read and at what the replicas have committed.
 */
public final class CatchUpCheck {
    private static final Duration POLL = Duration.ofMillis(500);

    private CatchUpCheck() {
    }

    /**
     * Waits up to {@code bound} for every partition's ISR to hold all its replicas.
     *
     * @param partitions each partition's replicas and ISR, as the metadata states them at the time of asking
     * @return one {@link Kind#UNDER_REPLICATED} anomaly per partition still short at the bound
     */
    public static List<Anomaly> check(Supplier<Map<TopicPartition, PartitionRegistration>> partitions, Duration bound)
            throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            List<Map.Entry<TopicPartition, PartitionRegistration>> underReplicated = partitions.get().entrySet().stream()
                    .filter(entry -> entry.getValue().isr().size() < entry.getValue().replicas().size())
                    .sorted(Comparator.comparing((Map.Entry<TopicPartition, PartitionRegistration> entry) ->
                            entry.getKey().toString()))
                    .toList();
            if (underReplicated.isEmpty()) {
                return List.of();
            }
            if (System.nanoTime() >= deadline) {
                List<Anomaly> found = new ArrayList<>();
                for (Map.Entry<TopicPartition, PartitionRegistration> entry : underReplicated) {
                    PartitionRegistration registration = entry.getValue();
                    List<Integer> out = registration.replicas().stream()
                            .filter(replica -> !registration.isr().contains(replica)).toList();
                    found.add(new Anomaly(Kind.UNDER_REPLICATED, entry.getKey().partition(), -1, null, null,
                            entry.getKey() + ": replicas " + out + " still out of the ISR " + registration.isr() + " "
                                    + bound.toSeconds() + " s after every fault healed"));
                }
                return found;
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
