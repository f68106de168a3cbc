package io.skein.chaos.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.chaos.checker.Anomaly;
import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.metadata.image.PartitionRegistration;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class CatchUpCheckTest {
    private static final TopicPartition TP = new TopicPartition("chaos", 4);

    private static Map<TopicPartition, PartitionRegistration> isr(Integer... isr) {
        return Map.of(TP, new PartitionRegistration(List.of(5, 1, 2), List.of(isr), 5, 3, 7, 5));
    }

    @Test
    void aReplicaThatRejoinsWithinTheBoundIsFine() throws InterruptedException {
        Deque<Map<TopicPartition, PartitionRegistration>> states = new ArrayDeque<>(List.of(isr(5, 2), isr(5, 2, 1)));
        assertEquals(List.of(), CatchUpCheck.check(() -> states.size() > 1 ? states.poll() : states.peek(),
                Duration.ofSeconds(30)));
    }

    @Test
    void aReplicaStillOutAtTheBoundIsUnderReplicated() throws InterruptedException {
        List<Anomaly> found = CatchUpCheck.check(() -> isr(5, 2), Duration.ZERO);
        assertEquals(1, found.size());
        assertEquals(Kind.UNDER_REPLICATED, found.get(0).kind());
        assertEquals(4, found.get(0).partition());
        assertEquals("chaos-4: replicas [1] still out of the ISR [5, 2] 0 s after every fault healed",
                found.get(0).detail());
    }
}
