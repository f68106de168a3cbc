package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.skein.log.index.AbortedTxn;
import io.skein.log.producer.ProducerSnapshots;
import io.skein.log.producer.ProducerStateManager;
import io.skein.log.producer.ProducerStateManager.ProducerStateEntry;
import io.skein.log.record.TestRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.kafka.common.requests.TransactionResult;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random appends from several idempotent and transactional producers (new epochs, sequences going on,
 * batches of several producers in one append, batches of no producer, transactions ended by COMMIT
 * and ABORT markers), rolls, truncations, clean reopens and crashes (the directory as a killed process
 * leaves it, sometimes with a torn tail): after every step the log's producer state, however it was
 * loaded (snapshot and tail, or a scan), must equal a scan of the whole log from its start, and so must
 * its transaction indexes, however recovery rebuilt them. Seeded: a failure names its seed and the
 * steps before it.
 */
class ProducerStateSnapshotModelTest {
    private static final int OPERATIONS = 200;
    private static final int PRODUCERS = 4;

    @TempDir
    Path dir;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    /**
     * Where a producer's next batch goes on. The log checks sequences, and truncations and crashes
     * rewind its producers: each append first takes up where the log's state of the producer ends.
     */
    private static final class Producer {
        final long id;
        short epoch;
        int nextSequence;

        Producer(long id) {
            this.id = id;
        }
    }

    static Stream<Long> seeds() {
        return Stream.iterate(1L, s -> s + 1).limit(20);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void loadedStateEqualsAScanOfTheWholeLog(long seed) throws Exception {
        Random random = new Random(seed);
        LogConfig config = TestLogs.smallSegments(300 + random.nextInt(1500));
        List<Producer> producers = new ArrayList<>();
        for (int i = 0; i < PRODUCERS; i++) {
            producers.add(new Producer(1000 + i));
        }
        List<String> history = new ArrayList<>();
        PartitionLog log = logs.open(dir.resolve("log-0"), config);
        int generation = 0;
        int snapshotLoads = 0;
        try {
            for (int step = 0; step < OPERATIONS; step++) {
                int choice = random.nextInt(100);
                if (choice < 47) {
                    history.add(append(log, producers, random));
                } else if (choice < 55) {
                    history.add(endTransaction(log, random));
                } else if (choice < 63) {
                    history.add("roll");
                    log.roll();
                } else if (choice < 73) {
                    long target = log.logStartOffset() + random.nextInt((int) (log.logEndOffset() - log.logStartOffset() + 2));
                    history.add("truncateTo " + target);
                    log.truncateTo(target);
                } else if (choice < 75) {
                    long start = log.logEndOffset() + random.nextInt(5);
                    history.add("truncateFullyAndStartAt " + start);
                    log.truncateFullyAndStartAt(start);
                } else if (choice < 87) {
                    history.add("reopen");
                    log = logs.reopen(log);
                    // Closing wrote a snapshot at the log end: nothing is replayed.
                    assertEquals(OptionalLong.of(log.logEndOffset()), log.producerSnapshotLoaded(), "snapshot loaded");
                    snapshotLoads++;
                } else {
                    boolean settled = random.nextBoolean();
                    if (settled) {
                        drain(); // the roll snapshots are written
                    }
                    Path copy = dir.resolve("log-" + (++generation));
                    LogRecoveryTest.copyDirectory(log.dir(), copy); // what a killed process leaves on disk
                    int torn = random.nextInt(3) == 0 ? 1 + random.nextInt(200) : 0;
                    history.add("crash" + (settled ? " after the roll snapshots" : "") + (torn > 0 ? ", " + torn + " bytes torn" : ""));
                    if (torn > 0) {
                        tearTail(copy, torn);
                    }
                    long recoveryPoint = log.recoveryPoint();
                    log.close();
                    log = PartitionLog.open(copy, TestLogs.TP, config, new LogLoader.Checkpoints(recoveryPoint,
                            log.logStartOffset(), log.highWatermark()), false, logs.scheduler, FlushListener.NONE,
                            logs.clock);
                    snapshotLoads += log.producerSnapshotLoaded().isPresent() ? 1 : 0;
                }
                assertEquals(scan(log), log.producerState().entries(), "producer state");
                assertEquals(scanAborts(log), indexed(log), "transaction indexes");
                for (long offset : ProducerSnapshots.offsets(log.dir())) {
                    assertTrue(offset <= log.logEndOffset(), "snapshot " + offset + " above the log end");
                }
            }
            assertTrue(snapshotLoads > 0 || history.stream().noneMatch(h -> h.startsWith("reopen")),
                    "some loads started from a snapshot");
        } catch (AssertionError | RuntimeException e) {
            fail("seed " + seed + " failed after: " + String.join(", ", history), e);
        } finally {
            log.close();
        }
    }

    /**
     * One or two idempotent batches, sometimes of a new epoch, sometimes with a batch of no producer;
     * a producer's batches are transactional while its transaction is open, and sometimes open one.
     */
    private String append(PartitionLog log, List<Producer> producers, Random random) {
        List<Long> inTransaction = new ArrayList<>();
        for (ProducerStateEntry known : log.producerState().entries()) {
            Producer producer = producers.get((int) (known.producerId() - 1000));
            producer.epoch = known.producerEpoch();
            producer.nextSequence = known.batches().isEmpty() ? 0
                    : known.batches().get(known.batches().size() - 1).lastSequence() + 1;
            if (known.currentTxnFirstOffset().isPresent()) {
                inTransaction.add(known.producerId());
            }
        }
        List<ByteBuffer> batches = new ArrayList<>();
        StringBuilder described = new StringBuilder("append");
        for (int i = 0, n = 1 + random.nextInt(2); i < n; i++) {
            if (random.nextInt(8) == 0) {
                batches.add(TestRecords.batch(logs.clock.millis(), "plain"));
                described.append(" plain");
                continue;
            }
            Producer producer = producers.get(random.nextInt(producers.size()));
            if (random.nextInt(10) == 0) {
                producer.epoch++;
                producer.nextSequence = 0;
            }
            int records = 1 + random.nextInt(4);
            String[] keysAndValues = new String[2 * records];
            for (int r = 0; r < records; r++) {
                keysAndValues[2 * r] = "k" + r;
                keysAndValues[2 * r + 1] = "v" + producer.nextSequence + r;
            }
            boolean transactional = inTransaction.contains(producer.id) || random.nextInt(3) == 0;
            if (transactional) {
                inTransaction.add(producer.id);
            }
            batches.add(transactional
                    ? TestRecords.transactionalBatch(producer.id, producer.epoch, producer.nextSequence,
                            logs.clock.millis(), keysAndValues)
                    : TestRecords.idempotentBatch(producer.id, producer.epoch, producer.nextSequence,
                            logs.clock.millis(), keysAndValues));
            described.append(" ").append(producer.id).append("/").append(producer.epoch).append("@")
                    .append(producer.nextSequence).append("+").append(records).append(transactional ? "t" : "");
            producer.nextSequence += records;
        }
        logs.clock.advance(random.nextInt(50));
        appendAsLeader(log, TestRecords.concat(batches.toArray(ByteBuffer[]::new)), 0);
        return described.toString();
    }

    /** The leader writes a COMMIT or ABORT marker for a producer, whose transaction may be open or not. */
    private String endTransaction(PartitionLog log, Random random) {
        List<ProducerStateEntry> known = log.producerState().entries();
        if (known.isEmpty()) {
            return "no producer to end a transaction of";
        }
        ProducerStateEntry producer = known.get(random.nextInt(known.size()));
        TransactionResult result = random.nextBoolean() ? TransactionResult.COMMIT : TransactionResult.ABORT;
        log.appendMarker(producer.producerId(), producer.producerEpoch(), Math.max(0, producer.coordinatorEpoch()),
                result, 0).flushed().join();
        return result + " " + producer.producerId() + (producer.currentTxnFirstOffset().isPresent() ? "" : " (none open)");
    }

    /** Every entry of the log's transaction indexes, segment by segment. */
    private static List<AbortedTxn> indexed(PartitionLog log) throws IOException {
        List<AbortedTxn> all = new ArrayList<>();
        for (LogSegment segment : log.segmentsSnapshot()) {
            all.addAll(segment.txnIndex().allAbortedTxns());
        }
        return all;
    }

    /** The aborted transactions a scan of every batch from the log start finds. */
    private static List<AbortedTxn> scanAborts(PartitionLog log) {
        ProducerStateManager scanned = new ProducerStateManager("scan");
        List<AbortedTxn> aborted = new ArrayList<>();
        log.forEachBatchHeader(log.logStartOffset(), batch -> scanned.update(batch).ifPresent(aborted::add));
        return aborted;
    }

    /** The producer state a scan of every batch header from the log start gives, as the broker did before snapshots. */
    static List<ProducerStateEntry> scan(PartitionLog log) {
        ProducerStateManager scanned = new ProducerStateManager("scan");
        log.forEachBatchHeader(log.logStartOffset(), scanned::update);
        return scanned.entries();
    }

    /** Waits for the tasks the log scheduled so far, such as writing the snapshot taken at a roll. */
    private void drain() throws InterruptedException, ExecutionException {
        logs.scheduler.submit(() -> { }).get();
    }

    /** Cuts {@code bytes} off the end of the last segment's log file, as a crash during a write may. */
    private static void tearTail(Path logDir, int bytes) throws IOException {
        Path last;
        try (Stream<Path> files = Files.list(logDir)) {
            last = files.filter(f -> f.getFileName().toString().endsWith(LogSegment.LOG_SUFFIX)).sorted()
                    .reduce((a, b) -> b).orElseThrow();
        }
        try (FileChannel channel = FileChannel.open(last, StandardOpenOption.WRITE)) {
            channel.truncate(Math.max(0, channel.size() - bytes));
        }
    }
}
