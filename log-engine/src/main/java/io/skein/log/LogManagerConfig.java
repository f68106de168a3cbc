package io.skein.log;

import java.nio.file.Path;
import java.util.List;

/**
 * Node-level settings of the {@link LogManager}, under the Kafka broker names they come from.
 *
 * @param logDirs                            {@code log.dirs}
 * @param nodeId                             {@code node.id}: every directory must be formatted for it
 * @param recoveryThreadsPerDataDir          {@code num.recovery.threads.per.data.dir}
 * @param backgroundThreads                  {@code background.threads}: the scheduler's threads
 * @param retentionCheckIntervalMs           {@code log.retention.check.interval.ms}
 * @param flushCheckIntervalMs               {@code log.flush.scheduler.interval.ms}: how often {@code flush.ms} is checked
 * @param recoveryPointCheckpointIntervalMs  {@code log.flush.offset.checkpoint.interval.ms}
 * @param logStartOffsetCheckpointIntervalMs {@code log.flush.start.offset.checkpoint.interval.ms}
 * @param highWatermarkCheckpointIntervalMs  {@code replica.high.watermark.checkpoint.interval.ms}
 * @param cleanerEnable                      {@code log.cleaner.enable}: whether the {@link LogCleaner} runs in the background
 * @param cleanerBackoffMs                   {@code log.cleaner.backoff.ms}: the pause after each pass of the cleaner
 */
public record LogManagerConfig(List<Path> logDirs, int nodeId, int recoveryThreadsPerDataDir, int backgroundThreads,
                               long retentionCheckIntervalMs, long flushCheckIntervalMs,
                               long recoveryPointCheckpointIntervalMs, long logStartOffsetCheckpointIntervalMs,
                               long highWatermarkCheckpointIntervalMs, boolean cleanerEnable, long cleanerBackoffMs) {
    /** Kafka's default {@code log.cleaner.backoff.ms}. */
    public static final long DEFAULT_CLEANER_BACKOFF_MS = 15_000;

    public LogManagerConfig {
        logDirs = List.copyOf(logDirs);
        if (logDirs.isEmpty()) {
            throw new IllegalArgumentException("At least one log directory is required");
        }
        if (recoveryThreadsPerDataDir < 1 || backgroundThreads < 1) {
            throw new IllegalArgumentException("Thread counts must be at least 1");
        }
        if (cleanerBackoffMs < 1) {
            throw new IllegalArgumentException("log.cleaner.backoff.ms must be at least 1");
        }
    }

    /** Kafka's defaults, except that {@code flush.ms} is checked every second. */
    public static LogManagerConfig defaults(List<Path> logDirs, int nodeId) {
        return new LogManagerConfig(logDirs, nodeId, 1, 4, 300_000, 1_000, 60_000, 60_000, 5_000, true,
                DEFAULT_CLEANER_BACKOFF_MS);
    }
}
