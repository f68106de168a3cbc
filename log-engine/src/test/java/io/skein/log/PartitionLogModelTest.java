package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.skein.log.LeaderEpochCache.EpochEndOffset;
import io.skein.log.LeaderEpochCache.EpochEntry;
import io.skein.log.record.TestRecords;
import io.skein.log.record.TestRecords.Rec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random sequences of append, read, truncate, roll, reopen (clean and after a crash), high watermark
 * and log start moves, the passing of time, retention, timestamp and epoch lookups, each checked
 * against a plain in-memory model of the log. The model knows the log's rules (and Kafka's): where
 * segments roll, what truncation and retention remove, so the segments, offsets and contents it
 * expects never come from the log under test. Seeded: a failure names its seed and the operations
 * that led to it.
 */
class PartitionLogModelTest {
    private static final int OPERATIONS = 250;
    /**
     * More batches than a segment of at most 2,400 bytes can hold: the smallest batch here (one record,
     * no key, an empty value) takes more than 61 + 7 bytes.
     */
    private static final int MAX_BATCHES_PER_SEGMENT = 2400 / 68 + 1;

    @TempDir
    Path dir;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    /** A batch as the model remembers it. */
    private record ModelBatch(long baseOffset, List<Rec> records, int sizeInBytes) {
        long lastOffset() {
            return baseOffset + records.size() - 1;
        }

        long maxTimestamp() {
            return records.stream().mapToLong(Rec::timestamp).max().orElseThrow();
        }
    }

    /** A segment: the batches from its base offset on. */
    private record ModelSegment(long baseOffset, List<ModelBatch> batches) {
        ModelSegment(long baseOffset) {
            this(baseOffset, new ArrayList<>());
        }

        long size() {
            return batches.stream().mapToLong(ModelBatch::sizeInBytes).sum();
        }

        /** segment.ms counts from the largest timestamp of the segment's first batch. */
        long rollingBaseTimestamp() {
            return batches.get(0).maxTimestamp();
        }

        /** What retention.ms compares with the clock: the largest timestamp in the segment. */
        long largestTimestamp() {
            return batches.stream().mapToLong(ModelBatch::maxTimestamp).max().orElseThrow();
        }
    }

    /** The model: segments of batches, offsets and epochs, changed by the same operations as the log. */
    private static final class Model {
        final List<ModelSegment> segments = new ArrayList<>(List.of(new ModelSegment(0)));
        final List<EpochEntry> epochs = new ArrayList<>();
        long logStartOffset;
        long logEndOffset;
        long highWatermark;

        List<ModelBatch> batches() {
            return segments.stream().flatMap(segment -> segment.batches().stream()).toList();
        }

        ModelSegment active() {
            return segments.get(segments.size() - 1);
        }

        List<Long> segmentBaseOffsets() {
            return segments.stream().map(ModelSegment::baseOffset).toList();
        }

        long size() {
            return segments.stream().mapToLong(ModelSegment::size).sum();
        }

        /** What a reader sees: batches below the log start offset are still on disk, but unreadable. */
        List<Rec> records() {
            return batches().stream().filter(b -> b.lastOffset() >= logStartOffset)
                    .flatMap(b -> b.records().stream()).toList();
        }

        int latestEpoch() {
            return epochs.isEmpty() ? -1 : epochs.get(epochs.size() - 1).epoch();
        }

        void truncateEpochsFromEnd(long endOffset) {
            epochs.removeIf(e -> e.startOffset() >= endOffset);
        }

        void truncateEpochsFromStart(long startOffset) {
            EpochEntry holding = null;
            for (EpochEntry entry : List.copyOf(epochs)) {
                if (entry.startOffset() <= startOffset) {
                    holding = entry;
                    epochs.remove(entry);
                }
            }
            if (holding != null) {
                epochs.add(0, new EpochEntry(holding.epoch(), startOffset));
            }
        }

        /**
         * An append goes to a new segment if the active one holds anything and would grow past
         * segment.bytes, or if the batch's largest timestamp is more than segment.ms past the active
         * segment's first batch's (the indexes, sized never to fill here, are the other reason).
         */
        void append(ModelBatch batch, LogConfig config) {
            ModelSegment active = active();
            if (!active.batches().isEmpty() && (active.size() + batch.sizeInBytes() > config.segmentBytes()
                    || batch.maxTimestamp() - active.rollingBaseTimestamp() > config.segmentMs())) {
                roll();
            }
            active().batches().add(batch);
            logEndOffset = batch.lastOffset() + 1;
        }

        /** A new active segment at the log end offset, unless the active one is empty. */
        void roll() {
            if (!active().batches().isEmpty()) {
                segments.add(new ModelSegment(logEndOffset));
            }
        }

        /**
         * Removes the batch holding {@code target} and everything after it; below the first segment,
         * the whole log goes and it starts over at {@code target}. Epochs that start at or after the
         * new log end offset go, even when no batch does.
         *
         * @return whether any batch was removed
         */
        boolean truncateTo(long target) {
            if (target >= logEndOffset) {
                truncateEpochsFromEnd(logEndOffset);
                return false;
            }
            if (target < segments.get(0).baseOffset()) {
                truncateFullyAndStartAt(target);
                return true;
            }
            segments.removeIf(segment -> segment.baseOffset() > target);
            ModelSegment last = active();
            last.batches().removeIf(batch -> batch.lastOffset() >= target);
            logEndOffset = last.batches().isEmpty() ? last.baseOffset()
                    : last.batches().get(last.batches().size() - 1).lastOffset() + 1;
            truncateEpochsFromEnd(logEndOffset);
            logStartOffset = Math.min(logStartOffset, logEndOffset);
            highWatermark = Math.min(highWatermark, logEndOffset);
            return true;
        }

        void truncateFullyAndStartAt(long start) {
            segments.clear();
            segments.add(new ModelSegment(start));
            epochs.clear();
            logStartOffset = logEndOffset = highWatermark = start;
        }

        /**
         * Kafka's retention, three passes in this order: segments whose largest timestamp is more than
         * retention.ms old; then the oldest segments for as long as the log keeps at least
         * retention.bytes without them; then segments wholly below the log start offset. A pass stops
         * at the first segment it keeps, at the active segment, and at a segment not wholly below the
         * high watermark. The log start offset moves up to the first segment left.
         *
         * @return how many segments were deleted
         */
        int deleteOldSegments(long nowMs, LogConfig config) {
            int deleted = 0;
            if (config.retentionMs() >= 0) {
                deleted += deleteOldest(segment -> nowMs - segment.largestTimestamp() > config.retentionMs());
            }
            if (config.retentionBytes() >= 0) {
                long[] kept = {size()};
                deleted += deleteOldest(segment -> {
                    if (kept[0] - segment.size() < config.retentionBytes()) {
                        return false;
                    }
                    kept[0] -= segment.size();
                    return true;
                });
            }
            deleted += deleteOldest((segment, next) -> next.baseOffset() <= logStartOffset);
            return deleted;
        }

        private int deleteOldest(Predicate<ModelSegment> breached) {
            return deleteOldest((segment, next) -> breached.test(segment));
        }

        /** Deletes the oldest segments while {@code breached(segment, nextSegment)} holds, within the bounds. */
        private int deleteOldest(BiPredicate<ModelSegment, ModelSegment> breached) {
            int deleted = 0;
            while (deleted < segments.size() - 1 && segments.get(deleted + 1).baseOffset() <= highWatermark
                    && breached.test(segments.get(deleted), segments.get(deleted + 1))) {
                deleted++;
            }
            if (deleted > 0) {
                segments.subList(0, deleted).clear();
                if (segments.get(0).baseOffset() > logStartOffset) {
                    logStartOffset = segments.get(0).baseOffset();
                    truncateEpochsFromStart(logStartOffset);
                }
            }
            return deleted;
        }
    }

    static Stream<Long> seeds() {
        return Stream.iterate(1L, s -> s + 1).limit(40);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void behavesLikeTheModel(long seed) throws IOException {
        Random random = new Random(seed);
        // The indexes hold more entries than a segment can have batches (at most one entry each, plus the
        // time index's final one), so that only segment.bytes and segment.ms roll segments here;
        // PartitionLogTest covers the roll on a full index.
        LogConfig config = LogConfig.fromMap(Map.of(
                "segment.bytes", 400 + random.nextInt(2000),
                "segment.ms", 300 + random.nextInt(1500),
                "index.interval.bytes", random.nextInt(300),
                "segment.index.bytes", 12 * (MAX_BATCHES_PER_SEGMENT + 1 + random.nextInt(30)),
                "file.delete.delay.ms", 0));
        List<String> history = new ArrayList<>();
        Model model = new Model();
        Path logDir = dir.resolve("log-0");
        PartitionLog log = logs.open(logDir, config);
        long startMs = logs.clock.millis();
        int generation = 0;
        int epoch = 0;
        try {
            for (int step = 0; step < OPERATIONS; step++) {
                int choice = random.nextInt(100);
                if (choice < 40) {
                    if (random.nextInt(6) == 0) {
                        epoch++;
                    }
                    history.add("append epoch " + epoch);
                    append(log, model, random, epoch);
                } else if (choice < 53) {
                    read(log, model, random, history);
                } else if (choice < 60) {
                    long target = random.nextInt((int) model.logEndOffset + 3);
                    history.add("truncateTo " + target);
                    assertEquals(model.truncateTo(target), log.truncateTo(target), "whether truncation removed anything");
                } else if (choice < 62) {
                    long start = model.logEndOffset + random.nextInt(5);
                    history.add("truncateFullyAndStartAt " + start);
                    log.truncateFullyAndStartAt(start);
                    model.truncateFullyAndStartAt(start);
                } else if (choice < 66) {
                    history.add("roll");
                    log.roll();
                    model.roll();
                } else if (choice < 70) {
                    history.add("reopen");
                    log = logs.reopen(log);
                } else if (choice < 74) {
                    history.add("crash and recover");
                    Path copy = dir.resolve("log-" + (++generation));
                    LogRecoveryTest.copyDirectory(log.dir(), copy); // what a killed process leaves on disk
                    long recoveryPoint = log.recoveryPoint();
                    long highWatermark = log.highWatermark();
                    log.close();
                    log = PartitionLog.open(copy, TestLogs.TP, config, new LogLoader.Checkpoints(recoveryPoint,
                            model.logStartOffset, highWatermark), false, logs.scheduler, FlushListener.NONE,
                            logs.clock);
                } else if (choice < 81) {
                    long hw = randomBoundary(model, random);
                    history.add("updateHighWatermark " + hw);
                    assertEquals(Math.max(hw, model.logStartOffset), log.updateHighWatermark(hw));
                    model.highWatermark = Math.max(hw, model.logStartOffset);
                } else if (choice < 84) {
                    long start = model.logStartOffset
                            + random.nextInt((int) (model.highWatermark - model.logStartOffset + 1));
                    history.add("maybeIncrementLogStartOffset " + start);
                    log.maybeIncrementLogStartOffset(start);
                    if (start > model.logStartOffset) {
                        model.logStartOffset = start;
                        model.truncateEpochsFromStart(start);
                    }
                } else if (choice < 87) {
                    long elapsedMs = random.nextInt(1500);
                    history.add("time passes " + elapsedMs + " ms");
                    logs.clock.advance(elapsedMs);
                } else if (choice < 91) {
                    retention(log, model, random, history);
                } else if (choice < 96) {
                    long timestamp = startMs - 100 + random.nextInt((int) (logs.clock.millis() - startMs) + 800);
                    history.add("fetchOffsetByTimestamp " + timestamp);
                    Optional<Long> expected = model.records().stream()
                            .filter(r -> r.offset() >= model.logStartOffset && r.timestamp() >= timestamp)
                            .map(Rec::offset).findFirst();
                    assertEquals(expected, log.fetchOffsetByTimestamp(timestamp).map(TimestampAndOffset::offset));
                } else {
                    int asked = random.nextInt(epoch + 2) - 1;
                    history.add("endOffsetForEpoch " + asked);
                    assertEquals(expectedEndOffset(model, asked), log.endOffsetForEpoch(asked));
                }
                check(log, model);
            }
        } catch (AssertionError | RuntimeException e) {
            fail("seed " + seed + " failed after: " + String.join(", ", history), e);
        } finally {
            log.close();
        }
    }

    /** Records with timestamps around the clock's now, some a little ahead of it, as producers' clocks are. */
    private void append(PartitionLog log, Model model, Random random, int epoch) {
        int count = 1 + random.nextInt(5);
        long[] timestamps = new long[count];
        String[] values = new String[count];
        for (int i = 0; i < count; i++) {
            timestamps[i] = logs.clock.millis() - 1000 + random.nextInt(1500);
            values[i] = "x".repeat(random.nextInt(60));
        }
        ByteBuffer batch = TestRecords.batchWithTimestamps(timestamps, values);
        int size = batch.remaining();
        LogAppendInfo info = appendAsLeader(log, batch, epoch);
        assertEquals(model.logEndOffset, info.firstOffset());
        List<Rec> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(new Rec(model.logEndOffset + i, timestamps[i], null, values[i], epoch));
        }
        if (epoch > model.latestEpoch()) {
            // A new epoch replaces any entry starting where it starts: such an epoch holds no record.
            model.epochs.removeIf(e -> e.startOffset() >= model.logEndOffset);
            model.epochs.add(new EpochEntry(epoch, model.logEndOffset));
        }
        model.append(new ModelBatch(model.logEndOffset, records, size), log.config());
    }

    /**
     * A read returns whole batches of the segment holding the first batch it wants, within the budget
     * (at least one if asked), below the bound of its isolation.
     */
    private static void read(PartitionLog log, Model model, Random random, List<String> history) {
        long offset = model.logStartOffset - 1 + random.nextInt((int) (model.logEndOffset - model.logStartOffset + 3));
        int maxBytes = random.nextInt(600);
        FetchIsolation isolation = random.nextBoolean() ? FetchIsolation.LOG_END : FetchIsolation.HIGH_WATERMARK;
        boolean minOneBatch = random.nextBoolean();
        history.add("read " + offset + " " + maxBytes + " " + isolation + " " + minOneBatch);
        if (offset < model.logStartOffset || offset > model.logEndOffset) {
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(offset, maxBytes, isolation, minOneBatch));
            return;
        }
        long bound = isolation == FetchIsolation.HIGH_WATERMARK ? model.highWatermark : model.logEndOffset;
        List<ModelBatch> wanted = model.segments.stream()
                .map(segment -> segment.batches().stream().filter(batch -> batch.lastOffset() >= offset).toList())
                .filter(batches -> !batches.isEmpty()).findFirst().orElse(List.of());
        List<Rec> expected = new ArrayList<>();
        int bytes = 0;
        for (ModelBatch batch : wanted) {
            boolean fits = bytes + batch.sizeInBytes() <= maxBytes || (expected.isEmpty() && minOneBatch);
            if (offset >= bound || batch.lastOffset() >= bound || !fits) {
                break;
            }
            expected.addAll(batch.records());
            bytes += batch.sizeInBytes();
        }
        FileSlice slice = log.read(offset, maxBytes, isolation, minOneBatch);
        assertEquals(bytes, slice.length());
        assertEquals(expected, TestRecords.records(slice).stream().map(r -> new Rec(r.offset(), r.timestamp(), null,
                r.value(), r.leaderEpoch())).toList());
    }

    /** Retention with random retention.ms and retention.bytes (each possibly off), then none again. */
    private void retention(PartitionLog log, Model model, Random random, List<String> history) {
        long retentionMs = random.nextBoolean() ? -1 : random.nextInt(3000);
        long retentionBytes = random.nextBoolean() ? -1 : random.nextInt(3000);
        history.add("retention ms=" + retentionMs + " bytes=" + retentionBytes);
        LogConfig config = log.config().with(Map.of("retention.ms", retentionMs, "retention.bytes", retentionBytes));
        log.updateConfig(config);
        assertEquals(model.deleteOldSegments(logs.clock.millis(), config), log.deleteOldSegments(), "segments deleted");
        log.updateConfig(log.config().with(Map.of("retention.bytes", -1, "retention.ms", -1)));
    }

    private static long randomBoundary(Model model, Random random) {
        List<Long> boundaries = new ArrayList<>();
        boundaries.add(model.logEndOffset);
        model.batches().forEach(batch -> boundaries.add(batch.baseOffset()));
        return boundaries.get(random.nextInt(boundaries.size()));
    }

    private static EpochEndOffset expectedEndOffset(Model model, int asked) {
        if (asked < 0 || model.epochs.isEmpty()) {
            return EpochEndOffset.UNDEFINED;
        }
        if (asked == model.latestEpoch()) {
            return new EpochEndOffset(asked, model.logEndOffset);
        }
        Optional<EpochEntry> higher = model.epochs.stream().filter(e -> e.epoch() > asked).findFirst();
        if (higher.isEmpty()) {
            return EpochEndOffset.UNDEFINED;
        }
        int floor = model.epochs.stream().filter(e -> e.epoch() <= asked).mapToInt(EpochEntry::epoch).max().orElse(asked);
        return new EpochEndOffset(floor, higher.get().startOffset());
    }

    private static void check(PartitionLog log, Model model) {
        assertEquals(model.segmentBaseOffsets(), log.segmentBaseOffsets(), "segments");
        assertEquals(model.size(), log.size(), "bytes");
        assertEquals(model.logEndOffset, log.logEndOffset(), "log end offset");
        assertEquals(model.logStartOffset, log.logStartOffset(), "log start offset");
        assertEquals(model.highWatermark, log.highWatermark(), "high watermark");
        assertEquals(model.epochs, log.leaderEpochCache().entries(), "leader epochs");
        List<Rec> all = TestLogs.readAll(log).stream()
                .map(r -> new Rec(r.offset(), r.timestamp(), null, r.value(), r.leaderEpoch())).toList();
        assertEquals(model.records(), all, "log contents");
    }
}
