package io.skein.broker.coordinator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.kafka.LogRecords;
import io.skein.broker.kafka.LogRecords.KeyValue;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
    /** The outcome of the next appends: NONE writes them to the log, any other error writes nothing. */
    private volatile Errors writeOutcome = Errors.NONE;
    /** While set, appends are written to the log but acknowledged only when the test completes them. */
    private volatile boolean holdAcks;
    private final ConcurrentLinkedQueue<CompletableFuture<Errors>> heldAcks = new ConcurrentLinkedQueue<>();
    private int nextEpoch;

    /** A map of strings, replayed from records whose key and value are the entry's. */
    static final class MapShard implements CoordinatorShard {
        final Map<String, String> entries = new HashMap<>();
        final CoordinatorTimer timer;
        final AtomicBoolean unloaded = new AtomicBoolean();

        MapShard(CoordinatorTimer timer) {
            this.timer = timer;
        }

        @Override
        public void replay(ByteBuffer key, ByteBuffer value) {
            if (value == null) {
                entries.remove(string(key));
            } else {
                entries.put(string(key), string(value));
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
                Clock.systemUTC());
        log = logs.getOrCreateLog(PARTITION, LogConfig.DEFAULT);
        runtime = new CoordinatorRuntime<>("runtime-test", (tp, records) -> {
            if (writeOutcome != Errors.NONE) {
                return CompletableFuture.completedFuture(writeOutcome);
            }
            append(records);
            if (!holdAcks) {
                return CompletableFuture.completedFuture(Errors.NONE);
            }
            CompletableFuture<Errors> ack = new CompletableFuture<>();
            heldAcks.add(ack);
            return ack;
        });
    }

    @AfterEach
    void close() throws Exception {
        runtime.close();
        logs.close();
    }

    private void append(List<KeyValue> records) {
        log.appendAsLeader(LogRecords.batchOf(System.currentTimeMillis(), records), 0).flushed().join();
        log.updateHighWatermark(log.logEndOffset());
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
        holdAcks = true;
        CompletableFuture<Errors> answer = put("a", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> heldAcks.size() == 1);
        assertEquals(Map.of(), entries(), "in the log, not yet acknowledged by the replicas");
        assertFalse(answer.isDone());

        heldAcks.poll().complete(Errors.NONE);
        assertEquals(Errors.NONE, answer.get(10, TimeUnit.SECONDS));
        assertEquals(Map.of("a", "1"), entries());
    }

    @Test
    void aWriteThatFailsChangesNothing() throws Exception {
        load(MapShard::new);
        assertEquals(Errors.NONE, put("a", "1").get(10, TimeUnit.SECONDS));
        writeOutcome = Errors.NOT_ENOUGH_REPLICAS;
        assertEquals(Errors.NOT_ENOUGH_REPLICAS, put("a", "2").get(10, TimeUnit.SECONDS));
        assertEquals(Errors.NOT_ENOUGH_REPLICAS, put("b", "3").get(10, TimeUnit.SECONDS));
        assertEquals(Map.of("a", "1"), entries());

        writeOutcome = Errors.NONE;
        runtime.unload(PARTITION);
        load(MapShard::new);
        assertEquals(Map.of("a", "1"), entries());
    }

    @Test
    void writesAreAnsweredInTheOrderTheyWereMade() throws Exception {
        load(MapShard::new);
        holdAcks = true;
        List<String> answered = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Errors> first = put("a", "1").whenComplete((error, failure) -> answered.add("first"));
        CompletableFuture<Errors> second = put("a", "2").whenComplete((error, failure) -> answered.add("second"));
        await().atMost(Duration.ofSeconds(10)).until(() -> heldAcks.size() == 2);
        CompletableFuture<Errors> firstAck = heldAcks.poll();
        heldAcks.poll().complete(Errors.NONE);
        assertEquals(Map.of(), entries(), "the second write is acknowledged, but the first is not");
        assertFalse(second.isDone());

        firstAck.complete(Errors.NONE);
        second.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("first", "second"), answered);
        assertEquals(Map.of("a", "2"), entries(), "replayed in the order written");
        assertTrue(first.isDone());
    }

    @Test
    void unloadingAnswersPendingWritesNotCoordinatorAndAppliesNothing() throws Exception {
        load(MapShard::new);
        MapShard loaded = read(shard -> shard);
        holdAcks = true;
        CompletableFuture<Errors> pending = put("a", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> heldAcks.size() == 1);

        runtime.unload(PARTITION);
        await().atMost(Duration.ofSeconds(10)).until(loaded.unloaded::get);
        heldAcks.poll().complete(Errors.NONE);
        assertEquals(Errors.NOT_COORDINATOR, pending.get(10, TimeUnit.SECONDS));
        assertEquals(Errors.NOT_COORDINATOR, put("b", "2").get(10, TimeUnit.SECONDS));
        assertEquals(Map.of(), loaded.entries, "read after the unload task, which ran on the shard's thread");
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
