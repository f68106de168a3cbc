package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.log.record.TestRecords;
import io.skein.log.record.TestRecords.Rec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.requests.TransactionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The last stable offset of real logs as transactions open and end, the high watermark moves, the log
 * is truncated, its start moves and it is reopened; and read_committed reads, which stop there.
 */
class LastStableOffsetTest {
    private static final long P1 = 42;
    private static final long P2 = 43;

    @TempDir
    Path dir;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    private ByteBuffer txn(long producerId, int sequence, String value) {
        return TestRecords.transactionalBatch(producerId, (short) 0, sequence, logs.clock.millis(), "k", value);
    }

    private ByteBuffer plain(String value) {
        return TestRecords.batch(logs.clock.millis(), value);
    }

    private static void end(PartitionLog log, long producerId, TransactionResult result) {
        log.appendMarker(producerId, (short) 0, 0, result, 0).flushed().join();
    }

    private static List<String> readCommitted(PartitionLog log, long from) {
        return TestRecords.records(log.read(from, Integer.MAX_VALUE, FetchIsolation.TXN_COMMITTED, true)).stream()
                .map(Rec::value).toList();
    }

    @Test
    void withoutTransactionsItIsTheHighWatermark() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, plain("a"), 0);
            appendAsLeader(log, plain("b"), 0);
            assertEquals(0, log.lastStableOffset());
            log.updateHighWatermark(1);
            assertEquals(1, log.lastStableOffset());
            assertEquals(List.of("a"), readCommitted(log, 0));
        }
    }

    @Test
    void anOpenTransactionHoldsItBackUntilItsMarkerIsBelowTheHighWatermark() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, plain("a"), 0); // 0
            appendAsLeader(log, txn(P1, 0, "t1"), 0); // 1
            appendAsLeader(log, plain("b"), 0); // 2
            log.updateHighWatermark(3);
            assertEquals(1, log.lastStableOffset());
            assertEquals(List.of("a"), readCommitted(log, 0));
            assertEquals(List.of(), readCommitted(log, 1));

            end(log, P1, TransactionResult.COMMIT); // 3
            assertEquals(1, log.lastStableOffset(), "decided, but the marker is not replicated");
            log.updateHighWatermark(4);
            assertEquals(4, log.lastStableOffset());
            assertEquals(List.of("a", "t1", "b"), readCommitted(log, 0));
        }
    }

    @Test
    void theEarliestOpenTransactionOfAnyProducerCounts() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, txn(P1, 0, "p1"), 0); // 0
            appendAsLeader(log, txn(P2, 0, "p2"), 0); // 1
            end(log, P2, TransactionResult.ABORT); // 2
            log.updateHighWatermark(log.logEndOffset());
            assertEquals(0, log.lastStableOffset());
            end(log, P1, TransactionResult.COMMIT); // 3
            log.updateHighWatermark(log.logEndOffset());
            assertEquals(4, log.lastStableOffset());
        }
    }

    /** The stable offset lies in an earlier segment than the high watermark: the read stops inside it. */
    @Test
    void aReadCommittedStopsAtTheLastStableOffsetInAnEarlierSegment() throws IOException {
        try (PartitionLog log = logs.open(dir, TestLogs.smallSegments(300))) {
            for (int i = 0; i < 3; i++) {
                appendAsLeader(log, plain("v" + i), 0);
            }
            appendAsLeader(log, txn(P1, 0, "t"), 0); // 3
            for (int i = 4; i < 12; i++) {
                appendAsLeader(log, plain("v" + i), 0);
            }
            log.updateHighWatermark(log.logEndOffset());
            assertEquals(true, log.numberOfSegments() > 2);

            assertEquals(3, log.lastStableOffset());
            List<String> read = TestLogs.readAll(log).stream().map(Rec::value).toList().subList(0, 3);
            assertEquals(read, readCommitted(log, 0));
        }
    }

    /** Truncation removes the marker: the transaction is open again. */
    @Test
    void aTruncationThatRemovesAMarkerReopensItsTransaction() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, plain("a"), 0); // 0
            appendAsLeader(log, txn(P1, 0, "t"), 0); // 1
            end(log, P1, TransactionResult.COMMIT); // 2
            log.updateHighWatermark(2);
            assertEquals(1, log.lastStableOffset());

            log.truncateTo(2);
            log.updateHighWatermark(2);

            assertEquals(1, log.lastStableOffset());
            end(log, P1, TransactionResult.ABORT);
            log.updateHighWatermark(log.logEndOffset());
            assertEquals(3, log.lastStableOffset());
        }
    }

    /** A transaction whose start DeleteRecords removed is unstable from the new log start. */
    @Test
    void itNeverFallsBelowTheLogStartOffset() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, txn(P1, 0, "t"), 0); // 0
            appendAsLeader(log, plain("a"), 0); // 1
            appendAsLeader(log, plain("b"), 0); // 2
            log.updateHighWatermark(3);
            log.maybeIncrementLogStartOffset(2);
            assertEquals(2, log.lastStableOffset());
            assertEquals(List.of(), readCommitted(log, 2));
        }
    }

    @Test
    void aReopenedLogHasTheSameLastStableOffset() throws IOException {
        PartitionLog log = logs.open(dir, TestLogs.smallSegments(300));
        appendAsLeader(log, plain("a"), 0); // 0
        appendAsLeader(log, txn(P1, 0, "t"), 0); // 1
        appendAsLeader(log, plain("b"), 0); // 2
        appendAsLeader(log, txn(P2, 0, "u"), 0); // 3
        end(log, P2, TransactionResult.COMMIT); // 4
        log.updateHighWatermark(log.logEndOffset());
        assertEquals(1, log.lastStableOffset());

        log = logs.reopen(log);
        try {
            assertEquals(1, log.lastStableOffset());
            assertEquals(List.of("a"), readCommitted(log, 0));
            end(log, P1, TransactionResult.ABORT);
            log.updateHighWatermark(log.logEndOffset());
            assertEquals(6, log.lastStableOffset());
        } finally {
            log.close();
        }
    }
}
