package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.producer.ProducerSnapshots;
import io.skein.log.producer.ProducerStateManager.ProducerStateEntry;
import io.skein.log.record.TestRecords;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Where producer snapshots are written, which one a load takes, and what truncation and retention do to them. */
class ProducerStateSnapshotTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    private static final LogConfig CONFIG = TestLogs.smallSegments(100_000);

    private void append(PartitionLog log, long producerId, int sequence) {
        appendAsLeader(log, TestRecords.idempotentBatch(producerId, (short) 0, sequence, logs.clock.millis(),
                "k", "v" + sequence), 0);
    }

    /** Rolls and waits until the snapshot taken at the roll is on disk. */
    private void rollAndSettle(PartitionLog log) throws Exception {
        log.roll();
        logs.scheduler.submit(() -> { }).get();
    }

    private static Set<Long> producerIds(PartitionLog log) {
        Set<Long> ids = new TreeSet<>();
        log.producerState().entries().forEach(e -> ids.add(e.producerId()));
        return ids;
    }

    /** Producer 1 in [0, 3), producer 2 in [3, 6), producer 3 in [6, 9): a segment each, snapshots at 3, 6 and 9. */
    private PartitionLog threeSegmentsClosed() throws Exception {
        PartitionLog log = logs.open(dir.resolve("p-0"), CONFIG);
        for (long producer = 1; producer <= 3; producer++) {
            for (int sequence = 0; sequence < 3; sequence++) {
                append(log, producer, sequence);
            }
            if (producer < 3) {
                rollAndSettle(log);
            }
        }
        log.flush();
        log.close();
        assertEquals(new TreeSet<>(List.of(3L, 6L, 9L)), ProducerSnapshots.offsets(log.dir()));
        return log;
    }

    private PartitionLog openClean(PartitionLog closed) throws IOException {
        return PartitionLog.open(closed.dir(), TestLogs.TP, CONFIG, new LogLoader.Checkpoints(closed.recoveryPoint(),
                closed.logStartOffset(), closed.highWatermark()), true, logs.scheduler, FlushListener.NONE, logs.clock);
    }

    @Test
    void aCorruptSnapshotIsDeletedAndTheNextOlderOneOrAScanIsUsed() throws Exception {
        PartitionLog closed = threeSegmentsClosed();
        Path logDir = closed.dir();
        List<ProducerStateEntry> expected = closed.producerState().entries();
        flipByte(ProducerSnapshots.file(logDir, 9), 20); // a producer id: only the CRC tells
        Files.write(ProducerSnapshots.file(logDir, 6), new byte[] {0, 1, 0}); // torn short

        PartitionLog log = openClean(closed);
        assertEquals(OptionalLong.of(3), log.producerSnapshotLoaded(), "the newest snapshot that reads");
        assertEquals(expected, log.producerState().entries());
        assertEquals(Set.of(3L), ProducerSnapshots.offsets(logDir), "the unusable ones are gone");

        log.close(); // a fresh snapshot at 9
        Files.write(ProducerSnapshots.file(logDir, 9), new byte[0]);
        byte[] wrongVersion = Files.readAllBytes(ProducerSnapshots.file(logDir, 3));
        wrongVersion[1] = 9;
        Files.write(ProducerSnapshots.file(logDir, 3), wrongVersion);
        log = openClean(log);
        assertEquals(OptionalLong.empty(), log.producerSnapshotLoaded(), "no snapshot left: a scan");
        assertEquals(expected, log.producerState().entries());
        assertEquals(Set.of(), ProducerSnapshots.offsets(logDir));
        log.close();
    }

    @Test
    void aSnapshotAboveTheRecoveredLogEndIsDeletedAndNotUsed() throws Exception {
        PartitionLog closed = threeSegmentsClosed();
        Path segment = LogSegment.file(closed.dir(), 6, LogSegment.LOG_SUFFIX);
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 1); // the last batch torn: recovery ends the log at 8
        }
        PartitionLog log = PartitionLog.open(closed.dir(), TestLogs.TP, CONFIG, new LogLoader.Checkpoints(6, 0, 0),
                false, logs.scheduler, FlushListener.NONE, logs.clock);
        assertEquals(8, log.logEndOffset());
        assertEquals(OptionalLong.of(6), log.producerSnapshotLoaded());
        assertEquals(Set.of(3L, 6L), ProducerSnapshots.offsets(log.dir()));
        assertEquals(ProducerStateSnapshotModelTest.scan(log), log.producerState().entries());
        assertEquals(2, log.producerState().entries().get(2).batches().size(), "producer 3 lost its torn batch");
        log.close();
    }

    @Test
    void truncationBelowSnapshotsDoesNotBringBackProducersOfTheCutPart() throws Exception {
        PartitionLog log = openClean(threeSegmentsClosed());
        assertTrue(log.truncateTo(2)); // producer 1's last batch and every later one go
        assertEquals(Set.of(1L), producerIds(log));
        assertEquals(1, log.producerState().entries().get(0).batches().get(1).lastOffset(), "producer 1 up to offset 1");
        assertEquals(Set.of(), ProducerSnapshots.offsets(log.dir()), "every snapshot was above the new end");

        append(log, 4, 0); // offsets 2 and 3, past where the snapshot at 3 was: it must not come back
        append(log, 4, 1);
        Path crashed = dir.resolve("crashed");
        LogRecoveryTest.copyDirectory(log.dir(), crashed);
        PartitionLog afterCrash = PartitionLog.open(crashed, TestLogs.TP, CONFIG, new LogLoader.Checkpoints(0, 0, 0),
                false, logs.scheduler, FlushListener.NONE, logs.clock);
        assertEquals(Set.of(1L, 4L), producerIds(afterCrash));
        assertEquals(ProducerStateSnapshotModelTest.scan(afterCrash), afterCrash.producerState().entries());
        afterCrash.close();

        log = logs.reopen(log);
        assertEquals(Set.of(1L, 4L), producerIds(log));
        assertEquals(ProducerStateSnapshotModelTest.scan(log), log.producerState().entries());
        log.close();
    }

    /**
     * A roll's snapshot is written later, on the scheduler. If the log closes first and is opened and
     * truncated again, that late write must not put back a snapshot above the new end, which the next
     * load would start from (found by ProducerStateSnapshotModelTest on a busy machine).
     */
    @Test
    void aRollSnapshotDueAfterTheLogClosedIsNotWritten() throws Exception {
        PartitionLog log = logs.open(dir.resolve("p-0"), CONFIG);
        for (int sequence = 0; sequence < 3; sequence++) {
            append(log, 1, sequence);
        }
        CountDownLatch release = new CountDownLatch(1);
        logs.scheduler.execute(() -> awaitQuietly(release)); // the roll's work queues behind this
        log.roll(); // its snapshot at 3 is due
        append(log, 2, 0);
        log = logs.reopen(log); // the close wrote its snapshot at 4
        assertTrue(log.truncateTo(1));
        assertEquals(Set.of(), ProducerSnapshots.offsets(log.dir()), "every snapshot was above the new end");

        release.countDown();
        logs.scheduler.submit(() -> { }).get();
        assertEquals(Set.of(), ProducerSnapshots.offsets(log.dir()), "the closed log wrote its roll snapshot late");
        log = logs.reopen(log);
        assertEquals(ProducerStateSnapshotModelTest.scan(log), log.producerState().entries());
        log.close();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void truncationKeepsTheSnapshotsAtOrBelowTheNewEndAndReplaysFromThem() throws Exception {
        PartitionLog log = openClean(threeSegmentsClosed());
        assertTrue(log.truncateTo(7));
        assertEquals(Set.of(3L, 6L), ProducerSnapshots.offsets(log.dir()));
        assertEquals(OptionalLong.of(6), log.producerSnapshotLoaded());
        assertEquals(Set.of(1L, 2L, 3L), producerIds(log));
        assertEquals(ProducerStateSnapshotModelTest.scan(log), log.producerState().entries());

        log.truncateFullyAndStartAt(20);
        assertEquals(Set.of(), ProducerSnapshots.offsets(log.dir()));
        assertEquals(List.of(), log.producerState().entries());
        log.close();
    }

    @Test
    void retentionDeletesOnlySnapshotsBelowTheFirstSegment() throws Exception {
        PartitionLog log = openClean(threeSegmentsClosed());
        log.updateHighWatermark(log.logEndOffset());
        log.maybeIncrementLogStartOffset(4);
        assertEquals(1, log.deleteOldSegments());
        assertEquals(List.of(3L, 6L), log.segmentBaseOffsets());
        assertEquals(Set.of(3L, 6L, 9L), ProducerSnapshots.offsets(log.dir()));

        log.maybeIncrementLogStartOffset(7);
        assertEquals(1, log.deleteOldSegments());
        assertEquals(Set.of(6L, 9L), ProducerSnapshots.offsets(log.dir()));

        // As in Kafka, producers whose batches are all gone stay known until they expire: the snapshots
        // remember them across restarts.
        log = logs.reopen(log);
        assertEquals(Set.of(1L, 2L, 3L), producerIds(log));
        log.producerState().removeExpired(logs.clock.millis() + 2_000, 1_000);
        assertEquals(Set.of(), producerIds(log));
        log.close();
    }

    private static void flipByte(Path file, int position) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[position] ^= 0x40;
        Files.write(file, bytes);
    }
}
