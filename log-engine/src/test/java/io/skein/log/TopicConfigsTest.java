package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static io.skein.log.record.TestRecords.batch;
import static io.skein.log.record.TestRecords.batchWithTimestamps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.record.TestRecords;
import io.skein.log.record.TestRecords.Rec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The topic configs that shape what a leader writes and when segments roll, each honoured as Kafka does. */
class TopicConfigsTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    private static MutableRecordBatch onlyBatch(ByteBuffer buffer) {
        List<MutableRecordBatch> batches = kafkaBatches(buffer);
        assertEquals(1, batches.size());
        return batches.get(0);
    }

    private static List<MutableRecordBatch> kafkaBatches(ByteBuffer buffer) {
        List<MutableRecordBatch> batches = new ArrayList<>();
        MemoryRecords.readableRecords(buffer.duplicate()).batches().forEach(batches::add);
        return batches;
    }

    private static ByteBuffer readAllBytes(PartitionLog log) {
        return TestRecords.bytes(log.read(0, Integer.MAX_VALUE, FetchIsolation.LOG_END, true));
    }

    @Test
    void logAppendTimeStampsEachBatchWithTheLeadersClockAndTimestampLookupsUseIt() throws IOException {
        LogConfig config = LogConfig.fromMap(Map.of("message.timestamp.type", "LogAppendTime"));
        try (PartitionLog log = logs.open(dir, config)) {
            long first = logs.clock.millis();
            ByteBuffer sent = batch(5, "a", "b");
            LogAppendInfo info = appendAsLeader(log, sent, 0);
            logs.clock.advance(1_000);
            appendAsLeader(log, batch(Compression.gzip().build(), 7, "c"), 0);

            assertEquals(first, info.maxTimestamp());
            MutableRecordBatch stored = kafkaBatches(readAllBytes(log)).get(0);
            stored.ensureValid(); // the CRC was recomputed over the new attributes and max timestamp
            assertEquals(TimestampType.LOG_APPEND_TIME, stored.timestampType());
            assertEquals(first, stored.maxTimestamp());
            assertEquals(TimestampType.LOG_APPEND_TIME, onlyBatch(sent).timestampType(), "the caller's batch too");
            assertEquals(List.of(first, first, first + 1_000),
                    TestLogs.readAll(log).stream().map(Rec::timestamp).toList());
            assertEquals(2, log.fetchOffsetByTimestamp(first + 1).orElseThrow().offset());
            assertEquals(first + 1_000, log.fetchOffsetByTimestamp(PartitionLog.MAX_TIMESTAMP).orElseThrow().timestamp());
        }
    }

    @Test
    void logAppendTimeSurvivesARestartThroughTheTimeIndex() throws IOException {
        LogConfig config = LogConfig.fromMap(Map.of("message.timestamp.type", "LogAppendTime",
                "index.interval.bytes", "1"));
        PartitionLog log = logs.open(dir, config);
        long[] stamps = new long[5];
        for (int i = 0; i < 5; i++) {
            stamps[i] = logs.clock.millis();
            appendAsLeader(log, batch(i, "v" + i), 0);
            logs.clock.advance(100);
        }
        try (PartitionLog reopened = logs.reopen(log)) {
            for (int i = 0; i < 5; i++) {
                assertEquals(i, reopened.fetchOffsetByTimestamp(stamps[i]).orElseThrow().offset());
            }
        }
    }

    @Test
    void createTimesOutsideTheTopicsBoundsAreRefusedAndNothingIsWritten() throws IOException {
        LogConfig config = LogConfig.fromMap(Map.of("message.timestamp.before.max.ms", "1000",
                "message.timestamp.after.max.ms", "500"));
        try (PartitionLog log = logs.open(dir, config)) {
            long now = logs.clock.millis();
            appendAsLeader(log, batchWithTimestamps(new long[] {now - 1000, now + 500, -1}, "edge", "edge", "none"), 0);

            InvalidTimestampException old = assertThrows(InvalidTimestampException.class, () -> appendAsLeader(log,
                    batchWithTimestamps(new long[] {now, now - 1001}, "ok", "old"), 0));
            assertEquals("Timestamp " + (now - 1001) + " of message with offset 1 is out of range. The timestamp "
                    + "should be within [" + (now - 1000) + ", " + (now + 500) + "]", old.getMessage());
            assertThrows(InvalidTimestampException.class, () -> appendAsLeader(log,
                    batchWithTimestamps(new long[] {now + 501}, "future"), 0));
            assertEquals(3, log.logEndOffset());
        }
        try (PartitionLog appendTime = logs.open(dir.resolve("append-time"), config.with(
                Map.of("message.timestamp.type", "LogAppendTime")))) {
            appendAsLeader(appendTime, batchWithTimestamps(new long[] {0}, "ignored create time"), 0);
            assertEquals(1, appendTime.logEndOffset(), "bounds apply to create times only");
        }
    }

    @Test
    void aProducerMayNotClaimTheLogAppendTime() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            ByteBuffer claimed = MemoryRecords.withRecords(RecordBatch.CURRENT_MAGIC_VALUE, 0L,
                    Compression.NONE, TimestampType.LOG_APPEND_TIME, new SimpleRecord(5L, "v".getBytes())).buffer();
            assertThrows(InvalidTimestampException.class, () -> appendAsLeader(log, claimed, 0));
            assertEquals(0, log.logEndOffset());
        }
    }

    @ParameterizedTest
    @CsvSource({"none, gzip", "none, snappy", "none, lz4", "none, zstd", "gzip, uncompressed", "snappy, lz4",
            "zstd, gzip"})
    void compressionTypeRewritesBatchesInAnotherCodecKeepingRecordsOffsetsAndProducer(String sent, String topic)
            throws IOException {
        LogConfig config = LogConfig.fromMap(Map.of("compression.type", topic));
        try (PartitionLog log = logs.open(dir, config)) {
            appendAsLeader(log, batch(10, "first"), 0);
            ByteBuffer batch = TestRecords.idempotentBatch(42L, (short) 3, 7, 1000, "k0", "a", "k1", "b", "k2", "c");
            ByteBuffer original = sent.equals("none") ? batch : recompressedByKafka(batch, sent);
            LogAppendInfo info = appendAsLeader(log, original, 2);

            assertEquals(1, info.firstOffset());
            assertEquals(3, info.lastOffset());
            List<MutableRecordBatch> stored = kafkaBatches(readAllBytes(log));
            MutableRecordBatch written = stored.get(1);
            written.ensureValid();
            CompressionType expected = topic.equals("uncompressed") ? CompressionType.NONE : CompressionType.forName(topic);
            assertEquals(expected, written.compressionType());
            assertEquals(expected, stored.get(0).compressionType());
            assertEquals(1, written.baseOffset());
            assertEquals(3, written.lastOffset());
            assertEquals(2, written.partitionLeaderEpoch());
            assertEquals(42L, written.producerId());
            assertEquals(3, written.producerEpoch());
            assertEquals(7, written.baseSequence());
            assertEquals(List.of(new Rec(1, 1000, "k0", "a", 2), new Rec(2, 1001, "k1", "b", 2),
                    new Rec(3, 1002, "k2", "c", 2)), TestLogs.readAll(log).subList(1, 4));
            assertEquals(1, onlyBatch(original).baseOffset(), "the caller's batch carries its offsets too");
            assertEquals(2, onlyBatch(original).partitionLeaderEpoch());
        }
    }

    @Test
    void aBatchAlreadyInTheTopicsCodecIsStoredAsSent() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.fromMap(Map.of("compression.type", "gzip",
                "compression.gzip.level", "1")))) {
            ByteBuffer sent = batch(Compression.gzip().level(9).build(), 10, "a", "b");
            ByteBuffer copy = ByteBuffer.allocate(sent.remaining()).put(sent.duplicate()).flip();
            appendAsLeader(log, sent, 0);
            ByteBuffer stored = readAllBytes(log);
            assertEquals(copy.remaining(), stored.remaining());
            assertEquals(copy.position(61), stored.position(61), "the same compressed bytes, not recompressed");
        }
    }

    @Test
    void logAppendTimeAndRecompressionTogether() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.fromMap(Map.of("compression.type", "lz4",
                "message.timestamp.type", "LogAppendTime")))) {
            appendAsLeader(log, batch(3, "a", "b"), 0);
            MutableRecordBatch stored = onlyBatch(readAllBytes(log));
            stored.ensureValid();
            assertEquals(CompressionType.LZ4, stored.compressionType());
            assertEquals(TimestampType.LOG_APPEND_TIME, stored.timestampType());
            assertEquals(List.of(logs.clock.millis(), logs.clock.millis()),
                    TestLogs.readAll(log).stream().map(Rec::timestamp).toList());
        }
    }

    @Test
    void maxDecompressedMessageBytesBoundsEachRecordOfACompressedBatch() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.fromMap(Map.of("max.decompressed.message.bytes", "100")))) {
            appendAsLeader(log, batch(Compression.gzip().build(), 1, "small"), 0);
            String big = "x".repeat(200);
            InvalidRecordException e = assertThrows(InvalidRecordException.class,
                    () -> appendAsLeader(log, batch(Compression.gzip().build(), 1, big), 0));
            assertTrue(e.getMessage().contains("max.decompressed.message.bytes (100)"), e.getMessage());
            assertEquals(1, log.logEndOffset());
        }
    }

    @Test
    void preallocateExtendsNewSegmentsAndTrimsThemWhenTheyRollOrClose() throws IOException {
        LogConfig config = LogConfig.fromMap(Map.of("preallocate", "true", "segment.bytes", "4096"));
        PartitionLog log = logs.open(dir, config);
        Path first = dir.resolve(String.format("%020d.log", 0));
        assertEquals(4096, Files.size(first));
        appendAsLeader(log, batch(1, "a"), 0);
        long used = TestRecords.bytes(log.read(0, Integer.MAX_VALUE, FetchIsolation.LOG_END, true)).remaining();
        assertEquals(4096, Files.size(first));

        log.roll();
        assertEquals(used, Files.size(first), "a rolled segment gives back what it did not use");
        Path second = dir.resolve(String.format("%020d.log", 1));
        assertEquals(4096, Files.size(second));
        appendAsLeader(log, batch(2, "b"), 0);

        PartitionLog reopened = logs.reopen(log);
        assertEquals(used, Files.size(second), "so does a closed one");
        assertEquals(List.of("a", "b"), TestLogs.readAll(reopened).stream().map(Rec::value).toList());
        appendAsLeader(reopened, batch(3, "c"), 0);
        reopened.close(); // no flush, and opened as after a crash: recovery cuts the zeros, keeps the batches
        try (PartitionLog recovered = logs.openAfterCrash(dir, config, 0)) {
            assertEquals(3, recovered.logEndOffset());
            assertEquals(List.of("a", "b", "c"), TestLogs.readAll(recovered).stream().map(Rec::value).toList());
        }
    }

    @Test
    void anUnflushedPreallocatedSegmentIsRecoveredAfterACrash() throws IOException {
        LogConfig config = LogConfig.fromMap(Map.of("preallocate", "true", "segment.bytes", "4096"));
        PartitionLog log = logs.open(dir, config);
        appendAsLeader(log, batch(1, "a", "b"), 0);
        Path file = dir.resolve(String.format("%020d.log", 0));
        // A crash leaves the file as it is: copy it aside before close trims it, and put it back.
        byte[] crashed = Files.readAllBytes(file);
        log.close();
        Files.write(file, crashed);
        assertEquals(4096, Files.size(file));
        try (PartitionLog recovered = logs.openAfterCrash(dir, config, 0)) {
            assertEquals(2, recovered.logEndOffset());
            assertEquals(List.of("a", "b"), TestLogs.readAll(recovered).stream().map(Rec::value).toList());
            appendAsLeader(recovered, batch(2, "c"), 0);
            assertEquals(List.of("a", "b", "c"), TestLogs.readAll(recovered).stream().map(Rec::value).toList());
        }
    }

    @Test
    void segmentJitterRollsNoLaterThanSegmentMsAndSometimesSooner() throws IOException {
        LogConfig config = LogConfig.fromMap(Map.of("segment.ms", "10000", "segment.jitter.ms", "10000"));
        long start = logs.clock.millis();
        int rolledEarly = 0;
        for (int i = 0; i < 20; i++) {
            try (PartitionLog log = logs.open(dir.resolve("log-" + i), config)) {
                appendAsLeader(log, batch(start, "a"), 0);
                appendAsLeader(log, batch(start + 9000, "b"), 0);
                int early = log.numberOfSegments() - 1;
                rolledEarly += early;
                appendAsLeader(log, batch(start + 19_001, "c"), 0);
                assertEquals(2 + early, log.numberOfSegments(), "past segment.ms it rolls whatever the jitter");
            }
        }
        // Each log rolls at 9 s unless its jitter (uniform below 10 s) is under 1 s: 20 logs all missing is ~1e-20.
        assertTrue(rolledEarly > 0, "no log rolled before segment.ms");
    }

    @Test
    void maxCompactionLagRollsACompactedLogsActiveSegmentAndMakesTheCleanerCleanIt() throws IOException {
        LogConfig config = LogConfig.fromMap(Map.of("cleanup.policy", "compact", "max.compaction.lag.ms", "5000",
                "min.cleanable.dirty.ratio", "1.0"));
        try (PartitionLog log = logs.open(dir, config)) {
            long start = logs.clock.millis();
            appendAsLeader(log, TestRecords.keyedBatch(Compression.NONE, start - 1, "k", "old", "j", "only"), 0);
            appendAsLeader(log, TestRecords.keyedBatch(Compression.NONE, start + 5001, "k", "new"), 0);
            assertEquals(2, log.numberOfSegments(), "the active segment rolls after max.compaction.lag.ms");
            log.updateHighWatermark(log.logEndOffset());
            LogCleaner cleaner = new LogCleaner(List.of(dir.getParent()), () -> List.of(log), logs.clock,
                    (failedLog, error) -> { });
            cleaner.cleanLog(log).orElseThrow(); // the first segment is clean from now on
            appendAsLeader(log, TestRecords.keyedBatch(Compression.NONE, start + 10_002, "k", "newest"), 0);
            assertEquals(3, log.numberOfSegments());
            log.updateHighWatermark(log.logEndOffset());

            logs.clock.advance(9000);
            assertEquals(List.of(), cleaner.cleanDirtyLogs(), "half dirty, below the ratio, and not yet lagging");
            logs.clock.advance(1002);
            assertEquals(1, cleaner.cleanDirtyLogs().size(), "the dirty segment's first batch is past the lag");
            assertEquals(List.of("only", "new", "newest"), TestLogs.readAll(log).stream().map(Rec::value).toList());
        }
    }

    /** {@code batch} as Kafka's producer would have compressed it with {@code codec}. */
    private static ByteBuffer recompressedByKafka(ByteBuffer batch, String codec) {
        MutableRecordBatch source = onlyBatch(batch);
        org.apache.kafka.common.record.internal.MemoryRecordsBuilder builder = MemoryRecords.builder(
                ByteBuffer.allocate(1024), RecordBatch.CURRENT_MAGIC_VALUE, Compression.of(codec).build(),
                TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, source.producerId(), source.producerEpoch(),
                source.baseSequence());
        source.forEach(record -> builder.appendWithOffset(record.offset(), record));
        return builder.build().buffer();
    }
}
