package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.LogCleaner.CleanStats;
import io.skein.log.checkpoint.OffsetCheckpointFile;
import io.skein.log.record.TestRecords;
import io.skein.log.record.TestRecords.Batch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compaction on real files: keyed records are written over many small segments, the cleaner runs,
 * and the log must hold exactly the latest record of each key at its original offset, leave alone
 * what it may not touch, survive a crash at any point of a swap, and keep serving reads and appends.
 */
class LogCleanerTest {
    private static final long DELETE_RETENTION_MS = 1_000;
    private static final LogConfig COMPACTED = TestLogs.smallSegments(400).with(Map.of("cleanup.policy", "compact",
            "delete.retention.ms", DELETE_RETENTION_MS));

    @TempDir
    Path root;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    /** A record as written or read: offset, key and value (null for a tombstone). */
    private record KV(long offset, String key, String value) {
    }

    private final List<KV> written = new ArrayList<>();
    private final Map<String, KV> latest = new HashMap<>();

    private PartitionLog open(LogConfig config) throws IOException {
        return logs.open(root.resolve("topic-0"), config);
    }

    private LogCleaner cleaner(PartitionLog... cleanable) {
        return new LogCleaner(List.of(root), () -> List.of(cleanable), logs.clock, (failedLog, error) -> { });
    }

    /** Appends one batch of {@code key0, value0, key1, value1...} and remembers what it wrote. */
    private void append(PartitionLog log, Compression compression, String... keysAndValues) {
        LogAppendInfo info = appendAsLeader(log, TestRecords.keyedBatch(compression, logs.clock.millis(), keysAndValues), 0);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            KV record = new KV(info.firstOffset() + i / 2, keysAndValues[i], keysAndValues[i + 1]);
            written.add(record);
            latest.put(record.key(), record);
        }
    }

    /** Writes 30 batches over keys k0..k9, with a tombstone now and then. */
    private void writeOverwrites(PartitionLog log, Compression compression) {
        for (int round = 0; round < 30; round++) {
            List<String> keysAndValues = new ArrayList<>();
            for (int j = 0; j < 3; j++) {
                keysAndValues.add("k" + (round * 3 + j) % 10);
                keysAndValues.add(round % 7 == 6 && j == 0 ? null : "v" + round + "." + j);
            }
            append(log, compression, keysAndValues.toArray(new String[0]));
        }
    }

    /** Rolls and moves the high watermark to the log end: everything but the new active segment is cleanable. */
    private static void makeCleanable(PartitionLog log) {
        log.roll();
        log.updateHighWatermark(log.logEndOffset());
    }

    private static List<KV> read(PartitionLog log) {
        return TestLogs.readAll(log).stream().map(r -> new KV(r.offset(), r.key(), r.value())).toList();
    }

    private List<KV> latestByOffset(boolean withTombstones) {
        return latest.values().stream().filter(kv -> withTombstones || kv.value() != null)
                .sorted(Comparator.comparingLong(KV::offset)).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "lz4"})
    void keepsTheLatestRecordOfEachKeyAtItsOffsetAndDropsTombstonesAfterTheirRetention(String codec)
            throws Exception {
        try (PartitionLog log = open(COMPACTED)) {
            writeOverwrites(log, Compression.of(codec).build());
            makeCleanable(log);
            long logEnd = log.logEndOffset();
            int segmentsBefore = log.numberOfSegments();
            var epochs = log.leaderEpochCache().entries();

            long sizeBefore = log.size();
            logs.scheduler.submit(() -> { }).get(30, TimeUnit.SECONDS); // the rolls' flushes, queued before, are done
            long fsyncsBefore = logs.fsyncs.sum();

            CleanStats stats = cleaner(log).cleanLog(log).orElseThrow();
            assertTrue(logs.fsyncs.sum() > fsyncsBefore, "the cleaned segments' fsyncs are timed too");

            assertEquals(latestByOffset(true), read(log));
            assertEquals(0, stats.startOffset());
            assertEquals(logEnd, stats.endOffset());
            assertEquals(written.size(), stats.recordsRead());
            assertEquals(10, stats.recordsKept());
            assertTrue(log.size() < sizeBefore);
            assertEquals(logEnd, log.logEndOffset());
            assertEquals(logEnd, log.highWatermark());
            assertEquals(0, log.logStartOffset());
            assertEquals(epochs, log.leaderEpochCache().entries());
            assertTrue(latest.values().stream().anyMatch(kv -> kv.value() == null), "the test writes tombstones");

            logs.clock.advance(DELETE_RETENTION_MS - 1);
            cleaner(log).cleanLog(log);
            assertEquals(latestByOffset(true), read(log));
            assertTrue(log.numberOfSegments() < segmentsBefore, "small cleaned segments are cleaned together: "
                    + log.segmentBaseOffsets());

            logs.clock.advance(1);
            cleaner(log).cleanLog(log);
            assertEquals(latestByOffset(false), read(log));
            assertEquals(logEnd, log.logEndOffset());
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void matchesAModelOfTheLatestRecordPerKey(long seed) throws IOException {
        Random random = new Random(seed);
        List<Compression> codecs = List.of(Compression.NONE, Compression.gzip().build(), Compression.lz4().build(),
                Compression.snappy().build());
        PartitionLog log = open(COMPACTED);
        LogCleaner cleaner = cleaner(log);
        for (int op = 0; op < 300; op++) {
            int dice = random.nextInt(100);
            if (dice < 70) {
                String[] keysAndValues = new String[2 + 2 * random.nextInt(4)];
                for (int i = 0; i < keysAndValues.length; i += 2) {
                    keysAndValues[i] = "k" + random.nextInt(20);
                    keysAndValues[i + 1] = random.nextInt(10) == 0 ? null : "v" + op + "." + i;
                }
                append(log, codecs.get(random.nextInt(codecs.size())), keysAndValues);
            } else if (dice < 78) {
                log.roll();
            } else if (dice < 88) {
                log.updateHighWatermark(log.logEndOffset());
            } else if (dice < 96) {
                cleanAndCheck(log, cleaner, "seed " + seed + ", operation " + op);
            } else {
                logs.clock.advance(random.nextInt(600));
            }
        }
        makeCleanable(log);
        cleanAndCheck(log, cleaner, "seed " + seed + ", last clean");
        List<KV> cleaned = read(log);
        log = logs.reopen(log);
        assertEquals(cleaned, read(log), "seed " + seed + ": after a clean restart");
        log.close();
        log = logs.openAfterCrash(log.dir(), COMPACTED, 0);
        assertEquals(cleaned, read(log), "seed " + seed + ": after recovering every segment");
        log.close();
    }

    /** Cleans, then checks the log against everything written and the latest record of each key. */
    private void cleanAndCheck(PartitionLog log, LogCleaner cleaner, String context) {
        List<Long> bases = log.segmentBaseOffsets();
        long untouchable = Math.min(bases.get(bases.size() - 1), log.highWatermark());
        long logStart = log.logStartOffset();
        long logEnd = log.logEndOffset();

        Optional<CleanStats> stats = cleaner.cleanLog(log);

        List<KV> read = read(log);
        assertTrue(new HashSet<>(written).containsAll(read), context + ": only written records are read");
        for (int i = 1; i < read.size(); i++) {
            assertTrue(read.get(i - 1).offset() < read.get(i).offset(), context + ": offsets go up");
        }
        assertTrue(read.containsAll(written.stream().filter(kv -> kv.offset() >= untouchable).toList()),
                context + ": nothing from the active segment or the high watermark on is cleaned");
        Map<String, KV> lastRead = new HashMap<>();
        read.forEach(kv -> lastRead.put(kv.key(), kv));
        latest.forEach((key, kv) -> {
            if (kv.value() != null || lastRead.containsKey(key)) {
                assertEquals(kv, lastRead.get(key), context + ": the latest record of " + key);
            }
        });
        stats.ifPresent(cleaned -> {
            List<String> keysInRange = read.stream().filter(kv -> kv.offset() < cleaned.endOffset()).map(KV::key).toList();
            assertEquals(new HashSet<>(keysInRange).size(), keysInRange.size(), context + ": one record per key");
        });
        assertEquals(logStart, log.logStartOffset(), context);
        assertEquals(logEnd, log.logEndOffset(), context);
    }

    @Test
    void neverTouchesTheActiveSegmentNorWhatIsAtOrAboveTheHighWatermark() throws IOException {
        try (PartitionLog log = open(COMPACTED)) {
            for (int i = 0; i < 24; i++) {
                append(log, Compression.NONE, "k", "v" + i);
            }
            List<Long> bases = log.segmentBaseOffsets();
            assertTrue(bases.size() >= 4, bases.toString());
            long highWatermark = bases.get(2);
            log.updateHighWatermark(highWatermark);

            cleaner(log).cleanLog(log).orElseThrow();

            List<KV> expected = new ArrayList<>();
            expected.add(written.get((int) highWatermark - 1)); // the latest "k" below the high watermark
            expected.addAll(written.subList((int) highWatermark, written.size()));
            assertEquals(expected, read(log));

            log.updateHighWatermark(log.logEndOffset());
            long activeBase = log.segmentBaseOffsets().get(log.numberOfSegments() - 1);
            cleaner(log).cleanLog(log).orElseThrow();

            expected = new ArrayList<>();
            expected.add(written.get((int) activeBase - 1));
            expected.addAll(written.subList((int) activeBase, written.size()));
            assertEquals(expected, read(log));
        }
    }

    @Test
    void keepsTheHeaderOfEachIdempotentProducersLastBatch() throws IOException {
        try (PartitionLog log = open(COMPACTED)) {
            long now = logs.clock.millis();
            appendAsLeader(log, TestRecords.idempotentBatch(7, (short) 1, 0, now, "a", "1"), 0);
            appendAsLeader(log, TestRecords.idempotentBatch(7, (short) 1, 1, now, "a", "2"), 0);
            appendAsLeader(log, TestRecords.idempotentBatch(7, (short) 1, 2, now, "b", "3", "c", "4"), 0);
            append(log, Compression.NONE, "a", "5", "b", "6", "c", "7");
            makeCleanable(log);

            cleaner(log).cleanLog(log).orElseThrow();

            assertEquals(List.of(new KV(4, "a", "5"), new KV(5, "b", "6"), new KV(6, "c", "7")), read(log));
            assertEquals(List.of(2L, 4L), TestLogs.allBatches(log).stream().map(Batch::baseOffset).toList());
            List<String> headers = new ArrayList<>();
            log.forEachBatchHeader(0, batch -> headers.add(batch.producerId() + "/" + batch.producerEpoch() + "/"
                    + batch.baseSequence() + "/" + batch.lastOffset() + "/" + batch.recordCount()));
            assertEquals(List.of("7/1/2/3/0", "-1/-1/-1/6/3"), headers);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "lz4"})
    void aCompactedLogRefusesRecordsWithoutKeysAndWritesNothingOfTheAppend(String codec) throws IOException {
        Compression compression = Compression.of(codec).build();
        try (PartitionLog log = open(COMPACTED)) {
            append(log, compression, "k", "v");
            long size = log.size();

            InvalidRecordException e = assertThrows(InvalidRecordException.class, () -> appendAsLeader(log,
                    TestRecords.concat(TestRecords.keyedBatch(compression, 1, "a", "b"),
                            TestRecords.keyedBatch(compression, 1, "c", "d", null, "e")), 0));

            assertEquals("Compacted topic cannot accept message without key in topic partition topic-0.", e.getMessage());
            assertEquals(1, log.logEndOffset());
            assertEquals(size, log.size());
        }
        try (PartitionLog deleting = logs.open(root.resolve("delete-0"), TestLogs.smallSegments(400))) {
            appendAsLeader(deleting, TestRecords.keyedBatch(compression, 1, null, "e"), 0);
            assertEquals(1, deleting.logEndOffset());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"compact", "compact,delete", "delete"})
    void retentionByTimeAppliesOnlyWithTheDeletePolicy(String policy) throws IOException {
        LogConfig config = COMPACTED.with(Map.of("cleanup.policy", policy, "retention.ms", 1_000));
        try (PartitionLog log = open(config)) {
            for (int i = 0; i < 12; i++) {
                appendAsLeader(log, TestRecords.keyedBatch(Compression.NONE, logs.clock.millis(), "k" + i, "v"), 0);
            }
            makeCleanable(log);
            int segments = log.numberOfSegments();
            logs.clock.advance(5_000);

            int deleted = log.deleteOldSegments();

            assertEquals(config.delete(), deleted > 0, "deleted " + deleted + " of " + segments);
            assertEquals(config.delete() ? 1 : segments, log.numberOfSegments());

            log.maybeIncrementLogStartOffset(log.logEndOffset());
            log.deleteOldSegments();
            assertEquals(1, log.numberOfSegments(), "segments below the log start offset go under any policy");
        }
    }

    @Test
    void youngRecordsWaitForTheMinimumCompactionLag() throws IOException {
        try (PartitionLog log = open(COMPACTED.with(Map.of("min.compaction.lag.ms", 10_000)))) {
            writeOverwrites(log, Compression.NONE);
            makeCleanable(log);
            LogCleaner cleaner = cleaner(log);

            assertEquals(Optional.empty(), cleaner.cleanLog(log));

            logs.clock.advance(10_010);
            assertTrue(cleaner.cleanLog(log).isPresent());
            assertEquals(latestByOffset(true), read(log));
        }
    }

    @Test
    void cleansBatchesLargerThanItsBuffers() throws IOException {
        String big = "x".repeat(1_200_000);
        try (PartitionLog log = open(COMPACTED.with(Map.of("max.message.bytes", 2_000_000, "segment.bytes", 4_000_000)))) {
            append(log, Compression.NONE, "big", big + 1);
            append(log, Compression.NONE, "small", "s");
            append(log, Compression.NONE, "big", big + 2);
            makeCleanable(log);

            cleaner(log).cleanLog(log).orElseThrow();

            assertEquals(latestByOffset(true), read(log));
        }
    }

    @Test
    void refusesToSwapInACleanThatATruncationOvertook() throws IOException {
        try (PartitionLog log = open(COMPACTED)) {
            writeOverwrites(log, Compression.NONE);
            List<LogSegment> segments = log.segmentsSnapshot();
            long truncations = log.truncations();
            LogSegment cleaned = LogSegment.create(log.dir(), 0, LogSegment.CLEANED_SUFFIX, COMPACTED,
                    logs.clock.millis());
            log.truncateTo(log.logEndOffset() - 3); // the last batch

            assertFalse(log.replaceSegments(segments.subList(0, 1), cleaned, truncations));

            assertEquals(segments.subList(0, 2), log.segmentsSnapshot().subList(0, 2));
            assertEquals(written.subList(0, written.size() - 3), read(log));
            cleaned.delete();
        }
    }

    @Test
    void discardsALeftoverCleanedSegmentOnOpen() throws IOException {
        PartitionLog log = open(COMPACTED);
        writeOverwrites(log, Compression.NONE);
        List<KV> before = read(log);
        log.flush();
        log.close();
        Path leftover = LogSegment.file(log.dir(), 0, LogSegment.LOG_SUFFIX + LogSegment.CLEANED_SUFFIX);
        Files.write(leftover, new byte[] {1, 2, 3});
        Files.write(LogSegment.file(log.dir(), 0, LogSegment.INDEX_SUFFIX + LogSegment.CLEANED_SUFFIX), new byte[8]);

        try (PartitionLog reopened = logs.openAfterCrash(log.dir(), COMPACTED, 0)) {
            assertEquals(before, read(reopened));
            assertEquals(List.of(), leftovers(log.dir()));
        }
    }

    /** Where a crash stopped {@link PartitionLog#replaceSegments}. */
    enum SwapCrash { SWAP_WRITTEN, OLD_LOG_FILE_MARKED_DELETED, OLD_SEGMENT_MARKED_DELETED, LOG_FILE_SWAPPED_IN }

    @ParameterizedTest
    @EnumSource(SwapCrash.class)
    void completesASwapThatACrashInterrupted(SwapCrash crash) throws IOException {
        // Two logs written alike: one is cleaned for real, and its cleaned segment is planted in the
        // other as the cleaner would have left it.
        PartitionLog cleaned = logs.open(root.resolve("cleaned").resolve("topic-0"), COMPACTED);
        PartitionLog crashed = logs.open(root.resolve("crashed").resolve("topic-0"), COMPACTED);
        for (PartitionLog log : List.of(cleaned, crashed)) {
            writeOverwrites(log, Compression.lz4().build());
            makeCleanable(log);
        }
        List<Long> oldBases = crashed.segmentBaseOffsets();
        cleaned.updateConfig(COMPACTED.with(Map.of("segment.bytes", 1 << 20))); // one group: one swap
        new LogCleaner(List.of(cleaned.dir().getParent()), () -> List.of(cleaned), logs.clock,
                (failedLog, error) -> { }).cleanLog(cleaned)
                .orElseThrow();
        assertEquals(List.of(0L, oldBases.get(oldBases.size() - 1)), cleaned.segmentBaseOffsets());
        crashed.flush();
        crashed.close();
        Path dir = crashed.dir();
        for (String suffix : List.of(LogSegment.LOG_SUFFIX, LogSegment.INDEX_SUFFIX, LogSegment.TIME_INDEX_SUFFIX)) {
            boolean logFile = suffix.equals(LogSegment.LOG_SUFFIX);
            List<Long> markedDeleted = switch (crash) {
                case SWAP_WRITTEN -> List.of();
                case OLD_LOG_FILE_MARKED_DELETED -> logFile ? oldBases.subList(0, 1) : List.of();
                case OLD_SEGMENT_MARKED_DELETED -> oldBases.subList(0, 1);
                case LOG_FILE_SWAPPED_IN -> oldBases.subList(0, oldBases.size() - 1);
            };
            for (long base : markedDeleted) {
                Path old = LogSegment.file(dir, base, suffix);
                Files.move(old, old.resolveSibling(old.getFileName() + LogSegment.DELETED_SUFFIX));
            }
            boolean logFileRenamed = crash == SwapCrash.LOG_FILE_SWAPPED_IN && logFile;
            Files.copy(LogSegment.file(cleaned.dir(), 0, suffix),
                    LogSegment.file(dir, 0, logFileRenamed ? suffix : suffix + LogSegment.SWAP_SUFFIX),
                    StandardCopyOption.REPLACE_EXISTING);
        }

        try (PartitionLog recovered = logs.openAfterCrash(dir, COMPACTED, 0)) {
            assertEquals(read(cleaned), read(recovered));
            assertEquals(cleaned.segmentBaseOffsets(), recovered.segmentBaseOffsets());
            assertEquals(cleaned.logEndOffset(), recovered.logEndOffset());
            assertEquals(List.of(), leftovers(dir));
        }
        cleaned.close();
    }

    private static boolean acquire(Semaphore semaphore) {
        try {
            return semaphore.tryAcquire(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static List<Path> leftovers(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> Stream.of(LogSegment.CLEANED_SUFFIX, LogSegment.SWAP_SUFFIX,
                    LogSegment.DELETED_SUFFIX).anyMatch(file.toString()::endsWith)).toList();
        }
    }

    @Test
    void persistsTheFirstDirtyOffsetAndHonoursItAfterARestart() throws IOException {
        PartitionLog log = open(COMPACTED);
        writeOverwrites(log, Compression.NONE);
        makeCleanable(log);
        CleanStats stats = cleaner(log).cleanLog(log).orElseThrow();
        Path checkpoint = root.resolve(LogCleaner.CHECKPOINT_FILE);
        assertEquals(Map.of(TestLogs.TP, stats.endOffset()), new OffsetCheckpointFile(checkpoint).read());

        log = logs.reopen(log);
        assertEquals(List.of(), cleaner(log).cleanDirtyLogs(), "nothing is dirty since the last clean");

        Files.delete(checkpoint);
        assertEquals(List.of(0L), cleaner(log).cleanDirtyLogs().stream().map(CleanStats::startOffset).toList(),
                "without its checkpoint, the whole log is dirty");
        log.close();
    }

    @Test
    void cleansInTheBackgroundOnlyOnceTheDirtyRatioIsReached() throws IOException {
        try (PartitionLog log = open(COMPACTED)) {
            writeOverwrites(log, Compression.NONE);
            makeCleanable(log);
            LogCleaner cleaner = cleaner(log);
            long firstDirty = cleaner.cleanLog(log).orElseThrow().endOffset();
            append(log, Compression.NONE, "k1", "x", "k2", "y");
            makeCleanable(log);
            long clean = 0;
            long dirty = 0;
            List<LogSegment> segments = log.segmentsSnapshot();
            for (LogSegment segment : segments.subList(0, segments.size() - 1)) {
                if (segment.baseOffset() < firstDirty) {
                    clean += segment.size();
                } else {
                    dirty += segment.size();
                }
            }
            double ratio = (double) dirty / (clean + dirty);

            log.updateConfig(COMPACTED.with(Map.of("min.cleanable.dirty.ratio", ratio + 0.01)));
            assertEquals(List.of(), cleaner.cleanDirtyLogs());

            log.updateConfig(COMPACTED.with(Map.of("min.cleanable.dirty.ratio", ratio)));
            assertEquals(1, cleaner.cleanDirtyLogs().size());
            assertEquals(latestByOffset(true), read(log));
        }
    }

    @Test
    void readsAndAppendsGoOnWhileTheCleanerSwapsSegments() throws Exception {
        LogConfig config = COMPACTED.with(Map.of("file.delete.delay.ms", 60_000));
        try (PartitionLog log = open(config)) {
            LogCleaner cleaner = cleaner(log);
            Semaphore cleanPasses = new Semaphore(0);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 400; i++) { // record i is at offset i
                    if (i % 50 == 49 && !acquire(cleanPasses)) { // so that cleans and appends interleave
                        throw new AssertionError("the cleaning loop stopped");
                    }
                    appendAsLeader(log, TestRecords.keyedBatch(Compression.NONE, i, "k" + i % 15, "v" + i), 0);
                    log.updateHighWatermark(log.logEndOffset());
                }
            });
            int cleans = 0;
            while (!writer.isDone()) {
                cleans += cleaner.cleanLog(log).isPresent() ? 1 : 0;
                List<KV> read = read(log);
                for (int i = 0; i < read.size(); i++) {
                    long offset = read.get(i).offset();
                    assertEquals(new KV(offset, "k" + offset % 15, "v" + offset), read.get(i));
                    assertTrue(i == 0 || read.get(i - 1).offset() < offset);
                }
                cleanPasses.release();
            }
            writer.get(30, TimeUnit.SECONDS);
            assertTrue(cleans > 0);
            assertEquals(400, log.logEndOffset());
            makeCleanable(log);
            cleaner.cleanLog(log);
            Set<String> keys = new HashSet<>();
            read(log).forEach(kv -> assertTrue(keys.add(kv.key()), "one record per key: " + kv));
            assertEquals(15, keys.size());
        }
    }
}
