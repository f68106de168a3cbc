package io.skein.broker.coordinator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.kafka.LogRecords;
import io.skein.broker.kafka.LogRecords.KeyValue;
import io.skein.broker.kafka.LogRecords.TransactionalProducer;
import io.skein.broker.replica.ReplicaManager.TxnMarker;
import io.skein.log.FlushListener;
import io.skein.log.LogConfig;
import io.skein.log.LogManager;
import io.skein.log.LogManagerConfig;
import io.skein.log.MetaProperties;
import io.skein.log.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime over a real log, with a shard of string keys and values: a shard is its partition's
 * records replayed, changes only once its records are written, answers writes in order, and when
 * unloaded answers what is pending NOT_COORDINATOR.
 */
@Timeout(60)
class CoordinatorRuntimeTest {
    private static final TopicPartition PARTITION = new TopicPartition("__test_state", 0);

    @TempDir
    Path dir;
    private LogManager logs;
    private PartitionLog log;
    private CoordinatorRuntime<MapShard> runtime;
    private LogWriter writer;
    private int nextEpoch;

    /**
     * A map of strings, replayed from records whose key and value are the entry's; a transaction's
     * entries wait for its marker and carry their record's offset.
     */
    static final class MapShard implements CoordinatorShard {
        final Map<String, String> entries = new HashMap<>();
        final Map<Long, Map<String, String>> pending = new HashMap<>();
        final CoordinatorTimer timer;
        final AtomicBoolean unloaded = new AtomicBoolean();

        MapShard(CoordinatorTimer timer) {
            this.timer = timer;
        }

        @Override
        public void replay(long offset, long producerId, ByteBuffer key, ByteBuffer value) {
            if (producerId != LogRecords.NO_PRODUCER_ID) {
                pending.computeIfAbsent(producerId, id -> new HashMap<>()).put(string(key), value == null ? null
                        : string(value) + "@" + offset);
            } else if (value == null) {
                entries.remove(string(key));
            } else {
                entries.put(string(key), string(value));
            }
        }

        @Override
        public void replayEndTransactionMarker(long producerId, boolean commit) {
            Map<String, String> ended = pending.remove(producerId);
            if (commit && ended != null) {
                entries.putAll(ended);
            }
        }

        @Override
        public CoordinatorResult<Void> onLoaded() {
            return CoordinatorResult.of(null);
        }

        @Override
        public void onUnloaded() {
            unloaded.set(true);
        }

        /** Puts an entry; the answer is the write's outcome. */
        CoordinatorResult<Errors> put(String key, String value) {
            return new CoordinatorResult<>(List.of(record(key, value)), error -> error);
        }

        private static String string(ByteBuffer buffer) {
            return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
        }
    }

    private static KeyValue record(String key, String value) {
        return new KeyValue(key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    @BeforeEach
    void open() throws Exception {
        Path logDir = dir.resolve("logs");
        new MetaProperties("runtime-test-cluster", 1).format(List.of(logDir));
        logs = LogManager.start(LogManagerConfig.defaults(List.of(logDir), 1), topic -> LogConfig.DEFAULT,
                Clock.systemUTC(), FlushListener.NONE);
        log = logs.getOrCreateLog(PARTITION, LogConfig.DEFAULT);
        writer = new LogWriter(log);
        runtime = new CoordinatorRuntime<>("runtime-test", writer);
    }

    @AfterEach
    void close() throws Exception {
        runtime.close();
        logs.close();
    }

    private void append(List<KeyValue> records) {
        writer.append(PARTITION, null, records).join();
    }

    private void load(Function<CoordinatorTimer, MapShard> newShard) {
        runtime.load(PARTITION, nextEpoch++, log, newShard);
        await().atMost(Duration.ofSeconds(10)).until(() -> read(shard -> Errors.NONE) == Errors.NONE);
    }

    /** Runs {@code operation}; a shard that cannot run it gives its error as the result. */
    @SuppressWarnings("unchecked")
    private <T> T read(Function<MapShard, T> operation) throws Exception {
        return runtime.read(PARTITION, error -> (T) error, operation).get(10, TimeUnit.SECONDS);
    }

    private CompletableFuture<Errors> put(String key, String value) {
        return runtime.write(PARTITION, error -> error, shard -> shard.put(key, value));
    }

    private Map<String, String> entries() throws Exception {
        return read(shard -> Map.copyOf(shard.entries));
    }

    @Test
    void aShardIsItsPartitionReplayedFromLogStart() throws Exception {
        append(List.of(record("a", "1"), record("b", "2")));
        append(List.of(record("a", "3"), record("b", null), record("c", "4")));
        load(MapShard::new);
        assertEquals(Map.of("a", "3", "c", "4"), entries(), "later records win; a tombstone removes");

        assertEquals(Errors.NONE, put("d", "5").get(10, TimeUnit.SECONDS));
        runtime.unload(PARTITION);
        load(MapShard::new);
        assertEquals(Map.of("a", "3", "c", "4", "d", "5"), entries(), "what was written live comes back");
    }

    @Test
    void operationsWhileLoadingAreAnsweredLoadInProgress() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        runtime.load(PARTITION, 0, log, timer -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return new MapShard(timer);
        });
        assertEquals(Errors.COORDINATOR_LOAD_IN_PROGRESS, put("a", "1").get(10, TimeUnit.SECONDS));
        gate.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> read(shard -> Errors.NONE) == Errors.NONE);
        assertEquals(Errors.NONE, put("a", "1").get(10, TimeUnit.SECONDS));
        assertEquals(Errors.NOT_COORDINATOR, runtime.write(new TopicPartition("__test_state", 1), error -> error,
                shard -> shard.put("a", "1")).get(10, TimeUnit.SECONDS), "no shard for a partition not led here");
    }

    @Test
    void aRecordChangesTheShardOnlyOnceWritten() throws Exception {
        load(MapShard::new);
        writer.holdAcks(true);
        CompletableFuture<Errors> answer = put("a", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.heldAcks().size() == 1);
        assertEquals(Map.of(), entries(), "in the log, not yet acknowledged by the replicas");
        assertFalse(answer.isDone());

        writer.heldAcks().poll().complete(Errors.NONE);
        assertEquals(Errors.NONE, answer.get(10, TimeUnit.SECONDS));
        assertEquals(Map.of("a", "1"), entries());
    }

    @Test
    void aWriteThatFailsChangesNothing() throws Exception {
        load(MapShard::new);
        assertEquals(Errors.NONE, put("a", "1").get(10, TimeUnit.SECONDS));
        writer.failWith(Errors.NOT_ENOUGH_REPLICAS);
        assertEquals(Errors.NOT_ENOUGH_REPLICAS, put("a", "2").get(10, TimeUnit.SECONDS));
        assertEquals(Errors.NOT_ENOUGH_REPLICAS, put("b", "3").get(10, TimeUnit.SECONDS));
        assertEquals(Map.of("a", "1"), entries());

        writer.failWith(Errors.NONE);
        runtime.unload(PARTITION);
        load(MapShard::new);
        assertEquals(Map.of("a", "1"), entries());
    }

    @Test
    void writesAreAnsweredInTheOrderTheyWereMade() throws Exception {
        load(MapShard::new);
        writer.holdAcks(true);
        List<String> answered = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Errors> first = put("a", "1").whenComplete((error, failure) -> answered.add("first"));
        CompletableFuture<Errors> second = put("a", "2").whenComplete((error, failure) -> answered.add("second"));
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.heldAcks().size() == 2);
        CompletableFuture<Errors> firstAck = writer.heldAcks().poll();
        writer.heldAcks().poll().complete(Errors.NONE);
        assertEquals(Map.of(), entries(), "the second write is acknowledged, but the first is not");
        assertFalse(second.isDone());

        firstAck.complete(Errors.NONE);
        second.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("first", "second"), answered);
        assertEquals(Map.of("a", "2"), entries(), "replayed in the order written");
        assertTrue(first.isDone());
    }

    /**
     * An operation whose answer depends on a write under way runs again once that write is answered,
     * and sees it; one that asks to wait with no write under way would spin, and is refused.
     */
    @Test
    void anOperationThatWaitsForAWriteRunsAgainOnceItIsAnswered() throws Exception {
        load(MapShard::new);
        writer.holdAcks(true);
        CompletableFuture<Errors> first = put("a", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.heldAcks().size() == 1);
        List<Map<String, String>> seen = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Errors> dependent = runtime.write(PARTITION, error -> error, shard -> {
            seen.add(Map.copyOf(shard.entries));
            return shard.entries.containsKey("a") ? shard.put("b", "2") : CoordinatorResult.afterPendingWrites();
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
        assertFalse(dependent.isDone());

        writer.heldAcks().poll().complete(Errors.NONE);
        assertEquals(Errors.NONE, first.get(10, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.heldAcks().size() == 1);
        writer.heldAcks().poll().complete(Errors.NONE);
        assertEquals(Errors.NONE, dependent.get(10, TimeUnit.SECONDS));
        assertEquals(List.of(Map.of(), Map.of("a", "1")), seen, "run again once the write it waited for was replayed");
        assertEquals(Map.of("a", "1", "b", "2"), entries());

        assertEquals(Errors.UNKNOWN_SERVER_ERROR, runtime.write(PARTITION, error -> error,
                shard -> CoordinatorResult.<Errors>afterPendingWrites()).get(10, TimeUnit.SECONDS));
    }

    /**
     * Waits, until {@code deadlineNanos}, for key "a" to be written by another operation: NONE once it
     * is, REQUEST_TIMED_OUT if it is not by then. Counts its runs.
     */
    private CompletableFuture<Errors> awaitA(long deadlineNanos, AtomicInteger runs) {
        return runtime.write(PARTITION, error -> error, shard -> {
            runs.incrementAndGet();
            return shard.entries.containsKey("a") ? CoordinatorResult.of(Errors.NONE)
                    : CoordinatorResult.afterNextWrite(deadlineNanos, Errors.REQUEST_TIMED_OUT);
        });
    }

    /** {@link #awaitA} with a minute to wait, once it has run and waits. */
    private CompletableFuture<Errors> waitingForA(AtomicInteger runs) {
        CompletableFuture<Errors> waiting = awaitA(System.nanoTime() + TimeUnit.SECONDS.toNanos(60), runs);
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
        return waiting;
    }

    /**
     * An operation that waits for a change no write under way carries runs again once the shard's
     * next write is answered, and after each one while it still waits, and answers once it sees it.
     */
    @Test
    void anOperationThatWaitsForTheNextWriteRunsAgainOnceOneIsAnswered() throws Exception {
        load(MapShard::new);
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<Errors> waiting = waitingForA(runs);

        assertEquals(Errors.NONE, put("b", "1").get(10, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 2);
        assertEquals(Map.of("b", "1"), entries(), "a write answered; it ran again, saw no \"a\", and waits on");
        assertFalse(waiting.isDone());

        writer.holdAcks(true);
        CompletableFuture<Errors> a = put("a", "2");
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.heldAcks().size() == 1);
        assertEquals(2, runs.get(), "a write under way, not yet answered, runs nothing again");
        writer.heldAcks().poll().complete(Errors.NONE);
        assertEquals(Errors.NONE, a.get(10, TimeUnit.SECONDS));
        assertEquals(Errors.NONE, waiting.get(10, TimeUnit.SECONDS));
        assertEquals(3, runs.get());
    }

    /**
     * With no write coming, an operation waiting for the next one answers at its deadline, and one
     * whose deadline has passed answers at once, without waiting.
     */
    @Test
    void anOperationThatWaitsForTheNextWriteAnswersAtItsDeadline() throws Exception {
        load(MapShard::new);
        AtomicInteger runs = new AtomicInteger();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        assertEquals(Errors.REQUEST_TIMED_OUT, awaitA(deadline, runs).get(10, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - deadline >= 0, "answered at its deadline, not before");
        assertEquals(2, runs.get(), "run at once, then at its deadline");

        runs.set(0);
        assertEquals(Errors.REQUEST_TIMED_OUT, awaitA(System.nanoTime(), runs).get(10, TimeUnit.SECONDS));
        assertEquals(1, runs.get(), "past its deadline: answered, not parked");
    }

    /** Unloading the shard answers the operations waiting for a write NOT_COORDINATOR. */
    @Test
    void unloadingAnswersOperationsWaitingForTheNextWriteNotCoordinator() throws Exception {
        load(MapShard::new);
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<Errors> waiting = waitingForA(runs);
        runtime.unload(PARTITION);
        assertEquals(Errors.NOT_COORDINATOR, waiting.get(10, TimeUnit.SECONDS));
        assertEquals(1, runs.get());
    }

    @Test
    void unloadingAnswersPendingWritesNotCoordinatorAndAppliesNothing() throws Exception {
        load(MapShard::new);
        MapShard loaded = read(shard -> shard);
        writer.holdAcks(true);
        CompletableFuture<Errors> pending = put("a", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.heldAcks().size() == 1);

        runtime.unload(PARTITION);
        await().atMost(Duration.ofSeconds(10)).until(loaded.unloaded::get);
        writer.heldAcks().poll().complete(Errors.NONE);
        assertEquals(Errors.NOT_COORDINATOR, pending.get(10, TimeUnit.SECONDS));
        assertEquals(Errors.NOT_COORDINATOR, put("b", "2").get(10, TimeUnit.SECONDS));
        assertEquals(Map.of(), loaded.entries, "read after the unload task, which ran on the shard's thread");
    }

    private CompletableFuture<Errors> putInTransaction(long producerId, String key, String value) {
        return runtime.writeTransactional(PARTITION, new TransactionalProducer(producerId, (short) 0), error -> error,
                shard -> shard.put(key, value));
    }

    private CompletableFuture<Errors> endTransaction(long producerId, boolean commit) {
        return runtime.completeTransaction(PARTITION, new TxnMarker(producerId, (short) 0, 0, commit));
    }

    /**
     * A transaction's records reach the shard as its producer's, with their offsets, and count only
     * once the marker the runtime writes for it commits them; a load replays records and markers
     * the same way, and a transaction still open then stays open.
     */
    @Test
    void aTransactionsRecordsWaitForItsMarkerLiveAndOnLoad() throws Exception {
        load(MapShard::new);
        assertEquals(Errors.NONE, putInTransaction(7, "a", "1").get(10, TimeUnit.SECONDS)); // offset 0
        assertEquals(Errors.NONE, putInTransaction(8, "b", "2").get(10, TimeUnit.SECONDS)); // offset 1
        assertEquals(Map.of(), entries(), "pending until their markers");

        assertEquals(Errors.NONE, endTransaction(7, true).get(10, TimeUnit.SECONDS)); // offset 2
        assertEquals(Errors.NONE, endTransaction(8, false).get(10, TimeUnit.SECONDS)); // offset 3
        assertEquals(Map.of("a", "1@0"), entries(), "committed, and the aborted one dropped");
        assertEquals(Errors.NONE, putInTransaction(7, "c", "3").get(10, TimeUnit.SECONDS)); // offset 4

        runtime.unload(PARTITION);
        load(MapShard::new);
        assertEquals(Map.of("a", "1@0"), entries());
        assertEquals(Map.of(7L, Map.of("c", "3@4")), read(shard -> Map.copyOf(shard.pending)), "still open");
        assertEquals(Errors.NONE, endTransaction(7, true).get(10, TimeUnit.SECONDS));
        assertEquals(Map.of("a", "1@0", "c", "3@4"), entries());
    }

    /** A marker is written after the writes made before it, and reaches the shard once it is written. */
    @Test
    void aMarkerWaitsForTheWritesBeforeIt() throws Exception {
        load(MapShard::new);
        writer.holdAcks(true);
        CompletableFuture<Errors> write = putInTransaction(7, "a", "1");
        CompletableFuture<Errors> marker = endTransaction(7, true);
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.heldAcks().size() == 2);
        CompletableFuture<Errors> writeAck = writer.heldAcks().poll();
        writer.heldAcks().poll().complete(Errors.NONE);
        assertEquals(Map.of(), entries());
        assertFalse(marker.isDone(), "the write before it is not acknowledged yet");

        writeAck.complete(Errors.NONE);
        assertEquals(Errors.NONE, marker.get(10, TimeUnit.SECONDS));
        assertTrue(write.isDone());
        assertEquals(Map.of("a", "1@0"), entries());
    }

    @Test
    void aTimersRecordsAreWrittenAndReplayedLikeAnOperations() throws Exception {
        load(MapShard::new);
        read(shard -> {
            shard.timer.schedule("replaced", 60_000, () -> new CoordinatorResult<>(List.of(record("t", "old")), e -> null));
            shard.timer.schedule("replaced", 10, () -> new CoordinatorResult<>(List.of(record("t", "new")), e -> null));
            return null;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> entries().containsKey("t"));
        assertEquals("new", entries().get("t"), "a timer replaces the one of the same key");
        runtime.unload(PARTITION);
        load(MapShard::new);
        assertEquals("new", entries().get("t"), "it was written to the log");
    }
}
