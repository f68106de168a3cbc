package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static io.skein.log.record.TestRecords.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.LeaderEpochCache.EpochEntry;
import io.skein.log.record.RecordBatchView;
import io.skein.log.record.TestRecords;
import io.skein.log.record.TestRecords.Batch;
import io.skein.log.record.TestRecords.Rec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crash recovery on real files: a log is written, its files are copied as a crash would leave them
 * (no clean shutdown, indexes untrimmed), the unflushed bytes are cut and flipped, and the log is
 * opened again. The result must be exactly the written log up to the first damaged batch, never
 * less than what was flushed, with working indexes and epochs.
 */
class LogRecoveryTest {
    private static final LogConfig CONFIG = LogConfig.fromMap(Map.of("segment.bytes", 1500,
            "index.interval.bytes", 150, "file.delete.delay.ms", 0));

    @TempDir
    Path dir;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    /** What was written, and the state of the files when the writer crashed. */
    private record Crashed(Path files, List<Rec> records, List<Batch> batches, long recoveryPoint) {
    }

    private Crashed writeAndCrash(Random random, Path workDir) throws IOException {
        return writeAndCrash(random, workDir, CONFIG);
    }

    /** Writes random batches over several segments and epochs, flushing part way, then "crashes". */
    private Crashed writeAndCrash(Random random, Path workDir, LogConfig config) throws IOException {
        Path original = workDir.resolve("original");
        PartitionLog log = logs.open(original, config);
        int flushAfter = 10 + random.nextInt(20);
        int epoch = 0;
        for (int i = 0; i < 40; i++) {
            if (random.nextInt(8) == 0) {
                epoch++;
            }
            String[] values = new String[1 + random.nextInt(4)];
            for (int v = 0; v < values.length; v++) {
                values[v] = "v" + i + "." + v + "-".repeat(random.nextInt(40));
            }
            appendAsLeader(log, batch(1_000 + 10L * i, values), epoch);
            if (i == flushAfter) {
                log.flush();
            }
        }
        try { // let the flushes that follow rolls finish, so the recovery point does not depend on timing
            logs.scheduler.submit(() -> { }).get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        Path snapshot = workDir.resolve("snapshot");
        copyDirectory(original, snapshot); // the page cache's view: what a killed process leaves behind
        List<Rec> records = TestLogs.readAll(log);
        List<Batch> batches = TestLogs.allBatches(log);
        long recoveryPoint = log.recoveryPoint();
        log.close();
        return new Crashed(snapshot, records, batches, recoveryPoint);
    }

    static Stream<Long> seeds() {
        return Stream.iterate(1L, s -> s + 1).limit(60);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void recoveryKeepsExactlyTheIntactPrefixOfTheUnflushedTail(long seed) throws IOException {
        Random random = new Random(seed);
        Crashed crashed = writeAndCrash(random, dir);
        Path trial = dir.resolve("trial");
        copyDirectory(crashed.files(), trial);

        // Damage only bytes the crash could have torn: those after the recovery point.
        Path active = lastLogFile(trial);
        long activeBase = baseOffsetOf(active);
        long activeSize = Files.size(active);
        long firstUnflushedPosition = positionOf(crashed.batches(), activeBase, crashed.recoveryPoint());
        long damageFrom = firstUnflushedPosition;
        long firstDamage = activeSize;
        int mode = random.nextInt(3);
        if (mode != 1 && activeSize > damageFrom) { // cut
            long cut = damageFrom + (long) (random.nextDouble() * (activeSize - damageFrom));
            try (RandomAccessFile file = new RandomAccessFile(active.toFile(), "rw")) {
                file.setLength(cut);
            }
            firstDamage = Math.min(firstDamage, cut);
        }
        long sizeNow = Files.size(active);
        if (mode != 0 && sizeNow > damageFrom) { // flip bytes
            TreeSet<Long> positions = new TreeSet<>();
            List<Long> headers = batchStarts(crashed.batches(), activeBase, damageFrom, sizeNow);
            for (int i = 0; i < 1 + random.nextInt(3); i++) {
                if (random.nextBoolean() || headers.isEmpty()) {
                    positions.add(damageFrom + (long) (random.nextDouble() * (sizeNow - damageFrom)));
                } else { // a header byte: offsets, length and epoch are outside the CRC
                    long header = headers.get(random.nextInt(headers.size()));
                    positions.add(Math.min(sizeNow - 1, header + random.nextInt(RecordBatchView.HEADER_SIZE)));
                }
            }
            try (RandomAccessFile file = new RandomAccessFile(active.toFile(), "rw")) {
                for (long position : positions) {
                    file.seek(position);
                    int original = file.read();
                    file.seek(position);
                    file.write(original ^ (1 + random.nextInt(255)));
                }
            }
            firstDamage = Math.min(firstDamage, positions.first());
        }
        long expectedEnd = endOfIntactBatches(crashed.batches(), activeBase, firstDamage);

        try (PartitionLog recovered = logs.openAfterCrash(trial, CONFIG, crashed.recoveryPoint())) {
            assertEquals(expectedEnd, recovered.logEndOffset(), "mode " + mode + ", first damage at " + firstDamage);
            assertTrue(recovered.logEndOffset() >= crashed.recoveryPoint(), "flushed data survives");
            List<Rec> expected = crashed.records().stream().filter(r -> r.offset() < expectedEnd).toList();
            assertEquals(expected, TestLogs.readAll(recovered));
            assertEquals(Files.size(lastLogFile(trial)), positionOf(crashed.batches(), activeBase, expectedEnd),
                    "the file is cut at the last intact batch");
            assertIndexesWork(recovered, expected);
            assertEquals(expectedEpochs(expected), recovered.leaderEpochCache().entries());

            appendAsLeader(recovered, batch(9_999, "after recovery"), 100);
            PartitionLog reopened = logs.reopen(recovered);
            assertEquals(expectedEnd + 1, reopened.logEndOffset());
            assertEquals("after recovery", TestLogs.readAll(reopened).get((int) expectedEnd).value());
            reopened.close();
        }
    }

    /** Each header field, the ones outside the CRC included, is caught when damaged. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"base offset, 7", "batch length, 11", "partition leader epoch, 15", "magic, 16", "crc, 20",
                "record count, 60"})
    void damageToAnyHeaderFieldCutsTheLogAtThatBatch(String field, int byteInHeader) throws IOException {
        LogConfig oneSegment = CONFIG.with(Map.of("segment.bytes", 1 << 20));
        Crashed crashed = writeAndCrash(new Random(5), dir, oneSegment);
        Path trial = dir.resolve("trial");
        copyDirectory(crashed.files(), trial);
        Path active = lastLogFile(trial);
        long activeBase = baseOffsetOf(active);
        List<Long> unflushed = batchStarts(crashed.batches(), activeBase,
                positionOf(crashed.batches(), activeBase, crashed.recoveryPoint()), Files.size(active));
        assertTrue(unflushed.size() >= 2, "the test needs unflushed batches");
        long damaged = unflushed.get(unflushed.size() / 2);
        try (RandomAccessFile file = new RandomAccessFile(active.toFile(), "rw")) {
            file.seek(damaged + byteInHeader);
            int original = file.read();
            file.seek(damaged + byteInHeader);
            file.write(original ^ 0x01);
        }

        try (PartitionLog recovered = logs.openAfterCrash(trial, oneSegment, crashed.recoveryPoint())) {
            long expectedEnd = endOfIntactBatches(crashed.batches(), activeBase, damaged);
            assertEquals(expectedEnd, recovered.logEndOffset(), field);
            assertEquals(crashed.records().stream().filter(r -> r.offset() < expectedEnd).toList(), TestLogs.readAll(recovered));
        }
    }

    @Test
    void damageInAnUnflushedEarlierSegmentRemovesTheSegmentsAfterIt() throws IOException {
        Crashed crashed = writeAndCrash(new Random(7), dir);
        Path trial = dir.resolve("trial");
        copyDirectory(crashed.files(), trial);
        List<Path> segments = logFiles(trial);
        assertTrue(segments.size() >= 3, "the test needs segments after the damaged one");
        Path damaged = segments.get(segments.size() - 2);
        long base = baseOffsetOf(damaged);
        try (RandomAccessFile file = new RandomAccessFile(damaged.toFile(), "rw")) {
            file.setLength(file.length() - 7);
        }
        long recoveryPointBelowIt = base; // as if the last flush happened before this segment was written

        try (PartitionLog recovered = logs.openAfterCrash(trial, CONFIG, recoveryPointBelowIt)) {
            long expectedEnd = endOfIntactBatches(crashed.batches(), base, Files.size(damaged));
            assertEquals(expectedEnd, recovered.logEndOffset());
            assertEquals(base, recovered.segmentBaseOffsets().get(recovered.numberOfSegments() - 1));
            assertEquals(segments.size() - 1, logFiles(trial).size());
            assertEquals(crashed.records().stream().filter(r -> r.offset() < expectedEnd).toList(), TestLogs.readAll(recovered));
        }
    }

    @Test
    void aCleanShutdownIsTrustedButBrokenIndexesAreRebuilt() throws IOException {
        Crashed crashed = writeAndCrash(new Random(3), dir);
        Path trial = dir.resolve("trial");
        try (PartitionLog clean = logs.open(dir.resolve("original"), CONFIG)) { // a clean close trims indexes
            assertEquals(crashed.records(), TestLogs.readAll(clean));
        }
        copyDirectory(dir.resolve("original"), trial);
        List<Path> segments = logFiles(trial);
        Path first = segments.get(0);
        Files.delete(sibling(first, ".timeindex"));
        try (RandomAccessFile index = new RandomAccessFile(sibling(segments.get(1), ".index").toFile(), "rw")) {
            index.setLength(index.length() - 3); // not a whole number of entries
        }
        try (RandomAccessFile index = new RandomAccessFile(sibling(segments.get(2), ".index").toFile(), "rw")) {
            index.seek(4);
            index.writeInt(1 << 30); // a position far beyond the segment
        }

        try (PartitionLog reopened = logs.open(trial, CONFIG)) {
            assertEquals(crashed.records(), TestLogs.readAll(reopened));
            assertIndexesWork(reopened, crashed.records());
            assertTrue(Files.exists(sibling(first, ".timeindex")));
        }
    }

    /**
     * DeleteRecords moves the log start past a batch, then a truncation takes the epochs above it: the
     * batch's epoch is in no cache entry any more. A crash must not cut it, which would move the log
     * end offset back under an offset already given out.
     */
    @Test
    void aBatchBelowTheLogStartWhoseEpochTheCacheNoLongerHoldsSurvivesACrash() throws IOException {
        PartitionLog log = logs.open(dir.resolve("original"), CONFIG);
        appendAsLeader(log, batch(1_000, "below the log start"), 7); // offset 0
        appendAsLeader(log, batch(1_001, "cut", "cut"), 8); // offsets 1-2
        log.updateHighWatermark(3);
        log.maybeIncrementLogStartOffset(2);
        assertTrue(log.truncateTo(1));
        assertEquals(List.of(), log.leaderEpochCache().entries(), "no entry holds epoch 7 any more");
        assertEquals(1, log.logStartOffset());
        Path trial = dir.resolve("trial");
        copyDirectory(log.dir(), trial);
        long recoveryPoint = log.recoveryPoint();
        log.close();

        try (PartitionLog recovered = PartitionLog.open(trial, TestLogs.TP, CONFIG,
                new LogLoader.Checkpoints(recoveryPoint, 1, 1), false, logs.scheduler, FlushListener.NONE,
                logs.clock)) {
            assertEquals(1, recovered.logEndOffset(), "offset 0 was given out: it is not given out again");
            assertEquals(1, recovered.logStartOffset());
            assertEquals(1, appendAsLeader(recovered, batch(1_002, "next"), 9).firstOffset());
        }
    }

    @Test
    void aCorruptEpochCheckpointIsRebuiltFromTheBatches() throws IOException {
        Crashed crashed = writeAndCrash(new Random(11), dir);
        Path trial = dir.resolve("trial");
        copyDirectory(crashed.files(), trial);
        Files.writeString(trial.resolve(LeaderEpochCache.CHECKPOINT_FILE), "0\n7\n1 x\n");

        try (PartitionLog recovered = logs.open(trial, CONFIG)) {
            assertEquals(crashed.records(), TestLogs.readAll(recovered));
            assertEquals(expectedEpochs(crashed.records()), recovered.leaderEpochCache().entries());
        }
    }

    private static List<EpochEntry> expectedEpochs(List<Rec> records) {
        List<EpochEntry> epochs = new ArrayList<>();
        for (Rec record : records) {
            if (epochs.isEmpty() || epochs.get(epochs.size() - 1).epoch() != record.leaderEpoch()) {
                epochs.add(new EpochEntry(record.leaderEpoch(), record.offset()));
            }
        }
        return epochs;
    }

    /** Every offset reads back from its own batch, and every timestamp finds its first record. */
    private static void assertIndexesWork(PartitionLog log, List<Rec> expected) {
        for (Rec record : expected) {
            List<Rec> read = TestRecords.records(log.read(record.offset(), 1, FetchIsolation.LOG_END, true));
            assertTrue(read.contains(record), "reading offset " + record.offset() + " returns its batch");
            TimestampAndOffset found = log.fetchOffsetByTimestamp(record.timestamp()).orElseThrow();
            Rec first = expected.stream().filter(r -> r.timestamp() >= record.timestamp()).findFirst().orElseThrow();
            assertEquals(first.offset(), found.offset(), "timestamp " + record.timestamp());
        }
    }

    /** Byte position of {@code offset} (a batch boundary at or after the segment's base) in its segment. */
    private static long positionOf(List<Batch> batches, long segmentBase, long offset) {
        return batches.stream().filter(b -> b.baseOffset() >= segmentBase && b.baseOffset() < offset)
                .mapToLong(Batch::sizeInBytes).sum();
    }

    /** The offset after the last batch of the segment that ends at or before byte {@code firstDamage}. */
    private static long endOfIntactBatches(List<Batch> batches, long segmentBase, long firstDamage) {
        long position = 0;
        long end = segmentBase;
        for (Batch batch : batches) {
            if (batch.baseOffset() < segmentBase) {
                continue;
            }
            position += batch.sizeInBytes();
            if (position > firstDamage) {
                break;
            }
            end = batch.lastOffset() + 1;
        }
        return end;
    }

    /** Start positions of the segment's batches lying wholly within [from, to). */
    private static List<Long> batchStarts(List<Batch> batches, long segmentBase, long from, long to) {
        List<Long> starts = new ArrayList<>();
        long position = 0;
        for (Batch batch : batches) {
            if (batch.baseOffset() < segmentBase) {
                continue;
            }
            if (position >= from && position + batch.sizeInBytes() <= to) {
                starts.add(position);
            }
            position += batch.sizeInBytes();
        }
        return starts;
    }

    private static List<Path> logFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    private static Path lastLogFile(Path dir) throws IOException {
        List<Path> files = logFiles(dir);
        return files.get(files.size() - 1);
    }

    private static long baseOffsetOf(Path logFile) {
        return Long.parseLong(logFile.getFileName().toString().replace(".log", ""));
    }

    private static Path sibling(Path logFile, String suffix) {
        return logFile.resolveSibling(logFile.getFileName().toString().replace(".log", suffix));
    }

    /**
     * Copies a log directory as a crash would leave it. Files already renamed {@code .deleted} and temp
     * files (a producer snapshot the scheduler is writing) are skipped: they may go mid-copy, and a
     * restart deletes them anyway.
     */
    static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
                String name = file.getFileName().toString();
                if (!name.endsWith(LogSegment.DELETED_SUFFIX) && !name.endsWith(".tmp")) {
                    Files.copy(file, to.resolve(file.getFileName()));
                }
            }
        }
        assertFalse(Files.exists(to.resolve(LogManager.CLEAN_SHUTDOWN_FILE)));
    }
}
