package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.index.AbortedTxn;
import io.skein.log.record.TestRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.requests.TransactionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction indexes of real logs: written with each ABORT marker (leader or follower), cut by
 * truncation, rebuilt by recovery, deleted with their segments, carried through the cleaner's swap;
 * and the aborted transactions a read_committed fetch of a range is told about.
 */
class AbortedTransactionsTest {
    private static final long P1 = 42;
    private static final long P2 = 43;

    @TempDir
    Path dir;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    private final Map<Long, Integer> sequences = new java.util.HashMap<>();

    private ByteBuffer txn(long producerId, String value) {
        int sequence = sequences.merge(producerId, 1, Integer::sum) - 1;
        return TestRecords.transactionalBatch(producerId, (short) 0, sequence, logs.clock.millis(), "k", value);
    }

    private static void end(PartitionLog log, long producerId, TransactionResult result) {
        log.appendMarker(producerId, (short) 0, 0, result, 0).flushed().join();
    }

    /** Every index entry of the log, segment by segment. */
    private static List<AbortedTxn> indexed(PartitionLog log) throws IOException {
        List<AbortedTxn> all = new ArrayList<>();
        for (LogSegment segment : log.segmentsSnapshot()) {
            all.addAll(segment.txnIndex().allAbortedTxns());
        }
        return all;
    }

    /** P1 from 0 aborted at 2, P2 from 1 committed at 3, P1 from 4 aborted at 5. */
    private void writeTransactions(PartitionLog log) {
        appendAsLeader(log, txn(P1, "a"), 0); // 0
        appendAsLeader(log, txn(P2, "b"), 0); // 1
        end(log, P1, TransactionResult.ABORT); // 2
        end(log, P2, TransactionResult.COMMIT); // 3
        appendAsLeader(log, txn(P1, "c"), 0); // 4
        end(log, P1, TransactionResult.ABORT); // 5
    }

    private static final List<AbortedTxn> WRITTEN = List.of(new AbortedTxn(P1, 0, 2, 1), new AbortedTxn(P1, 4, 5, 6));

    @Test
    void eachAbortIsIndexedInTheSegmentOfItsMarker() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, txn(P2, "x"), 0);
            end(log, P2, TransactionResult.COMMIT);
            assertFalse(Files.exists(dir.resolve("00000000000000000000.txnindex")), "no abort, no file");
            log.roll();
            writeTransactions(log);

            assertEquals(List.of(), log.segmentsSnapshot().get(0).txnIndex().allAbortedTxns());
            assertEquals(List.of(new AbortedTxn(P1, 2, 4, 3), new AbortedTxn(P1, 6, 7, 8)),
                    log.segmentsSnapshot().get(1).txnIndex().allAbortedTxns());
            assertEquals(2 * 34, Files.size(dir.resolve("00000000000000000002.txnindex")));
        }
    }

    @Test
    void aFollowerIndexesTheAbortsItCopies() throws IOException {
        try (PartitionLog leader = logs.open(dir.resolve("leader"), LogConfig.DEFAULT);
             PartitionLog follower = logs.open(dir.resolve("follower"), LogConfig.DEFAULT)) {
            writeTransactions(leader);
            follower.appendAsFollower(TestRecords.bytes(leader.read(0, Integer.MAX_VALUE, FetchIsolation.LOG_END, true)));
            assertEquals(WRITTEN, indexed(leader));
            assertEquals(WRITTEN, indexed(follower));
        }
    }

    @Test
    void aFetchIsToldOfTheAbortedTransactionsItsRangeOverlaps() throws IOException {
        try (PartitionLog log = logs.open(dir, TestLogs.smallSegments(150))) {
            writeTransactions(log);
            assertTrue(log.numberOfSegments() > 2, "the transactions span segments");
            assertEquals(WRITTEN, log.collectAbortedTransactions(0, 6));
            assertEquals(List.of(WRITTEN.get(0)), log.collectAbortedTransactions(0, 1));
            assertEquals(List.of(WRITTEN.get(0)), log.collectAbortedTransactions(2, 4));
            assertEquals(List.of(), log.collectAbortedTransactions(3, 4));
            assertEquals(List.of(WRITTEN.get(1)), log.collectAbortedTransactions(3, 6));
        }
    }

    /** A read returns one segment's batches: it is told of the aborts up to that segment's end, no further. */
    @Test
    void aReadCommittedReadIsToldOfTheAbortsUpToTheEndOfItsSegment() throws IOException {
        try (PartitionLog log = logs.open(dir, TestLogs.smallSegments(150))) {
            writeTransactions(log);
            log.updateHighWatermark(log.logEndOffset());
            List<Long> bases = log.segmentBaseOffsets();
            assertTrue(bases.size() > 2 && bases.get(1) <= 4, "the second transaction starts past the first segment");

            FileSlice first = log.read(0, Integer.MAX_VALUE, FetchIsolation.TXN_COMMITTED, true);
            assertEquals(List.of(WRITTEN.get(0)), log.abortedTransactionsForRead(0, first));
            FileSlice last = log.read(4, Integer.MAX_VALUE, FetchIsolation.TXN_COMMITTED, true);
            assertEquals(List.of(WRITTEN.get(1)), log.abortedTransactionsForRead(4, last));
            assertEquals(List.of(), log.abortedTransactionsForRead(6, log.read(6, Integer.MAX_VALUE,
                    FetchIsolation.TXN_COMMITTED, true)), "an empty read is told of none");
        }
    }

    @Test
    void aProducersOngoingTransactionIsKnownUntilItsMarker() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            assertFalse(log.hasOngoingTransaction(P1, (short) 0));
            appendAsLeader(log, txn(P1, "a"), 0);
            assertTrue(log.hasOngoingTransaction(P1, (short) 0));
            assertFalse(log.hasOngoingTransaction(P1, (short) 1), "another epoch's transaction is not this one");
            assertFalse(log.hasOngoingTransaction(P2, (short) 0));
            end(log, P1, TransactionResult.ABORT);
            assertFalse(log.hasOngoingTransaction(P1, (short) 0));
        }
    }

    @Test
    void aTruncationCutsTheIndexAndLaterAbortsGoOn() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            writeTransactions(log);
            log.truncateTo(5);
            assertEquals(List.of(WRITTEN.get(0)), indexed(log));
            end(log, P1, TransactionResult.ABORT);
            assertEquals(WRITTEN, indexed(log));
        }
    }

    /** After a crash recovery empties the indexes it cannot trust and rebuilds them from the batches. */
    @Test
    void recoveryRebuildsTheIndexes() throws IOException {
        LogConfig config = TestLogs.smallSegments(150);
        PartitionLog log = logs.open(dir, config);
        writeTransactions(log);
        List<AbortedTxn> before = indexed(log);
        log.flush();
        log.close();
        try (var files = Files.list(dir)) { // what a crash before the indexes reached the disk may leave
            for (Path file : files.filter(f -> f.toString().endsWith(".txnindex")).toList()) {
                Files.write(file, new byte[0]);
            }
        }

        log = logs.openAfterCrash(dir, config, 0);
        try {
            assertEquals(before, indexed(log));
            assertEquals(WRITTEN, log.collectAbortedTransactions(0, log.logEndOffset()));
        } finally {
            log.close();
        }
        log = logs.open(dir, config); // a clean open trusts them, as rebuilt
        try {
            assertEquals(before, indexed(log));
        } finally {
            log.close();
        }
    }

    @Test
    void retentionDeletesTheIndexWithItsSegment() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT.with(Map.of("file.delete.delay.ms", 0)))) {
            writeTransactions(log);
            log.roll();
            appendAsLeader(log, TestRecords.batch(logs.clock.millis(), "later"), 0);
            log.updateHighWatermark(log.logEndOffset());
            log.maybeIncrementLogStartOffset(6);
            assertEquals(1, log.deleteOldSegments());
            org.awaitility.Awaitility.await().until(() -> !Files.exists(dir.resolve("00000000000000000000.txnindex"))
                    && !Files.exists(dir.resolve("00000000000000000000.txnindex.deleted")));
            assertEquals(List.of(), log.collectAbortedTransactions(6, 7));
        }
    }
}
