package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static io.skein.log.record.TestRecords.batch;
import static io.skein.log.record.TestRecords.batches;
import static io.skein.log.record.TestRecords.concat;
import static io.skein.log.record.TestRecords.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.LeaderEpochCache.EpochEndOffset;
import io.skein.log.LeaderEpochCache.EpochEntry;
import io.skein.log.record.TestRecords;
import io.skein.log.record.TestRecords.Rec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    @Test
    void leaderAppendAssignsOffsetsAndStampsTheEpoch() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            LogAppendInfo first = appendAsLeader(log, batch(1000, "a", "b", "c"), 5);
            LogAppendInfo second = appendAsLeader(log, concat(batch(2000, "d"), batch(3000, "e", "f")), 5);

            assertEquals(0, first.firstOffset());
            assertEquals(2, first.lastOffset());
            assertEquals(3, second.firstOffset());
            assertEquals(5, second.lastOffset());
            assertEquals(3001, second.maxTimestamp());
            assertEquals(5, second.offsetOfMaxTimestamp());
            assertEquals(6, log.logEndOffset());
            List<Rec> all = TestLogs.readAll(log);
            assertEquals(List.of("a", "b", "c", "d", "e", "f"), all.stream().map(Rec::value).toList());
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), all.stream().map(Rec::offset).toList());
            assertTrue(all.stream().allMatch(r -> r.leaderEpoch() == 5));
            assertEquals(List.of(new EpochEntry(5, 0)), log.leaderEpochCache().entries());
        }
    }

    @Test
    void batchHeadersAreVisitedFromTheBatchHoldingAnOffsetAcrossSegments() throws IOException {
        try (PartitionLog log = logs.open(dir, TestLogs.smallSegments(200))) {
            for (int i = 0; i < 6; i++) {
                appendAsLeader(log, batch(1000 + i, "v" + i, "w" + i), 1);
            }
            assertTrue(log.numberOfSegments() > 1, "expected rolled segments");
            List<Long> baseOffsets = new ArrayList<>();
            log.forEachBatchHeader(5, batch -> baseOffsets.add(batch.baseOffset()));
            assertEquals(List.of(4L, 6L, 8L, 10L), baseOffsets);
            List<Long> all = new ArrayList<>();
            log.forEachBatchHeader(0, batch -> all.add(batch.baseOffset()));
            assertEquals(List.of(0L, 2L, 4L, 6L, 8L, 10L), all);
        }
    }

    @Test
    void theTopicIdSurvivesAReopen() throws IOException {
        UUID id = UUID.randomUUID();
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            assertEquals(Optional.empty(), log.topicId());
            log.assignTopicId(id);
        }
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            assertEquals(Optional.of(id), log.topicId());
        }
    }

    @Test
    void compressedBatchesAreValidatedAndStoredVerbatim() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            for (Compression compression : List.of(Compression.gzip().build(), Compression.snappy().build(),
                    Compression.lz4().build(), Compression.zstd().build())) {
                appendAsLeader(log, TestRecords.batch(compression, 10, "x", "y"), 0);
            }
            assertEquals(8, log.logEndOffset());
            assertEquals(8, TestLogs.readAll(log).size());
        }
    }

    @Test
    void followerKeepsTheLeadersOffsetsAndEpochs() throws IOException {
        try (PartitionLog leader = logs.open(dir.resolve("leader"), LogConfig.DEFAULT);
             PartitionLog follower = logs.open(dir.resolve("follower"), LogConfig.DEFAULT)) {
            appendAsLeader(leader, batch(1, "a", "b"), 1);
            appendAsLeader(leader, batch(2, "c"), 2);
            ByteBuffer fetched = TestRecords.bytes(leader.read(0, Integer.MAX_VALUE, FetchIsolation.LOG_END, true));

            LogAppendInfo info = follower.appendAsFollower(fetched);

            assertEquals(0, info.firstOffset());
            assertEquals(2, info.lastOffset());
            assertEquals(TestLogs.readAll(leader), TestLogs.readAll(follower));
            assertEquals(List.of(new EpochEntry(1, 0), new EpochEntry(2, 2)), follower.leaderEpochCache().entries());
        }
    }

    /**
     * A replica led epoch 3 and was deposed before its first append; the new leader's log goes on past
     * this replica's end with batches of epoch 1. Truncating to the log end (nothing to cut) must drop
     * epoch 3, or the older epoch's batches are refused for good.
     */
    @Test
    void truncatingToTheLogEndDropsAnEpochThatStartedThereWithoutBatches() throws IOException {
        try (PartitionLog leader = logs.open(dir.resolve("leader"), LogConfig.DEFAULT);
             PartitionLog deposed = logs.open(dir.resolve("deposed"), LogConfig.DEFAULT)) {
            appendAsLeader(leader, batch(1, "a", "b"), 1);
            deposed.appendAsFollower(TestRecords.bytes(leader.read(0, Integer.MAX_VALUE, FetchIsolation.LOG_END, true)));
            appendAsLeader(leader, batch(2, "c"), 1);
            deposed.assignEpochStartOffset(3, deposed.logEndOffset());

            assertFalse(deposed.truncateTo(2));

            assertEquals(List.of(new EpochEntry(1, 0)), deposed.leaderEpochCache().entries());
            deposed.appendAsFollower(TestRecords.bytes(leader.read(2, Integer.MAX_VALUE, FetchIsolation.LOG_END, true)));
            assertEquals(TestLogs.readAll(leader), TestLogs.readAll(deposed));
        }
    }

    @Test
    void followerRejectsOffsetsBelowItsLogEndButTakesGapsACleanerLeft() throws IOException {
        try (PartitionLog leader = logs.open(dir.resolve("leader"), LogConfig.DEFAULT);
             PartitionLog follower = logs.open(dir.resolve("follower"), LogConfig.DEFAULT)) {
            appendAsLeader(leader, batch(1, "a", "b"), 1);
            appendAsLeader(leader, batch(2, "c"), 1);
            appendAsLeader(leader, batch(3, "d"), 1);
            follower.appendAsFollower(TestRecords.bytes(leader.read(0, 1, FetchIsolation.LOG_END, true)));

            UnexpectedAppendOffsetException repeated = assertThrows(UnexpectedAppendOffsetException.class,
                    () -> follower.appendAsFollower(TestRecords.bytes(leader.read(0, 1, FetchIsolation.LOG_END, true))));
            assertEquals(2, repeated.expectedOffset());
            assertEquals(0, repeated.actualOffset());
            ByteBuffer outOfOrder = concat(TestRecords.bytes(leader.read(3, 1, FetchIsolation.LOG_END, true)),
                    TestRecords.bytes(leader.read(2, 1, FetchIsolation.LOG_END, true)));
            assertThrows(UnexpectedAppendOffsetException.class, () -> follower.appendAsFollower(outOfOrder));
            assertEquals(2, follower.logEndOffset());

            ByteBuffer gap = TestRecords.bytes(leader.read(3, 1, FetchIsolation.LOG_END, true));
            follower.appendAsFollower(gap);
            assertEquals(4, follower.logEndOffset());
            assertEquals(List.of(0L, 1L, 3L), TestLogs.readAll(follower).stream().map(Rec::offset).toList());
        }
    }

    @Test
    void badInputIsRejectedWithATypedErrorAndLeavesTheLogUntouched() throws IOException {
        LogConfig config = LogConfig.fromMap(Map.of("max.message.bytes", 200, "segment.bytes", 1000));
        try (PartitionLog log = logs.open(dir, config)) {
            appendAsLeader(log, batch(1, "kept"), 0);
            long sizeBefore = log.size();

            ByteBuffer flipped = batch(1, "hello");
            flipped.put(flipped.limit() - 1, (byte) (flipped.get(flipped.limit() - 1) ^ 1));
            assertThrows(CorruptRecordException.class, () -> appendAsLeader(log, flipped, 0));

            ByteBuffer torn = batch(1, "hello").limit(40);
            assertThrows(CorruptRecordException.class, () -> appendAsLeader(log, torn.slice(), 0));
            ByteBuffer tornTail = concat(batch(1, "ok"), batch(1, "cut short").limit(30));
            assertThrows(CorruptRecordException.class, () -> appendAsLeader(log, tornTail, 0));
            ByteBuffer shortTail = concat(batch(1, "ok"), ByteBuffer.wrap(new byte[10]));
            assertThrows(CorruptRecordException.class, () -> appendAsLeader(log, shortTail, 0));

            ByteBuffer magic1 = batch(1, "hello");
            magic1.put(16, (byte) 1);
            assertThrows(InvalidRecordException.class, () -> appendAsLeader(log, magic1, 0));

            assertThrows(RecordTooLargeException.class,
                    () -> appendAsLeader(log, batch(1, "x".repeat(300)), 0));
            assertThrows(RecordBatchTooLargeException.class, () -> appendAsLeader(log,
                    concat(batch(1, "x".repeat(150)), batch(1, "y".repeat(150)), batch(1, "z".repeat(150)),
                            batch(1, "w".repeat(150)), batch(1, "v".repeat(150)), batch(1, "u".repeat(150))), 0));

            ByteBuffer countMismatch = withRecordCount(batch(1, "a", "b"), 3);
            assertThrows(InvalidRecordException.class, () -> appendAsLeader(log, countMismatch, 0));

            ByteBuffer control = batch(1, "a");
            control.putShort(21, (short) (control.getShort(21) | 0x20));
            fixCrc(control);
            assertThrows(InvalidRecordException.class, () -> appendAsLeader(log, control, 0));

            assertEquals(1, log.logEndOffset());
            assertEquals(sizeBefore, log.size());
            assertEquals(List.of("kept"), TestLogs.readAll(log).stream().map(Rec::value).toList());
        }
    }

    @Test
    void recordsThatDisagreeWithTheirBatchAreInvalid() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            // record 1's offset delta (its 4th byte: length, attributes, timestamp delta, offset delta) made 5
            ByteBuffer wrongDelta = batch(1, "a", "b");
            int second = 61 + 1 + wrongDelta.get(61) / 2; // first record: varint length + body
            wrongDelta.put(second + 3, (byte) (5 << 1));
            fixCrc(wrongDelta);
            InvalidRecordException e = assertThrows(InvalidRecordException.class, () -> appendAsLeader(log, wrongDelta, 0));
            assertTrue(e.getMessage().contains("offset delta"), e.getMessage());

            ByteBuffer overlong = batch(1, "a");
            overlong.put(61, (byte) 0x7e); // record length 63: past the batch end
            fixCrc(overlong);
            assertThrows(InvalidRecordException.class, () -> appendAsLeader(log, overlong, 0));
            assertEquals(0, log.logEndOffset());
        }
    }

    @Test
    void wrongMaxTimestampIsCorrectedAsKafkaDoes() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            ByteBuffer batch = batch(5000, "a", "b");
            batch.putLong(35, 1);
            fixCrc(batch);

            LogAppendInfo info = appendAsLeader(log, batch, 0);

            assertEquals(5001, info.maxTimestamp());
            assertEquals(5001, log.fetchOffsetByTimestamp(PartitionLog.MAX_TIMESTAMP).orElseThrow().timestamp());
        }
    }

    @Test
    void readsReturnWholeBatchesWithinTheBudgetAndAtLeastOne() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            for (int i = 0; i < 10; i++) {
                appendAsLeader(log, batch(i, "v" + i, "w" + i), 0);
            }
            int batchSize = batches(log.read(0, Integer.MAX_VALUE, FetchIsolation.LOG_END, true)).get(0).sizeInBytes();

            FileSlice threeAndABit = log.read(0, 3 * batchSize + batchSize / 2, FetchIsolation.LOG_END, true);
            assertEquals(3 * batchSize, threeAndABit.length());
            assertEquals(6, records(threeAndABit).size());

            FileSlice fromMiddleOfBatch = log.read(5, 2 * batchSize, FetchIsolation.LOG_END, true);
            assertEquals(4, records(fromMiddleOfBatch).get(0).offset());

            FileSlice oversized = log.read(0, 1, FetchIsolation.LOG_END, true);
            assertEquals(batchSize, oversized.length());
            assertTrue(log.read(0, 1, FetchIsolation.LOG_END, false).isEmpty());

            assertTrue(log.read(20, 100, FetchIsolation.LOG_END, true).isEmpty());
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(21, 100, FetchIsolation.LOG_END, true));
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(-1, 100, FetchIsolation.LOG_END, true));
        }
    }

    @Test
    void consumersReadUpToTheHighWatermarkAndFollowersToTheLogEnd() throws IOException {
        try (PartitionLog log = logs.open(dir, TestLogs.smallSegments(300))) {
            for (int i = 0; i < 12; i++) {
                appendAsLeader(log, batch(i, "v" + i), 0);
            }
            assertTrue(log.numberOfSegments() > 2);

            assertEquals(0, log.highWatermark());
            assertTrue(log.read(0, Integer.MAX_VALUE, FetchIsolation.HIGH_WATERMARK, true).isEmpty());

            assertEquals(7, log.updateHighWatermark(7));
            List<Long> visible = Stream.iterate(0L, o -> o < 12, o -> o + 1)
                    .flatMap(o -> records(log.read(o, Integer.MAX_VALUE, FetchIsolation.HIGH_WATERMARK, true)).stream())
                    .map(Rec::offset).distinct().toList();
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L), visible);
            List<Rec> firstSegment = records(log.read(0, Integer.MAX_VALUE, FetchIsolation.LOG_END, true));
            assertEquals(log.segmentBaseOffsets().get(1), firstSegment.size(), "a read stops at its segment's end");
            assertEquals(12, TestLogs.readAll(log).size());
            assertEquals(12, log.updateHighWatermark(100));
        }
    }

    @Test
    void rollsOnSegmentBytesSegmentMsAndAFullIndex() throws IOException {
        try (PartitionLog bySize = logs.open(dir.resolve("size"), TestLogs.smallSegments(200))) {
            for (int i = 0; i < 6; i++) {
                appendAsLeader(bySize, batch(i, "0123456789"), 0);
            }
            assertEquals(List.of(0L, 2L, 4L), bySize.segmentBaseOffsets());
        }
        LogConfig hourly = LogConfig.fromMap(Map.of("segment.ms", 3_600_000));
        try (PartitionLog byTime = logs.open(dir.resolve("time"), hourly)) {
            long start = logs.clock.millis() - 3_600_001; // the last record is now: no further (message.timestamp.after.max.ms)
            appendAsLeader(byTime, batch(start, "a"), 0);
            appendAsLeader(byTime, batch(start + 3_600_000, "b"), 0);
            appendAsLeader(byTime, batch(start + 3_600_001, "c"), 0);
            assertEquals(List.of(0L, 2L), byTime.segmentBaseOffsets());
        }
        LogConfig tinyIndex = LogConfig.fromMap(Map.of("segment.index.bytes", 24, "index.interval.bytes", 1));
        try (PartitionLog byIndex = logs.open(dir.resolve("index"), tinyIndex)) {
            for (int i = 0; i < 10; i++) {
                appendAsLeader(byIndex, batch(i, "x"), 0);
            }
            // A 24-byte time index has two slots, one kept for the entry a segment gets when it rolls (as
            // Kafka's). An entry goes in after every batch but a segment's first: the second batch fills
            // the index, and the third rolls.
            assertEquals(List.of(0L, 2L, 4L, 6L, 8L), byIndex.segmentBaseOffsets());
            assertEquals(10, TestLogs.readAll(byIndex).size());
        }
    }

    @Test
    void findsOffsetsByTimestampAcrossSegments() throws IOException {
        try (PartitionLog log = logs.open(dir, TestLogs.smallSegments(250))) {
            appendAsLeader(log, TestRecords.batchWithTimestamps(new long[] {100, 300, 200}, "a", "b", "c"), 0);
            appendAsLeader(log, TestRecords.batchWithTimestamps(new long[] {250, 400}, "d", "e"), 1);
            appendAsLeader(log, TestRecords.batchWithTimestamps(new long[] {500}, "f"), 1);
            appendAsLeader(log, TestRecords.batchWithTimestamps(new long[] {450}, "g"), 1);
            assertTrue(log.numberOfSegments() > 1);

            assertEquals(0, log.fetchOffsetByTimestamp(50).orElseThrow().offset());
            assertEquals(1, log.fetchOffsetByTimestamp(250).orElseThrow().offset(), "first record with ts >= 250");
            assertEquals(4, log.fetchOffsetByTimestamp(301).orElseThrow().offset());
            TimestampAndOffset five = log.fetchOffsetByTimestamp(450).orElseThrow();
            assertEquals(new TimestampAndOffset(500, 5, 1), five);
            assertTrue(log.fetchOffsetByTimestamp(501).isEmpty());
            assertEquals(new TimestampAndOffset(500, 5, 1), log.fetchOffsetByTimestamp(PartitionLog.MAX_TIMESTAMP).orElseThrow());
            assertEquals(new TimestampAndOffset(-1, 0, 0), log.fetchOffsetByTimestamp(PartitionLog.EARLIEST_TIMESTAMP).orElseThrow());
            assertEquals(new TimestampAndOffset(-1, 7, 1), log.fetchOffsetByTimestamp(PartitionLog.LATEST_TIMESTAMP).orElseThrow());

            PartitionLog reopened = logs.reopen(log);
            assertEquals(1, reopened.fetchOffsetByTimestamp(250).orElseThrow().offset());
            assertEquals(5, reopened.fetchOffsetByTimestamp(PartitionLog.MAX_TIMESTAMP).orElseThrow().offset());
            reopened.close();
        }
    }

    @Test
    void truncationCutsAtBatchBoundariesAndTheEpochCacheWithIt() throws IOException {
        try (PartitionLog log = logs.open(dir, TestLogs.smallSegments(300))) {
            appendAsLeader(log, batch(1, "a", "b"), 1);  // 0-1
            appendAsLeader(log, batch(2, "c"), 1);       // 2
            appendAsLeader(log, batch(3, "d", "e"), 2);  // 3-4
            appendAsLeader(log, batch(4, "f"), 3);       // 5
            appendAsLeader(log, batch(5, "g"), 3);       // 6
            log.updateHighWatermark(7);
            assertTrue(log.numberOfSegments() > 1);

            assertTrue(log.truncateTo(4)); // inside batch 3-4: the whole batch goes

            assertEquals(3, log.logEndOffset());
            assertEquals(3, log.highWatermark());
            assertEquals(List.of("a", "b", "c"), TestLogs.readAll(log).stream().map(Rec::value).toList());
            assertEquals(List.of(new EpochEntry(1, 0)), log.leaderEpochCache().entries());
            assertEquals(new EpochEndOffset(1, 3), log.endOffsetForEpoch(1));
            assertEquals(EpochEndOffset.UNDEFINED, log.endOffsetForEpoch(2));
            assertFalse(log.truncateTo(10));

            appendAsLeader(log, batch(6, "h"), 4);
            assertEquals(List.of("a", "b", "c", "h"), TestLogs.readAll(log).stream().map(Rec::value).toList());
            assertEquals(new EpochEndOffset(1, 3), log.endOffsetForEpoch(2));

            log.truncateFullyAndStartAt(50);
            assertEquals(50, log.logStartOffset());
            assertEquals(50, log.logEndOffset());
            assertEquals(List.of(50L), log.segmentBaseOffsets());
            assertTrue(log.leaderEpochCache().entries().isEmpty());
            appendAsLeader(log, batch(7, "i"), 5);
            assertEquals(List.of(new Rec(50, 7, "k0", "i", 5)), TestLogs.readAll(log));
        }
    }

    @Test
    void staleLeaderEpochsAreFenced() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, batch(1, "a"), 3);
            assertThrows(FencedLeaderEpochException.class, () -> appendAsLeader(log, batch(1, "b"), 2));
            log.assignEpochStartOffset(4, log.logEndOffset());
            assertEquals(new EpochEndOffset(3, 1), log.endOffsetForEpoch(3));
            assertEquals(1, log.logEndOffset());
        }
    }

    @Test
    void retentionByTimeUsesTheLargestTimestampAndNeverTheActiveSegment() throws IOException {
        LogConfig config = TestLogs.smallSegments(200).with(Map.of("retention.ms", 60_000));
        try (PartitionLog log = logs.open(dir, config)) {
            long now = logs.clock.millis();
            for (int i = 0; i < 6; i++) {
                appendAsLeader(log, batch(now + i * 1000, "0123456789"), 0);
            }
            log.updateHighWatermark(log.logEndOffset());
            assertEquals(List.of(0L, 2L, 4L), log.segmentBaseOffsets());
            assertEquals(0, log.deleteOldSegments());

            logs.clock.advance(60_000 + 1_500); // past the first segment's largest timestamp (now + 1000)
            assertEquals(1, log.deleteOldSegments());
            assertEquals(List.of(2L, 4L), log.segmentBaseOffsets());
            assertEquals(2, log.logStartOffset());

            logs.clock.advance(1_000_000);
            assertEquals(1, log.deleteOldSegments());
            assertEquals(List.of(4L), log.segmentBaseOffsets(), "the active segment stays");
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, 100, FetchIsolation.LOG_END, true));
            assertEquals(4, records(log.read(4, 1000, FetchIsolation.LOG_END, true)).get(0).offset());
        }
    }

    @Test
    void retentionBySizeKeepsAtLeastRetentionBytesAndRespectsTheHighWatermark() throws IOException {
        try (PartitionLog log = logs.open(dir, TestLogs.smallSegments(200))) {
            for (int i = 0; i < 8; i++) {
                appendAsLeader(log, batch(logs.clock.millis(), "0123456789"), 0);
            }
            long segmentSize = log.size() / 4;
            log.updateConfig(log.config().with(Map.of("retention.bytes", 2 * segmentSize + 1)));

            assertEquals(0, log.deleteOldSegments(), "nothing below the high watermark yet");
            log.updateHighWatermark(log.logEndOffset());
            assertEquals(1, log.deleteOldSegments());
            assertEquals(3 * segmentSize, log.size());
            assertEquals(2, log.logStartOffset());
        }
    }

    @Test
    void deletedSegmentsAreRenamedFirstAndRemovedAfterTheDelay() throws IOException {
        LogConfig config = TestLogs.smallSegments(200).with(Map.of("file.delete.delay.ms", 3_600_000));
        try (PartitionLog log = logs.open(dir, config)) {
            for (int i = 0; i < 4; i++) {
                appendAsLeader(log, batch(i, "0123456789"), 0);
            }
            log.updateHighWatermark(log.logEndOffset());
            log.maybeIncrementLogStartOffset(2);
            assertEquals(2, log.logStartOffset());

            assertEquals(1, log.deleteOldSegments());

            assertFalse(Files.exists(dir.resolve("00000000000000000000.log")));
            assertTrue(Files.exists(dir.resolve("00000000000000000000.log.deleted")));
            assertTrue(Files.exists(dir.resolve("00000000000000000000.index.deleted")));
            assertThrows(OffsetOutOfRangeException.class, () -> log.maybeIncrementLogStartOffset(5));
        }
        try (PartitionLog reopened = logs.open(dir, config)) {
            assertFalse(Files.exists(dir.resolve("00000000000000000000.log.deleted")), "cleaned up at the next start");
            assertEquals(List.of(2L), reopened.segmentBaseOffsets());
        }
    }

    @Test
    void flushMessagesOneMakesEveryAppendDurableBeforeItReturns() throws IOException {
        LogConfig config = LogConfig.fromMap(Map.of("flush.messages", 1));
        try (PartitionLog everyAppend = logs.open(dir.resolve("sync"), config);
             PartitionLog osDefault = logs.open(dir.resolve("default"), LogConfig.DEFAULT)) {
            for (int i = 1; i <= 3; i++) {
                appendAsLeader(everyAppend, batch(i, "a"), 0);
                appendAsLeader(osDefault, batch(i, "a"), 0);
                assertEquals(i, everyAppend.recoveryPoint());
                assertEquals(0, osDefault.recoveryPoint());
            }
        }
    }

    @Test
    void pipelinedAsyncAppendsCompleteOnceOnDiskAndShareFsyncs() throws Exception {
        LogConfig config = LogConfig.fromMap(Map.of("flush.messages", 1));
        try (PartitionLog log = logs.open(dir, config)) {
            // The flusher runs on the log's scheduler thread: held up there, it finds all 50 appends waiting.
            CountDownLatch release = new CountDownLatch(1);
            logs.scheduler.execute(() -> awaitQuietly(release));
            long flushesBefore = log.flushCount();
            List<LeaderAppendResult> appends = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                appends.add(log.appendAsLeader(batch(i, "v" + i), 0));
            }
            assertTrue(appends.stream().noneMatch(a -> a.flushed().isDone()), "acknowledged before any fsync");
            release.countDown();
            for (LeaderAppendResult append : appends) {
                append.flushed().get(30, TimeUnit.SECONDS);
                assertTrue(log.recoveryPoint() > append.info().lastOffset(), "on disk before the future completes");
            }
            assertEquals(50, log.recoveryPoint());
            assertEquals(1, log.flushCount() - flushesBefore, "one fsync covered the 50 appends waiting for it");
        }
        try (PartitionLog noPolicy = logs.open(dir.resolve("default"), LogConfig.DEFAULT)) {
            assertTrue(noPolicy.appendAsLeader(batch(1, "a"), 0).flushed().isDone(), "nothing to wait for");
            assertEquals(0, noPolicy.recoveryPoint());
        }
    }

    @Test
    void theFlushListenerHearsEverySegmentFsyncWithItsTime() throws Exception {
        LogConfig config = LogConfig.fromMap(Map.of("flush.messages", 1));
        try (PartitionLog log = logs.open(dir, config)) {
            for (int i = 0; i < 5; i++) {
                appendAsLeader(log, batch(i, "v" + i), 0); // waits for the fsync it asked for
            }
            assertEquals(5, logs.fsyncs.sum(), "each append waited for one fsync of the active segment");
            assertTrue(logs.fsyncNanos.sum() > 0, "an fsync takes time: " + logs.fsyncNanos.sum() + " ns");
            log.roll();
            logs.scheduler.submit(() -> { }).get(30, TimeUnit.SECONDS); // the roll's flush, queued before, is done
            assertEquals(6, logs.fsyncs.sum(), "the rolled segment, with its indexes, once more; "
                    + "everything below the new segment was already durable");
        }
    }

    @Test
    void aRejectedAppendThrowsAndWritesNothing() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            ByteBuffer corrupt = batch(1, "a");
            corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 1));
            assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(corrupt, 0));
            assertEquals(0, log.logEndOffset());
            assertEquals(0, log.size());
        }
    }

    @Test
    void aFlushWaiterWhoseAppendIsTruncatedAwayFails() throws Exception {
        LogConfig config = LogConfig.fromMap(Map.of("flush.messages", 1));
        try (PartitionLog log = logs.open(dir, config)) {
            appendAsLeader(log, batch(1, "durable"), 0);
            CountDownLatch release = new CountDownLatch(1);
            logs.scheduler.execute(() -> awaitQuietly(release)); // the flusher queues behind this

            CompletableFuture<Void> pending = log.appendAsLeader(batch(2, "cut"), 0).flushed();
            assertFalse(pending.isDone());
            log.truncateTo(1);
            release.countDown();

            ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof org.apache.kafka.common.errors.KafkaStorageException, e.toString());
            assertEquals(1, log.logEndOffset());
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void reopeningKeepsOffsetsEpochsAndIndexes() throws IOException {
        PartitionLog log = logs.open(dir, TestLogs.smallSegments(400));
        for (int i = 0; i < 20; i++) {
            appendAsLeader(log, batch(i, "v" + i, "w" + i), i / 5);
        }
        log.updateHighWatermark(30);
        List<Rec> before = TestLogs.readAll(log);

        PartitionLog reopened = logs.reopen(log);

        assertEquals(40, reopened.logEndOffset());
        assertEquals(30, reopened.highWatermark());
        assertEquals(before, TestLogs.readAll(reopened));
        assertEquals(log.leaderEpochCache().entries(), reopened.leaderEpochCache().entries());
        appendAsLeader(reopened, batch(99, "next"), 4);
        assertEquals(40, records(reopened.read(40, 100, FetchIsolation.LOG_END, true)).get(0).offset());
        reopened.close();
    }

    /** Rewrites a batch's record count (covered by the CRC, which is then recomputed). */
    private static ByteBuffer withRecordCount(ByteBuffer batch, int count) {
        batch.putInt(57, count);
        fixCrc(batch);
        return batch;
    }

    private static void fixCrc(ByteBuffer batch) {
        io.skein.log.record.RecordBatchView view = new io.skein.log.record.RecordBatchView().at(batch, 0);
        batch.putInt(17, view.computeCrc());
    }
}
