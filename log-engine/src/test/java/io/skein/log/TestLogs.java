package io.skein.log;

import io.skein.log.record.TestRecords;
import io.skein.log.record.TestRecords.Batch;
import io.skein.log.record.TestRecords.Rec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Opens partition logs directly on real directories, with a scheduler and a clock the test controls.
 * Register it as a JUnit extension: it stops its scheduler after each test.
 */
final class TestLogs implements AfterEachCallback {
    static final TopicPartition TP = new TopicPartition("topic", 0);

    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    final MutableClock clock = new MutableClock(1_700_000_000_000L);
    /** Segment fsyncs of the logs opened here and their time, as the logs tell their {@link FlushListener}. */
    final LongAdder fsyncs = new LongAdder();
    final LongAdder fsyncNanos = new LongAdder();
    private final FlushListener countFsyncs = elapsedNanos -> {
        fsyncs.increment();
        fsyncNanos.add(elapsedNanos);
    };

    /** Settings that roll and index often, so small tests cross segment and index boundaries. */
    static LogConfig smallSegments(int segmentBytes) {
        return LogConfig.fromMap(Map.of("segment.bytes", segmentBytes, "index.interval.bytes", 100,
                "file.delete.delay.ms", 0));
    }

    PartitionLog open(Path dir, LogConfig config) throws IOException {
        return PartitionLog.open(dir, TP, config, LogLoader.Checkpoints.NONE, true, scheduler, countFsyncs, clock);
    }

    /** Closes after a flush and opens again, as a clean shutdown and restart would. */
    PartitionLog reopen(PartitionLog log) throws IOException {
        log.flush();
        log.close();
        return PartitionLog.open(log.dir(), TP, log.config(), new LogLoader.Checkpoints(log.recoveryPoint(),
                log.logStartOffset(), log.highWatermark()), true, scheduler, countFsyncs, clock);
    }

    /** Opens a directory whose owner crashed with {@code recoveryPoint} on disk. */
    PartitionLog openAfterCrash(Path dir, LogConfig config, long recoveryPoint) throws IOException {
        return PartitionLog.open(dir, TP, config, new LogLoader.Checkpoints(recoveryPoint, -1, -1), false,
                scheduler, countFsyncs, clock);
    }

    /**
     * A leader append, waited for until it is as durable as the flush policy asks, as a produce request
     * with acks=1 waits: what the log's writers see before they go on.
     */
    static LogAppendInfo appendAsLeader(PartitionLog log, ByteBuffer records, int leaderEpoch) {
        LeaderAppendResult appended = log.appendAsLeader(records, leaderEpoch);
        appended.flushed().join();
        return appended.info();
    }

    /** Every readable record, read segment by segment as a consumer would. */
    static List<Rec> readAll(PartitionLog log) {
        return readAcrossSegments(log, TestRecords::records);
    }

    static List<Batch> allBatches(PartitionLog log) {
        return readAcrossSegments(log, TestRecords::batches);
    }

    /** Reads on after the last batch of each read, which may hold no record once the log is compacted. */
    private static <T> List<T> readAcrossSegments(PartitionLog log, Function<ByteBuffer, List<T>> parse) {
        List<T> all = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            ByteBuffer read = TestRecords.bytes(log.read(next, Integer.MAX_VALUE, FetchIsolation.LOG_END, true));
            all.addAll(parse.apply(read));
            List<Batch> batches = TestRecords.batches(read);
            next = batches.get(batches.size() - 1).lastOffset() + 1;
        }
        return all;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        scheduler.shutdownNow();
    }
}
