package io.skein.log.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.index.AbortedTxn;
import io.skein.log.producer.ProducerStateManager.PendingAppend;
import io.skein.log.producer.ProducerStateManager.ProducerStateEntry;
import io.skein.log.record.RecordBatchView;
import io.skein.log.record.TestRecords;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.junit.jupiter.api.Test;

/**
 * Transactions in the producer state, with batches and markers built by kafka-clients: what starts
 * and ends a transaction, what a leader refuses, and which offsets stay unstable until when.
 */
class ProducerStateManagerTxnTest {
    private static final long P1 = 7;
    private static final long P2 = 8;

    private final ProducerStateManager state = new ProducerStateManager("t-0");
    private long nextOffset;

    private RecordBatchView at(ByteBuffer buffer, int records) {
        RecordBatchView view = new RecordBatchView().at(buffer, 0);
        view.setBaseOffset(nextOffset);
        nextOffset += records;
        return view;
    }

    private RecordBatchView txnBatch(long producerId, short epoch, int sequence) {
        return at(TestRecords.transactionalBatch(producerId, epoch, sequence, 0, "k", "v"), 1);
    }

    private RecordBatchView plainBatch(long producerId, short epoch, int sequence) {
        return at(TestRecords.idempotentBatch(producerId, epoch, sequence, 0, "k", "v"), 1);
    }

    private RecordBatchView marker(long producerId, short epoch, int coordinatorEpoch, boolean commit) {
        return at(TestRecords.marker(0, producerId, epoch, coordinatorEpoch, commit, 0, 0), 1);
    }

    /** A leader append of one batch: checked, then recorded. */
    private List<AbortedTxn> appendAsLeader(RecordBatchView batch) {
        PendingAppend pending = new PendingAppend();
        if (batch.isControlBatch()) {
            state.checkMarker(batch.producerId(), batch.producerEpoch(), coordinatorEpochOf(batch));
        } else {
            assertTrue(state.checkLeaderBatch(batch, pending).isEmpty());
        }
        pending.add(batch);
        return state.update(pending);
    }

    private static int coordinatorEpochOf(RecordBatchView marker) {
        return io.skein.log.record.TxnMarkers.read(marker).coordinatorEpoch();
    }

    /**
     * Kafka's verification guard. A new producer's first transactional batch (sequence 0) waits for
     * its coordinator and fails (say CONCURRENT_TRANSACTIONS); its next batch (sequence 5), verified
     * first, must not start the transaction: a producer new to the log may start at any sequence, so it
     * would be written, and every retry of the first refused as out of order (seen with
     * ProducerPerformance against a fresh node).
     */
    @Test
    void aLaterBatchMayNotStartTheTransactionWhileAnEarlierOneIsBeingVerified() {
        assertTrue(state.beginVerification(P1, (short) 0, 0));
        assertTrue(state.beginVerification(P1, (short) 0, 5));

        RecordBatchView later = txnBatch(P1, (short) 0, 5);
        assertThrows(OutOfOrderSequenceException.class, () -> state.checkLeaderBatch(later, new PendingAppend()));

        RecordBatchView first = txnBatch(P1, (short) 0, 0);
        appendAsLeader(first); // the retry of the first starts the transaction
        assertEquals(OptionalLong.of(first.baseOffset()), txnFirstOffset(P1));
        assertTrue(!state.beginVerification(P1, (short) 0, 1), "ongoing: nothing to verify");
        for (int sequence = 1; sequence <= 5; sequence++) {
            appendAsLeader(txnBatch(P1, (short) 0, sequence));
        }
        // A new epoch starts over: the guard of the old one does not hold the new one's batches back.
        assertTrue(state.beginVerification(P2, (short) 0, 0));
        appendAsLeader(txnBatch(P2, (short) 1, 0));
    }

    @Test
    void aTransactionalBatchStartsATransactionAndAMarkerEndsIt() {
        appendAsLeader(plainBatch(P2, (short) 0, 0)); // offset 0: not in a transaction
        appendAsLeader(txnBatch(P1, (short) 0, 0)); // offset 1 starts P1's transaction
        appendAsLeader(txnBatch(P1, (short) 0, 1)); // offset 2 continues it
        assertEquals(OptionalLong.of(1), txnFirstOffset(P1));
        assertEquals(OptionalLong.of(1), state.firstUnstableOffset());

        assertEquals(List.of(), appendAsLeader(marker(P1, (short) 0, 3, true))); // offset 3: a commit indexes nothing

        assertEquals(OptionalLong.empty(), txnFirstOffset(P1));
        assertEquals(3, entry(P1).coordinatorEpoch());
        assertEquals(OptionalLong.of(1), state.firstUnstableOffset(), "unstable until the marker is replicated");
        state.onHighWatermarkUpdated(3);
        assertEquals(OptionalLong.of(1), state.firstUnstableOffset(), "the marker at 3 is not below 3");
        state.onHighWatermarkUpdated(4);
        assertEquals(OptionalLong.empty(), state.firstUnstableOffset());
    }

    @Test
    void anAbortYieldsTheAbortedTransactionWithTheLastStableOffsetOfItsTime() {
        appendAsLeader(txnBatch(P1, (short) 0, 0)); // 0
        appendAsLeader(txnBatch(P2, (short) 0, 0)); // 1
        List<AbortedTxn> aborted = appendAsLeader(marker(P1, (short) 0, 0, false)); // 2
        assertEquals(List.of(new AbortedTxn(P1, 0, 2, 1)), aborted, "P2's transaction from 1 is still open");
        assertEquals(OptionalLong.of(0), state.firstUnstableOffset());

        aborted = appendAsLeader(marker(P2, (short) 0, 0, false)); // 3
        assertEquals(List.of(new AbortedTxn(P2, 1, 3, 4)), aborted);
        state.onHighWatermarkUpdated(3);
        assertEquals(OptionalLong.of(1), state.firstUnstableOffset(), "P1's marker is replicated, P2's is not");
    }

    @Test
    void aMarkerWithNoTransactionEndsNothing() {
        appendAsLeader(plainBatch(P1, (short) 0, 0));
        assertEquals(List.of(), appendAsLeader(marker(P1, (short) 0, 2, false)));
        assertEquals(OptionalLong.empty(), state.firstUnstableOffset());
        assertEquals(2, entry(P1).coordinatorEpoch());
        assertEquals(1, entry(P1).batches().size(), "a marker is not one of the producer's batches");
    }

    @Test
    void aNonTransactionalBatchDuringATransactionIsRefused() {
        appendAsLeader(txnBatch(P1, (short) 0, 0));
        assertThrows(InvalidTxnStateException.class, () -> appendAsLeader(plainBatch(P1, (short) 0, 1)));
        // Within one append too: the second batch follows the first, which opened the transaction.
        PendingAppend pending = new PendingAppend();
        state.checkLeaderBatch(txnBatch(P2, (short) 0, 0), pending);
        assertThrows(InvalidTxnStateException.class, () -> state.checkLeaderBatch(plainBatch(P2, (short) 0, 1), pending));
    }

    @Test
    void anOlderProducerEpochIsFencedForDataAndMarkers() {
        appendAsLeader(txnBatch(P1, (short) 2, 0));
        assertThrows(InvalidProducerEpochException.class, () -> appendAsLeader(txnBatch(P1, (short) 1, 1)));
        assertThrows(InvalidProducerEpochException.class, () -> appendAsLeader(marker(P1, (short) 1, 0, false)));
        assertEquals(OptionalLong.of(0), txnFirstOffset(P1));
    }

    /** The coordinator bumps the epoch when it aborts a transaction on timeout: the marker may carry the newer one. */
    @Test
    void aMarkerOfANewerProducerEpochEndsTheTransactionAndForgetsTheOldBatches() {
        appendAsLeader(txnBatch(P1, (short) 0, 0));
        appendAsLeader(marker(P1, (short) 1, 0, false));
        assertEquals(OptionalLong.empty(), txnFirstOffset(P1));
        assertEquals(1, entry(P1).producerEpoch());
        assertEquals(List.of(), entry(P1).batches());
    }

    @Test
    void aMarkerOfAnOlderCoordinatorEpochIsFenced() {
        appendAsLeader(txnBatch(P1, (short) 0, 0));
        appendAsLeader(marker(P1, (short) 0, 5, true));
        appendAsLeader(txnBatch(P1, (short) 0, 1));
        assertThrows(TransactionCoordinatorFencedException.class, () -> appendAsLeader(marker(P1, (short) 0, 4, false)));
        appendAsLeader(marker(P1, (short) 0, 5, false));
    }

    /** A replay (follower, load) applies what it is given: the leader checked it. */
    @Test
    void aReplayAppliesMarkersWithoutChecks() {
        state.update(txnBatch(P1, (short) 0, 0));
        state.update(marker(P1, (short) 0, 5, true));
        state.update(txnBatch(P1, (short) 0, 1));
        Optional<AbortedTxn> aborted = state.update(marker(P1, (short) 0, 4, false)); // a zombie's, as written
        assertEquals(Optional.of(new AbortedTxn(P1, 2, 3, 4)), aborted);
        assertEquals(4, entry(P1).coordinatorEpoch());
    }

    @Test
    void aProducerWithATransactionOpenNeverExpires() {
        appendAsLeader(txnBatch(P1, (short) 0, 0));
        appendAsLeader(plainBatch(P2, (short) 0, 0));
        state.removeExpired(Long.MAX_VALUE, 1_000);
        assertEquals(List.of(P1), state.entries().stream().map(ProducerStateEntry::producerId).toList());
    }

    @Test
    void aSnapshotsEntriesRestoreTheOngoingTransactions() {
        appendAsLeader(txnBatch(P1, (short) 0, 0));
        appendAsLeader(txnBatch(P2, (short) 0, 0));
        appendAsLeader(marker(P2, (short) 0, 1, true));

        ProducerStateManager loaded = new ProducerStateManager("t-0", state.entries());

        assertEquals(state.entries(), loaded.entries());
        assertEquals(OptionalLong.of(0), loaded.firstUnstableOffset());
        RecordBatchView abort = marker(P1, (short) 0, 1, false);
        assertEquals(Optional.of(new AbortedTxn(P1, 0, 3, 4)), loaded.update(abort));
    }

    private ProducerStateEntry entry(long producerId) {
        return state.entries().stream().filter(e -> e.producerId() == producerId).findFirst().orElseThrow();
    }

    private OptionalLong txnFirstOffset(long producerId) {
        return entry(producerId).currentTxnFirstOffset();
    }
}
