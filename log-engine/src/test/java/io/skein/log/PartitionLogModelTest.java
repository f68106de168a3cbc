package io.skein.log;

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
import java.util.stream.Stream;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random sequences of append, read, truncate, roll, reopen (clean and after a crash), high watermark
 * and log start moves, retention, timestamp and epoch lookups, each checked against a plain in-memory
 * model of the log. Seeded: a failure names its seed and the operations that led to it.
 */
class PartitionLogModelTest {
    private static final int OPERATIONS = 250;

    @TempDir
    Path dir;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    /** A batch as the model remembers it. */
    private record ModelBatch(long baseOffset, List<Rec> records, int sizeInBytes) {
        long lastOffset() {
            return baseOffset + records.size() - 1;
        }
    }

    /** The model: batches, offsets and epochs, changed by the same operations as the log. */
    private static final class Model {
        final List<ModelBatch> batches = new ArrayList<>();
        final List<EpochEntry> epochs = new ArrayList<>();
        long logStartOffset;
        long logEndOffset;
        long highWatermark;

        /** What a reader sees: batches below the log start offset are still on disk, but unreadable. */
        List<Rec> records() {
            return batches.stream().filter(b -> b.lastOffset() >= logStartOffset)
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
    }

    static Stream<Long> seeds() {
        return Stream.iterate(1L, s -> s + 1).limit(40);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void behavesLikeTheModel(long seed) throws IOException {
        Random random = new Random(seed);
        LogConfig config = LogConfig.fromMap(Map.of(
                "segment.bytes", 400 + random.nextInt(2000),
                "index.interval.bytes", random.nextInt(300),
                "segment.index.bytes", 24 + 8 * random.nextInt(30),
                "file.delete.delay.ms", 0));
        List<String> history = new ArrayList<>();
        Model model = new Model();
        Path logDir = dir.resolve("log-0");
        PartitionLog log = logs.open(logDir, config);
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
                } else if (choice < 55) {
                    read(log, model, random, history);
                } else if (choice < 62) {
                    long target = random.nextInt((int) model.logEndOffset + 3);
                    history.add("truncateTo " + target);
                    truncate(log, model, target);
                } else if (choice < 64) {
                    long start = model.logEndOffset + random.nextInt(5);
                    history.add("truncateFullyAndStartAt " + start);
                    log.truncateFullyAndStartAt(start);
                    model.batches.clear();
                    model.epochs.clear();
                    model.logStartOffset = model.logEndOffset = model.highWatermark = start;
                } else if (choice < 68) {
                    history.add("roll");
                    log.roll();
                } else if (choice < 72) {
                    history.add("reopen");
                    log = logs.reopen(log);
                } else if (choice < 76) {
                    history.add("crash and recover");
                    Path copy = dir.resolve("log-" + (++generation));
                    LogRecoveryTest.copyDirectory(log.dir(), copy); // what a killed process leaves on disk
                    long recoveryPoint = log.recoveryPoint();
                    long highWatermark = log.highWatermark();
                    log.close();
                    log = PartitionLog.open(copy, TestLogs.TP, config, new LogLoader.Checkpoints(recoveryPoint,
                            model.logStartOffset, highWatermark), false, logs.scheduler, logs.clock);
                } else if (choice < 84) {
                    long hw = randomBoundary(model, random);
                    history.add("updateHighWatermark " + hw);
                    assertEquals(Math.max(hw, model.logStartOffset), log.updateHighWatermark(hw));
                    model.highWatermark = Math.max(hw, model.logStartOffset);
                } else if (choice < 87) {
                    long start = model.logStartOffset
                            + random.nextInt((int) (model.highWatermark - model.logStartOffset + 1));
                    history.add("maybeIncrementLogStartOffset " + start);
                    log.maybeIncrementLogStartOffset(start);
                    if (start > model.logStartOffset) {
                        model.logStartOffset = start;
                        model.truncateEpochsFromStart(start);
                    }
                } else if (choice < 91) {
                    history.add("retention");
                    retention(log, model, random);
                } else if (choice < 96) {
                    long timestamp = random.nextInt(1200);
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

    private static void append(PartitionLog log, Model model, Random random, int epoch) {
        int count = 1 + random.nextInt(5);
        long[] timestamps = new long[count];
        String[] values = new String[count];
        for (int i = 0; i < count; i++) {
            timestamps[i] = random.nextInt(1000);
            values[i] = "x".repeat(random.nextInt(60));
        }
        ByteBuffer batch = TestRecords.batchWithTimestamps(timestamps, values);
        int size = batch.remaining();
        LogAppendInfo info = log.appendAsLeader(batch, epoch);
        assertEquals(model.logEndOffset, info.firstOffset());
        List<Rec> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(new Rec(model.logEndOffset + i, timestamps[i], null, values[i], epoch));
        }
        if (epoch > model.latestEpoch()) {
            model.epochs.add(new EpochEntry(epoch, model.logEndOffset));
        }
        model.batches.add(new ModelBatch(model.logEndOffset, records, size));
        model.logEndOffset += count;
    }

    /** A read's result is fully determined by the batches, the segment boundaries and the bounds. */
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
        List<Long> segmentBases = log.segmentBaseOffsets();
        List<Rec> expected = new ArrayList<>();
        int bytes = 0;
        long segmentEnd = Long.MAX_VALUE;
        for (ModelBatch batch : model.batches) {
            if (batch.lastOffset() < offset) {
                continue;
            }
            if (expected.isEmpty()) {
                segmentEnd = segmentBases.stream().filter(base -> base > batch.baseOffset()).findFirst().orElse(Long.MAX_VALUE);
            }
            boolean fits = bytes + batch.sizeInBytes() <= maxBytes || (expected.isEmpty() && minOneBatch);
            if (offset >= bound || batch.lastOffset() >= bound || batch.baseOffset() >= segmentEnd || !fits) {
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

    private static void truncate(PartitionLog log, Model model, long target) {
        boolean changed = log.truncateTo(target);
        assertEquals(target < model.logEndOffset, changed);
        if (!changed) {
            return;
        }
        model.batches.removeIf(batch -> batch.lastOffset() >= target);
        if (target < log.segmentBaseOffsets().get(0) && model.batches.isEmpty() && log.logEndOffset() == target) {
            model.epochs.clear(); // the whole log went: it starts over at the target
            model.logStartOffset = model.logEndOffset = model.highWatermark = target;
            return;
        }
        model.logEndOffset = model.batches.isEmpty() ? log.segmentBaseOffsets().get(0)
                : model.batches.get(model.batches.size() - 1).lastOffset() + 1;
        model.truncateEpochsFromEnd(model.logEndOffset);
        model.logStartOffset = Math.min(model.logStartOffset, model.logEndOffset);
        model.highWatermark = Math.min(model.highWatermark, model.logEndOffset);
    }

    /** Retention deletes whole leading segments below the high watermark and moves the log start to the next. */
    private void retention(PartitionLog log, Model model, Random random) {
        if (random.nextBoolean()) {
            log.updateConfig(log.config().with(Map.of("retention.bytes", random.nextInt(3000))));
        } else {
            log.updateConfig(log.config().with(Map.of("retention.bytes", -1, "retention.ms", 3_600_000)));
        }
        List<Long> before = log.segmentBaseOffsets();
        int deleted = log.deleteOldSegments();
        List<Long> after = log.segmentBaseOffsets();
        assertEquals(before.subList(deleted, before.size()), after);
        assertTrue(after.get(0) <= Math.max(model.highWatermark, before.get(0)), "never past the high watermark");
        if (deleted > 0) {
            model.logStartOffset = Math.max(model.logStartOffset, after.get(0));
            model.truncateEpochsFromStart(model.logStartOffset);
        }
        model.batches.removeIf(batch -> batch.baseOffset() < after.get(0));
        log.updateConfig(log.config().with(Map.of("retention.bytes", -1, "retention.ms", -1)));
    }

    private static long randomBoundary(Model model, Random random) {
        List<Long> boundaries = new ArrayList<>();
        boundaries.add(model.logEndOffset);
        model.batches.forEach(batch -> boundaries.add(batch.baseOffset()));
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
        assertEquals(model.logEndOffset, log.logEndOffset(), "log end offset");
        assertEquals(model.logStartOffset, log.logStartOffset(), "log start offset");
        assertEquals(model.highWatermark, log.highWatermark(), "high watermark");
        assertEquals(model.epochs, log.leaderEpochCache().entries(), "leader epochs");
        List<Rec> all = TestLogs.readAll(log).stream()
                .map(r -> new Rec(r.offset(), r.timestamp(), null, r.value(), r.leaderEpoch())).toList();
        assertEquals(model.records(), all, "log contents");
    }
}
