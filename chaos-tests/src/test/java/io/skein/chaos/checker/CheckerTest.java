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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checker against synthetic histories: a clean one, then each anomaly on its own. */
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
        assertEquals("RESULT valid=true acked=3 lost=0 duplicated=0 inconsistent=0 nonmonotonic=0 divergent=0",
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
        assertEquals("RESULT valid=false acked=3 lost=1 duplicated=0 inconsistent=0 nonmonotonic=0 divergent=0",
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

    @Test
    void aHistoryWrittenAsJsonLinesReadsBackTheSame(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("history.jsonl");
        try (History written = History.writingTo(file)) {
            Op send = written.invoke("producer-1", Fn.SEND, 0, "a");
            written.complete(send, Type.OK, 0L, null, null);
            written.info("nemesis", Fn.NEMESIS, "pause node 1");
            Op poll = written.invoke("consumer-1", Fn.POLL, null, null);
            written.complete(poll, Type.OK, null, List.of(new Read(0, 0, "a")), null);
            assertEquals(written.ops(), History.read(file));
        }
        assertTrue(java.nio.file.Files.readAllLines(file).get(1).contains("\"type\":\"ok\""));
    }
}
