package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.log.index.AbortedTxn;
import io.skein.log.record.TestRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.requests.TransactionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction of a log with transactions, as Kafka's cleaner does it: aborted records go whatever their
 * keys (and never hide an older committed record of the same key), markers stay while their
 * transaction has batches and then until their delete horizon, the cleaned segments' transaction
 * indexes keep the aborts whose markers stay, and nothing at or above the last stable offset is
 * cleaned.
 */
class TransactionalCompactionTest {
    private static final long DELETE_RETENTION_MS = 1_000;
    private static final LogConfig COMPACTED = TestLogs.smallSegments(300).with(Map.of("cleanup.policy", "compact",
            "delete.retention.ms", DELETE_RETENTION_MS));
    private static final long P1 = 1;
    private static final long P2 = 2;
    private static final long P3 = 3;

    @TempDir
    Path root;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    private final Map<Long, Integer> sequences = new HashMap<>();

    private void txn(PartitionLog log, long producerId, String key, String value) {
        int sequence = sequences.merge(producerId, 1, Integer::sum) - 1;
        appendAsLeader(log, TestRecords.transactionalBatch(producerId, (short) 0, sequence, logs.clock.millis(), key,
                value), 0);
    }

    private void plain(PartitionLog log, String key, String value) {
        appendAsLeader(log, TestRecords.keyedBatch(org.apache.kafka.common.compress.Compression.NONE,
                logs.clock.millis(), key, value), 0);
    }

    private static void end(PartitionLog log, long producerId, TransactionResult result) {
        log.appendMarker(producerId, (short) 0, 0, result, 0).flushed().join();
    }

    private LogCleaner cleaner(PartitionLog log) {
        return new LogCleaner(List.of(root), () -> List.of(log), logs.clock, (failedLog, error) -> { });
    }

    /** Offset:key=value of every record a consumer sees. */
    private static List<String> records(PartitionLog log) {
        return TestLogs.readAll(log).stream().map(r -> r.offset() + ":" + r.key() + "=" + r.value()).toList();
    }

    /** Offset:type of every marker still holding its record. */
    private static List<String> markers(PartitionLog log) {
        List<String> markers = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            ByteBuffer read = TestRecords.bytes(log.read(next, Integer.MAX_VALUE, FetchIsolation.LOG_END, true));
            for (MutableRecordBatch batch : MemoryRecords.readableRecords(read).batches()) {
                if (batch.isControlBatch()) {
                    for (Record record : batch) {
                        markers.add(batch.baseOffset() + ":" + ControlRecordType.parse(record.key()));
                    }
                }
                next = batch.nextOffset();
            }
        }
        return markers;
    }

    @Test
    void abortedRecordsGoAndMarkersStayUntilSafe() throws IOException {
        try (PartitionLog log = logs.open(root.resolve("topic-0"), COMPACTED)) {
            plain(log, "k3", "p"); // 0
            txn(log, P1, "k1", "a1"); // 1
            txn(log, P1, "k3", "a3"); // 2: aborted, must not hide k3=p
            end(log, P1, TransactionResult.ABORT); // 3
            txn(log, P2, "k1", "c1"); // 4
            end(log, P2, TransactionResult.COMMIT); // 5
            txn(log, P3, "k4", "x"); // 6
            end(log, P3, TransactionResult.ABORT); // 7
            plain(log, "k9", "filler"); // 8: the last batch of the cleaned range keeps its place
            log.roll();
            log.updateHighWatermark(log.logEndOffset());
            LogCleaner cleaner = cleaner(log);

            cleaner.cleanLog(log).orElseThrow();

            assertEquals(List.of("0:k3=p", "4:k1=c1", "8:k9=filler"), records(log));
            assertEquals(List.of("3:ABORT", "5:COMMIT", "7:ABORT"), markers(log), "their transactions' batches were there");
            assertEquals(List.of(new AbortedTxn(P1, 1, 3, 4), new AbortedTxn(P3, 6, 7, 8)),
                    log.collectAbortedTransactions(0, log.logEndOffset()));

            cleaner.cleanLog(log).orElseThrow(); // no aborted batch is left: the aborts' horizon starts
            assertEquals(List.of("3:ABORT", "5:COMMIT", "7:ABORT"), markers(log));
            logs.clock.advance(DELETE_RETENTION_MS);
            cleaner.cleanLog(log).orElseThrow();

            // P1's abort is not its last batch: it goes. P3's is, and stays as a header only.
            assertEquals(List.of("5:COMMIT"), markers(log), "the commit's transaction still has k1=c1");
            assertEquals(List.of("0:k3=p", "4:k1=c1", "8:k9=filler"), records(log));
            assertEquals(List.of(), log.collectAbortedTransactions(0, log.logEndOffset()));
        }
    }

    @Test
    void aCommitMarkerGoesOnceItsRecordsAreSuperseded() throws IOException {
        try (PartitionLog log = logs.open(root.resolve("topic-0"), COMPACTED)) {
            txn(log, P2, "k1", "c1"); // 0
            end(log, P2, TransactionResult.COMMIT); // 1
            txn(log, P2, "k2", "c2"); // 2
            end(log, P2, TransactionResult.COMMIT); // 3
            plain(log, "k1", "newer"); // 4
            log.roll();
            log.updateHighWatermark(log.logEndOffset());
            LogCleaner cleaner = cleaner(log);

            cleaner.cleanLog(log).orElseThrow();
            cleaner.cleanLog(log).orElseThrow();
            logs.clock.advance(DELETE_RETENTION_MS);
            cleaner.cleanLog(log).orElseThrow();

            assertEquals(List.of("2:k2=c2", "4:k1=newer"), records(log));
            assertEquals(List.of("3:COMMIT"), markers(log));
        }
    }

    /** An undecided transaction holds the cleanable range below its first offset. */
    @Test
    void nothingFromTheLastStableOffsetOnIsCleaned() throws IOException {
        try (PartitionLog log = logs.open(root.resolve("topic-0"), COMPACTED)) {
            plain(log, "k1", "old"); // 0
            log.roll();
            txn(log, P1, "k1", "open"); // 1
            log.roll();
            plain(log, "k1", "newest"); // 2
            log.roll();
            log.updateHighWatermark(log.logEndOffset());
            assertEquals(1, log.lastStableOffset());

            cleaner(log).cleanLog(log);

            assertEquals(List.of("0:k1=old", "1:k1=open", "2:k1=newest"), records(log),
                    "the segments from the undecided transaction on are not cleanable; the one before has nothing to drop");
        }
    }
}
