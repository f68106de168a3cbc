package io.skein.broker.purgatory;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DelayedOperationPurgatoryTest {
    private final DelayedOperationPurgatory<String> purgatory = new DelayedOperationPurgatory<>("test");

    @AfterEach
    void close() {
        purgatory.close();
    }

    /** Completes once {@code value} reaches {@code target}; counts its completions and expiries. */
    private static final class WaitFor extends DelayedOperation {
        final AtomicLong value;
        final long target;
        final AtomicInteger completions = new AtomicInteger();
        volatile boolean reached;

        WaitFor(long delayMs, AtomicLong value, long target) {
            super(delayMs);
            this.value = value;
            this.target = target;
        }

        @Override
        protected boolean tryComplete() {
            return value.get() >= target && forceComplete();
        }

        @Override
        protected void onComplete() {
            reached = value.get() >= target;
            completions.incrementAndGet();
        }
    }

    @Test
    void anOperationWhoseConditionHoldsCompletesAtOnce() {
        WaitFor op = new WaitFor(60_000, new AtomicLong(5), 5);
        assertTrue(purgatory.tryCompleteElseWatch(op, List.of("a")));
        assertEquals(1, op.completions.get());
        assertEquals(0, purgatory.watched());
    }

    @Test
    void aWatchedOperationCompletesWhenAKeyItWatchesIsChecked() {
        AtomicLong highWatermark = new AtomicLong();
        WaitFor op = new WaitFor(60_000, highWatermark, 3);
        assertFalse(purgatory.tryCompleteElseWatch(op, List.of("a", "b")));
        highWatermark.set(2);
        assertEquals(0, purgatory.checkAndComplete("a"));
        highWatermark.set(3);
        assertEquals(0, purgatory.checkAndComplete("c"), "a key it does not watch");
        assertEquals(1, purgatory.checkAndComplete("b"));
        assertTrue(op.reached);
        assertEquals(0, purgatory.checkAndComplete("a"), "completed once only");
        assertEquals(1, op.completions.get());
    }

    @Test
    void checkingAllKeysCompletesEveryOperationWhoseConditionHolds() {
        AtomicLong lowWatermark = new AtomicLong();
        WaitFor first = new WaitFor(60_000, lowWatermark, 1);
        WaitFor second = new WaitFor(60_000, lowWatermark, 1);
        WaitFor later = new WaitFor(60_000, lowWatermark, 2);
        assertFalse(purgatory.tryCompleteElseWatch(first, List.of("a")));
        assertFalse(purgatory.tryCompleteElseWatch(second, List.of("b", "c")));
        assertFalse(purgatory.tryCompleteElseWatch(later, List.of("c")));
        lowWatermark.set(1);
        purgatory.checkAndCompleteAll();
        assertEquals(List.of(1, 1, 0), List.of(first.completions.get(), second.completions.get(),
                later.completions.get()));
    }

    @Test
    void anOperationExpiresAfterItsDelay() {
        WaitFor op = new WaitFor(50, new AtomicLong(), 1);
        assertFalse(purgatory.tryCompleteElseWatch(op, List.of("a")));
        await().atMost(Duration.ofSeconds(10)).until(() -> op.completions.get() == 1);
        assertFalse(op.reached);
    }

    @Test
    void racingCompletionsAndExpiriesCompleteEachOperationExactlyOnce() throws Exception {
        AtomicLong value = new AtomicLong();
        List<WaitFor> ops = IntStream.range(0, 2_000)
                .mapToObj(i -> new WaitFor(i % 3 == 0 ? 1 : 60_000, value, 1)).toList();
        ops.forEach(op -> purgatory.tryCompleteElseWatch(op, List.of("k" + (op.hashCode() % 4))));
        ExecutorService checkers = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        value.set(1);
        for (int t = 0; t < 4; t++) {
            int key = t;
            checkers.execute(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int k = 0; k < 4; k++) {
                    purgatory.checkAndComplete("k" + ((key + k) % 4));
                }
            });
        }
        go.countDown();
        checkers.shutdown();
        assertTrue(checkers.awaitTermination(20, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(10)).until(() -> ops.stream().allMatch(op -> op.completions.get() == 1));
        assertTrue(ops.stream().allMatch(op -> op.completions.get() == 1));
    }
}
