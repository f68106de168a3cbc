package io.skein.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.common.TopicPartition;

/** Opens partition logs directly on real directories, with a scheduler and a clock the test controls. */
final class TestLogs implements AutoCloseable {
    static final TopicPartition TP = new TopicPartition("topic", 0);

    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    final MutableClock clock = new MutableClock(1_700_000_000_000L);

    /** Settings that roll and index often, so small tests cross segment and index boundaries. */
    static LogConfig smallSegments(int segmentBytes) {
        return LogConfig.fromMap(Map.of("segment.bytes", segmentBytes, "index.interval.bytes", 100,
                "file.delete.delay.ms", 0));
    }

    PartitionLog open(Path dir, LogConfig config) throws IOException {
        return PartitionLog.open(dir, TP, config, LogLoader.Checkpoints.NONE, true, scheduler, clock);
    }

    /** Closes after a flush and opens again, as a clean shutdown and restart would. */
    PartitionLog reopen(PartitionLog log) throws IOException {
        log.flush();
        log.close();
        return PartitionLog.open(log.dir(), TP, log.config(), new LogLoader.Checkpoints(log.recoveryPoint(),
                log.logStartOffset(), log.highWatermark()), true, scheduler, clock);
    }

    /** Opens a directory whose owner crashed with {@code recoveryPoint} on disk. */
    PartitionLog openAfterCrash(Path dir, LogConfig config, long recoveryPoint) throws IOException {
        return PartitionLog.open(dir, TP, config, new LogLoader.Checkpoints(recoveryPoint, -1, -1), false,
                scheduler, clock);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
