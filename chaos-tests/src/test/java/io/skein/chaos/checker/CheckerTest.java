package io.skein.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.chaos.history.History;
import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Read;
import io.skein.chaos.history.Op.Type;
import io.skein.chaos.history.Op.Write;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checker against synthetic histories: a clean one, then each anomaly on its own; the same for
 * transactions.
 */
class CheckerTest {
    private final History history = History.inMemory();

    private void send(String producer, int partition, String value, long offset) {
        history.complete(history.invoke(producer, Fn.SEND, partition, value), Type.OK, offset, null, null);
    }

    private void poll(String consumer, int partition, Object... offsetsAndValues) {
        history.complete(history.invoke(consumer, Fn.POLL, null, null), Type.OK, null,
                reads(partition, offsetsAndValues), null);
    }

    private void finalRead(int partition, Object... offsetsAndValues) {
        history.complete(history.invoke("final-reader", Fn.FINAL_READ, partition, null), Type.OK, null,
                reads(partition, offsetsAndValues), null);
    }

    /** A transaction of {@code producer} that sent {@code writes} and came to {@code outcome}. */
    private void txn(String producer, Type outcome, Write... writes) {
        consumeInTxn(producer, outcome, null, writes);
    }

    /** A transaction that polled {@code polled} as well. */
    private void consumeInTxn(String producer, Type outcome, List<Read> polled, Write... writes) {
        List<Write> planned = java.util.Arrays.stream(writes).map(write -> new Write(write.partition(), write.value(),
                null)).toList();
        history.completeTxn(history.invokeTxn(producer, planned), outcome, List.of(writes), polled,
                outcome == Type.OK ? null : outcome == Type.FAIL ? "aborted" : "TimeoutException");
    }

    private static Write w(int partition, String value, long offset) {
        return new Write(partition, value, offset);
    }

    private static List<Read> reads(int partition, Object... offsetsAndValues) {
        List<Read> reads = new ArrayList<>();
        for (int i = 0; i < offsetsAndValues.length; i += 2) {
            reads.add(new Read(partition, ((Number) offsetsAndValues[i]).longValue(), (String) offsetsAndValues[i + 1]));
        }
        return reads;
    }

    private CheckResult check() {
        return Checker.check(history.ops());
    }

    private static void assertOnly(Kind kind, long count, CheckResult result) {
        assertFalse(result.valid());
        for (Kind other : Kind.values()) {
            assertEquals(other == kind ? count : 0, result.count(other), other + ": " + result.anomalies());
        }
    }

    /** Two producers and a consumer on two partitions; a failed and an indeterminate send on the side. */
    private void cleanRun() {
        send("producer-1", 0, "a", 0);
        send("producer-2", 0, "b", 1);
        send("producer-1", 1, "c", 0);
        Op failed = history.invoke("producer-2", Fn.SEND, 1, "never-written");
        history.complete(failed, Type.FAIL, null, null, "RecordTooLargeException");
        Op unknown = history.invoke("producer-2", Fn.SEND, 1, "maybe");
        history.complete(unknown, Type.INFO, null, null, "TimeoutException");
        history.info("nemesis", Fn.NEMESIS, "kill node 2");
        poll("consumer-1", 0, 0, "a", 1, "b");
        poll("consumer-1", 1, 0, "c", 1, "maybe");
    }

    @Test
    void aCleanHistoryIsValid() {
        cleanRun();
        finalRead(0, 0, "a", 1, "b");
        finalRead(1, 0, "c", 1, "maybe");
        CheckResult result = check();
        assertTrue(result.valid(), result.anomalies().toString());
        assertEquals(3, result.acked());
        assertEquals(7, result.ok()); // 3 sends, 2 polls, 2 final reads
        assertEquals(1, result.failed());
        assertEquals(1, result.indeterminate());
        assertEquals("RESULT valid=true acked=3 lost=0 duplicated=0 inconsistent=0 nonmonotonic=0 divergent=0"
                + " aborted-read=0 torn=0",
                result.resultLine());
    }

    @Test
    void anAcknowledgedWriteMissingFromTheFinalReadIsLost() {
        cleanRun();
        finalRead(0, 0, "a");
        finalRead(1, 0, "c", 1, "maybe");
        CheckResult result = check();
        assertOnly(Kind.LOST, 1, result);
        assertEquals("b", result.anomalies().get(Kind.LOST).get(0).value());
        assertEquals("RESULT valid=false acked=3 lost=1 duplicated=0 inconsistent=0 nonmonotonic=0 divergent=0"
                + " aborted-read=0 torn=0",
                result.resultLine());
    }

    @Test
    void aPartitionWithoutAFinalReadLeavesItsWritesUnread() {
        cleanRun();
        finalRead(0, 0, "a", 1, "b");
        assertOnly(Kind.UNREAD, 1, check());
    }

    @Test
    void aValueAtTwoOffsetsIsDuplicated() {
        send("producer-1", 0, "a", 0);
        finalRead(0, 0, "a", 1, "a");
        CheckResult result = check();
        assertOnly(Kind.DUPLICATED, 1, result);
        assertTrue(result.resultLine().contains("duplicated=1"));
    }

    @Test
    void twoValuesAtOneOffsetAreInconsistent() {
        send("producer-1", 0, "a", 0);
        send("producer-1", 0, "b", 1);
        poll("consumer-1", 0, 0, "a", 1, "b");
        finalRead(0, 0, "a", 1, "c", 2, "b"); // a leader change rewrote offset 1
        CheckResult result = check();
        // "b" now sits at 1 and 2 as well: both faces of the same rewrite.
        assertEquals(1, result.count(Kind.INCONSISTENT));
        assertEquals(1, result.count(Kind.DUPLICATED));
        assertEquals(1, result.count(Kind.UNEXPECTED), "c was never sent");
        assertTrue(result.resultLine().contains("inconsistent=1"));
    }

    @Test
    void aRetriedBatchAnsweredAfterLaterOnesIsInOrderIfItWasWrittenFirst() {
        Op first = history.invoke("producer-1", Fn.SEND, 0, "a");
        send("producer-1", 0, "b", 7); // sent after "a", acknowledged first
        history.complete(first, Type.OK, 5L, null, null); // "a"'s retry, answered with where it was written
        finalRead(0, 5, "a", 7, "b");
        assertTrue(check().valid(), check().resultLine());
    }

    @Test
    void aValueSentLaterButWrittenEarlierIsNonMonotonicWhateverTheAnswersOrder() {
        Op first = history.invoke("producer-1", Fn.SEND, 0, "a");
        Op second = history.invoke("producer-1", Fn.SEND, 0, "b");
        history.complete(first, Type.OK, 7L, null, null);
        history.complete(second, Type.OK, 5L, null, null);
        finalRead(0, 5, "b", 7, "a");
        CheckResult result = check();
        assertOnly(Kind.NONMONOTONIC_SEND, 1, result);
        assertEquals("b", result.anomalies().get(Kind.NONMONOTONIC_SEND).get(0).value());
    }

    @Test
    void aProducerAcknowledgedAtALowerOffsetIsNonMonotonic() {
        send("producer-1", 0, "a", 5);
        send("producer-1", 0, "b", 4);
        send("producer-2", 0, "c", 3); // another producer: no order between the two
        finalRead(0, 3, "c", 4, "b", 5, "a");
        CheckResult result = check();
        assertOnly(Kind.NONMONOTONIC_SEND, 1, result);
        assertTrue(result.resultLine().contains(" nonmonotonic=1 "));
    }

    @Test
    void aConsumerGoingBackWithoutANewAssignmentIsNonMonotonic() {
        send("producer-1", 0, "a", 0);
        send("producer-1", 0, "b", 1);
        poll("consumer-1", 0, 0, "a", 1, "b");
        poll("consumer-1", 0, 1, "b");
        finalRead(0, 0, "a", 1, "b");
        assertOnly(Kind.NONMONOTONIC_POLL, 1, check());
    }

    @Test
    void aNewAssignmentMayStartOver() {
        send("producer-1", 0, "a", 0);
        send("producer-1", 0, "b", 1);
        poll("consumer-1", 0, 0, "a", 1, "b");
        history.info("consumer-1", Fn.ASSIGN, "[0]");
        poll("consumer-1", 0, 1, "b");
        history.info("consumer-1", Fn.ASSIGN, "[0]");
        poll("consumer-1", 0, 0, "a");
        finalRead(0, 0, "a", 1, "b");
        assertTrue(check().valid());
    }

    @Test
    void aConsumerJumpingOverExistingOffsetsSkips() {
        send("producer-1", 0, "a", 0);
        send("producer-1", 0, "b", 1);
        send("producer-1", 0, "c", 2);
        poll("consumer-1", 0, 0, "a");
        poll("consumer-1", 0, 2, "c");
        finalRead(0, 0, "a", 1, "b", 2, "c");
        assertOnly(Kind.POLL_SKIP, 1, check());
    }

    @Test
    void aValueNoProducerSentIsUnexpected() {
        send("producer-1", 0, "a", 0);
        finalRead(0, 0, "a", 1, "garbage");
        assertOnly(Kind.UNEXPECTED, 1, check());
    }

    /**
     * Transactions over two partitions: one committed, one aborted on purpose (its records and markers take
     * offsets no read_committed reader returns), two whose commits' outcomes are unknown: one did commit,
     * the other did not (one of its sends never acknowledged). Readers see each whole or not at all.
     */
    private void cleanTransactions() {
        txn("txn-producer-1", Type.OK, w(0, "a", 0), w(1, "b", 0));
        txn("txn-producer-1", Type.FAIL, w(0, "x", 2), w(1, "y", 2));
        txn("txn-producer-2", Type.INFO, w(0, "c", 4), w(1, "d", 4));
        txn("txn-producer-2", Type.INFO, w(0, "e", 6), new Write(1, "f", null));
        poll("consumer-assigned", 0, 0, "a", 4, "c");
        poll("consumer-assigned", 1, 0, "b");
        poll("consumer-group-1", 1, 4, "d"); // started at its group's offset 3: it has not read past b
    }

    @Test
    void aCleanTransactionalHistoryIsValid() {
        cleanTransactions();
        finalRead(0, 0, "a", 4, "c");
        finalRead(1, 0, "b", 4, "d");
        CheckResult result = check();
        assertTrue(result.valid(), result.anomalies().toString());
        assertEquals(2, result.acked(), "the committed transaction's two sends");
        assertEquals(1, result.failed());
        assertEquals(2, result.indeterminate());
    }

    @Test
    void aValueOfAnAbortedTransactionReadIsAnAbortedRead() {
        cleanTransactions();
        poll("consumer-uncommitted", 0, 2, "x");
        history.info("consumer-uncommitted", Fn.ASSIGN, "[0]");
        poll("consumer-uncommitted", 0, 2, "x"); // the same value read again is reported once
        finalRead(0, 0, "a", 4, "c");
        finalRead(1, 0, "b", 4, "d");
        CheckResult result = check();
        assertOnly(Kind.ABORTED_READ, 1, result);
        Anomaly aborted = result.anomalies().get(Kind.ABORTED_READ).get(0);
        assertEquals("x", aborted.value());
        assertTrue(aborted.detail().contains("read by consumer-uncommitted at offset 2 and 1 more"), aborted.detail());
        assertTrue(result.resultLine().endsWith(" aborted-read=1 torn=0"), result.resultLine());
    }

    @Test
    void aCommittedTransactionMissingFromTheFinalReadIsLost() {
        txn("txn-producer-1", Type.OK, w(0, "a", 0), w(0, "b", 1));
        txn("txn-producer-1", Type.OK, w(1, "c", 0), w(1, "d", 1));
        finalRead(0);
        finalRead(1, 0, "c", 1, "d");
        assertOnly(Kind.LOST, 2, check());
    }

    @Test
    void aTransactionOfUnknownOutcomeSeenInPartByTheFinalReadIsTorn() {
        cleanTransactions();
        finalRead(0, 0, "a", 4, "c");
        finalRead(1, 0, "b"); // d missing: not lost, as its commit's outcome is unknown, but c was kept
        CheckResult result = check();
        assertOnly(Kind.TORN, 1, result);
        Anomaly torn = result.anomalies().get(Kind.TORN).get(0);
        assertEquals("d", torn.value());
        assertEquals(4, torn.offset());
        assertTrue(torn.detail().contains("the final read read past all of it but saw only [c at 0:4]"),
                torn.detail());
    }

    @Test
    void aReaderPastEveryPartitionOfACommittedTransactionThatMissedPartOfItSawItTorn() {
        txn("txn-producer-1", Type.OK, w(0, "a", 0), w(1, "b", 1));
        send("producer-1", 1, "c", 0);
        send("producer-1", 1, "d", 3);
        poll("consumer-assigned", 0, 0, "a");
        poll("consumer-assigned", 1, 0, "c", 3, "d"); // over b at 1
        finalRead(0, 0, "a");
        finalRead(1, 0, "c", 1, "b", 3, "d");
        CheckResult result = check();
        assertEquals(1, result.count(Kind.TORN), result.anomalies().toString());
        assertEquals(1, result.count(Kind.POLL_SKIP), "the same gap, seen as an offset skipped");
        assertTrue(result.anomalies().get(Kind.TORN).get(0).detail().contains("consumer-assigned (reading since"));
    }

    @Test
    void aReaderShortOfOnePartitionOfATransactionMaySeePartOfIt() {
        txn("txn-producer-1", Type.OK, w(0, "a", 0), w(1, "b", 1));
        send("producer-1", 1, "c", 0);
        poll("consumer-assigned", 0, 0, "a");
        poll("consumer-assigned", 1, 0, "c"); // b's marker not yet written: the last stable offset is 1
        finalRead(0, 0, "a");
        finalRead(1, 0, "c", 1, "b");
        assertTrue(check().valid(), check().anomalies().toString());
    }

    @Test
    void aTransactionalValueAtTwoOffsetsIsDuplicated() {
        txn("txn-producer-1", Type.OK, w(0, "a", 0), w(1, "b", 0));
        finalRead(0, 0, "a", 2, "a");
        finalRead(1, 0, "b");
        assertOnly(Kind.DUPLICATED, 1, check());
    }

    @Test
    void aLaterTransactionWrittenBelowAnEarlierOneIsNonMonotonic() {
        txn("txn-producer-1", Type.OK, w(0, "a", 5), w(1, "b", 0));
        txn("txn-producer-1", Type.OK, w(0, "c", 3), w(1, "d", 2));
        finalRead(0, 3, "c", 5, "a");
        finalRead(1, 0, "b", 2, "d");
        assertOnly(Kind.NONMONOTONIC_SEND, 1, check());
    }

    /** A member turns "a" and commits; turns "b", aborts, goes back to its offsets and turns "b" again. */
    @Test
    void anInputTurnedAgainAfterAnAbortIsConsumedOnce() {
        send("producer-1", 0, "a", 0);
        send("producer-1", 0, "b", 1);
        consumeInTxn("ctp-1", Type.OK, reads(0, 0, "a"), w(1, "ctp-1-1-0", 0));
        consumeInTxn("ctp-1", Type.FAIL, reads(0, 1, "b"), w(1, "ctp-1-2-0", 1));
        history.info("ctp-1", Fn.ASSIGN, "back to the group's committed offsets of [chaos-0]");
        consumeInTxn("ctp-1", Type.OK, reads(0, 1, "b"), w(1, "ctp-1-3-0", 3));
        finalRead(0, 0, "a", 1, "b");
        finalRead(1, 0, "ctp-1-1-0", 3, "ctp-1-3-0");
        assertTrue(check().valid(), check().anomalies().toString());
    }

    @Test
    void anInputConsumedByTwoCommittedTransactionsIsReprocessed() {
        send("producer-1", 0, "a", 0);
        consumeInTxn("ctp-1", Type.OK, reads(0, 0, "a"), w(1, "ctp-1-1-0", 0));
        consumeInTxn("ctp-2", Type.OK, reads(0, 0, "a"), w(1, "ctp-2-1-0", 1)); // a rebalance, offsets not kept
        finalRead(0, 0, "a");
        finalRead(1, 0, "ctp-1-1-0", 1, "ctp-2-1-0");
        CheckResult result = check();
        assertOnly(Kind.REPROCESSED, 1, result);
        assertEquals("ctp-2", result.anomalies().get(Kind.REPROCESSED).get(0).process());
    }

    @Test
    void aHistoryWrittenAsJsonLinesReadsBackTheSame(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("history.jsonl");
        try (History written = History.writingTo(file)) {
            Op txn = written.invokeTxn("txn-producer-1", List.of(new Write(0, "t", null), new Write(1, "u", null)));
            written.completeTxn(txn, Type.INFO, List.of(new Write(0, "t", 3L), new Write(1, "u", null)),
                    List.of(new Read(2, 7, "r")), "TimeoutException");
            Op send = written.invoke("producer-1", Fn.SEND, 0, "a");
            written.complete(send, Type.OK, 0L, null, null);
            written.info("nemesis", Fn.NEMESIS, "pause node 1");
            Op poll = written.invoke("consumer-1", Fn.POLL, null, null);
            written.complete(poll, Type.OK, null, List.of(new Read(0, 0, "a")), null);
            assertEquals(written.ops(), History.read(file));
        }
        assertTrue(java.nio.file.Files.readAllLines(file).get(3).contains("\"type\":\"ok\""));
    }
}
