package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static io.skein.log.record.TestRecords.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.producer.ProducerStateManager.ProducerStateEntry;
import io.skein.log.record.RecordBatchView;
import io.skein.log.record.TestRecords;
import io.skein.log.record.TestRecords.Rec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader append of idempotent producers' batches, from real batches into a real log: the log
 * checks each batch against its producer's state after validating it and under its own lock, as
 * Kafka's {@code UnifiedLog} does. A retry is answered with where it was first written and not
 * written again; a gap in the sequence or an older epoch is refused, writing nothing of the append;
 * a batch that fails validation never touches its producer's state.
 */
class IdempotentAppendTest {
    private static final long PRODUCER = 42;

    @TempDir
    Path dir;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    private ByteBuffer batch(short epoch, int sequence, String... values) {
        String[] keysAndValues = new String[2 * values.length];
        for (int i = 0; i < values.length; i++) {
            keysAndValues[2 * i] = "k";
            keysAndValues[2 * i + 1] = values[i];
        }
        return TestRecords.idempotentBatch(PRODUCER, epoch, sequence, logs.clock.millis(), keysAndValues);
    }

    private static List<String> values(PartitionLog log) {
        return TestLogs.readAll(log).stream().map(Rec::value).toList();
    }

    @Test
    void aRetryIsAnsweredWithItsFirstOffsetsAndNotWrittenAgain() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, batch((short) 0, 0, "a", "b"), 0);
            appendAsLeader(log, batch((short) 0, 2, "c"), 0);
            long size = log.size();

            LeaderAppendResult retry = log.appendAsLeader(batch((short) 0, 0, "a", "b"), 0);

            assertTrue(retry.duplicate());
            assertEquals(0, retry.info().firstOffset());
            assertEquals(1, retry.info().lastOffset());
            assertTrue(retry.flushed().isDone(), "no flush was asked for: nothing to wait for");
            assertEquals(3, log.logEndOffset());
            assertEquals(size, log.size());
            assertEquals(List.of("a", "b", "c"), values(log));
            LeaderAppendResult next = log.appendAsLeader(batch((short) 0, 3, "d"), 0);
            assertFalse(next.duplicate());
            assertEquals(3, next.info().firstOffset());
        }
    }

    /**
     * A leader that took over from the one that wrote a producer's last five batches, before answering
     * them, knows each of them when the producer retries it: the follower that copied them recorded them
     * as the leader did, and so do a reopen and a truncation that reload the producer state.
     */
    @Test
    void aNewLeaderRecognisesRetriesOfTheLastFiveBatchesItCopied() throws IOException {
        List<ByteBuffer> sent = new ArrayList<>();
        PartitionLog follower;
        try (PartitionLog leader = logs.open(dir.resolve("leader"), LogConfig.DEFAULT)) {
            for (int i = 0; i < 5; i++) {
                sent.add(batch((short) 0, 3 * i, "v" + i, "w" + i, "x" + i));
                appendAsLeader(leader, sent.get(i).duplicate(), 0);
            }
            FileSlice slice = leader.read(0, Integer.MAX_VALUE, FetchIsolation.LOG_END, true);
            ByteBuffer copied = ByteBuffer.allocate(slice.length());
            slice.channel().read(copied, slice.position());
            follower = logs.open(dir.resolve("follower"), LogConfig.DEFAULT);
            follower.appendAsFollower(copied.flip());
        }
        assertRetriesKnown(follower, sent);
        follower = logs.reopen(follower);
        assertRetriesKnown(follower, sent);
        follower.close();
    }

    private static void assertRetriesKnown(PartitionLog newLeader, List<ByteBuffer> sent) {
        for (int i = 0; i < sent.size(); i++) {
            LeaderAppendResult retry = newLeader.appendAsLeader(sent.get(i).duplicate(), 1);
            assertTrue(retry.duplicate(), "batch " + i + " on " + newLeader);
            assertEquals(3L * i, retry.info().firstOffset());
        }
    }

    /** A retry waits for the flush its first append asked for, and forces none of its own. */
    @Test
    void aRetryIsAnsweredOnceItsFirstAppendIsAsDurableAsItAsked() throws Exception {
        try (PartitionLog log = logs.open(dir, LogConfig.fromMap(Map.of("flush.messages", 1)))) {
            CountDownLatch release = new CountDownLatch(1);
            logs.scheduler.execute(() -> awaitQuietly(release)); // the flusher queues behind this
            LeaderAppendResult first = log.appendAsLeader(batch((short) 0, 0, "a"), 0);

            LeaderAppendResult retry = log.appendAsLeader(batch((short) 0, 0, "a"), 0);

            assertTrue(retry.duplicate());
            assertFalse(retry.flushed().isDone(), "answered before the first append's flush");
            release.countDown();
            retry.flushed().get(30, TimeUnit.SECONDS);
            assertTrue(first.flushed().isDone());
            assertEquals(1, log.recoveryPoint());
        }
    }

    @Test
    void aGapInTheSequenceIsRefusedAndNothingOfTheAppendIsWritten() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, batch((short) 0, 0, "a"), 0);
            List<ProducerStateEntry> before = log.producerState().entries();
            long size = log.size();

            assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(batch((short) 0, 2, "gap"), 0));
            // The first batch of this append follows on, the second does not: neither is written.
            assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(
                    concat(batch((short) 0, 1, "b"), batch((short) 0, 3, "gap")), 0));

            assertEquals(1, log.logEndOffset());
            assertEquals(size, log.size());
            assertEquals(before, log.producerState().entries());
            assertEquals(1, appendAsLeader(log, batch((short) 0, 1, "b"), 0).firstOffset());
        }
    }

    @Test
    void anOlderEpochIsFencedAndANewOneMustStartAtZero() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, batch((short) 1, 0, "a"), 0);
            assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(batch((short) 2, 5, "b"), 0));
            appendAsLeader(log, batch((short) 2, 0, "b"), 0);
            long size = log.size();

            assertThrows(InvalidProducerEpochException.class, () -> log.appendAsLeader(batch((short) 1, 1, "fenced"), 0));

            assertEquals(2, log.logEndOffset());
            assertEquals(size, log.size());
            assertEquals(List.of("a", "b"), values(log));
        }
    }

    /**
     * The batch is validated before its producer's state is consulted: a corrupt copy of a batch
     * already written is corrupt, not a retry, and a corrupt or invalid next batch does not move its
     * producer on, so the intact one is still taken.
     */
    @Test
    void aBatchIsValidatedBeforeItsProducerStateIsChecked() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, batch((short) 0, 0, "a"), 0);
            List<ProducerStateEntry> before = log.producerState().entries();

            assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(corrupted(batch((short) 0, 0, "a")), 0));
            assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(corrupted(batch((short) 0, 1, "b")), 0));
            ByteBuffer invalid = batch((short) 0, 1, "b");
            invalid.putInt(57, 2); // declares two records, holds one
            invalid.putInt(17, new RecordBatchView().at(invalid, 0).computeCrc());
            assertThrows(InvalidRecordException.class, () -> log.appendAsLeader(invalid, 0));

            assertEquals(before, log.producerState().entries());
            assertEquals(1, log.logEndOffset());
            assertEquals(1, appendAsLeader(log, batch((short) 0, 1, "b"), 0).firstOffset());
            assertEquals(List.of("a", "b"), values(log));
        }
    }

    /** The produce response reports the append time from the request's first batch: a retry must not carry one. */
    @Test
    void aRetryIsAnsweredBeforeItIsStampedWithTheAppendTime() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.fromMap(Map.of("message.timestamp.type", "LogAppendTime")))) {
            ByteBuffer first = batch((short) 0, 0, "a");
            appendAsLeader(log, first, 0);
            assertTrue(new RecordBatchView().at(first, 0).isLogAppendTime(), "the first append is stamped");

            ByteBuffer retried = batch((short) 0, 0, "a");
            assertTrue(log.appendAsLeader(retried, 0).duplicate());

            assertFalse(new RecordBatchView().at(retried, 0).isLogAppendTime());
        }
    }

    /** The topic's codec rewrites the batch; its producer's fields go with it, so a retry is still known. */
    @Test
    void aRetryOfABatchTheLogRecompressedIsKnown() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.fromMap(Map.of("compression.type", "gzip")))) {
            appendAsLeader(log, batch((short) 0, 0, "a", "b"), 0);
            appendAsLeader(log, batch((short) 0, 2, "c"), 0);

            LeaderAppendResult retry = log.appendAsLeader(batch((short) 0, 2, "c"), 0);

            assertTrue(retry.duplicate());
            assertEquals(2, retry.info().firstOffset());
            assertEquals(List.of("a", "b", "c"), values(log));
        }
    }

    @Test
    void anExpiredProducerMayGoOnFromAnySequence() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, batch((short) 0, 0, "a"), 0);
            log.removeExpiredProducers(logs.clock.millis() + 500, 1_000);
            assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(batch((short) 0, 9, "b"), 0));

            log.removeExpiredProducers(logs.clock.millis() + 5_000, 1_000);

            assertEquals(1, appendAsLeader(log, batch((short) 0, 9, "b"), 0).firstOffset());
        }
    }

    /** Flips a bit of the last record's value: the CRC no longer matches. */
    private static ByteBuffer corrupted(ByteBuffer batch) {
        batch.put(batch.limit() - 2, (byte) (batch.get(batch.limit() - 2) ^ 1));
        return batch;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
