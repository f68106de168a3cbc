package io.skein.log;

import io.skein.log.checkpoint.AtomicFiles;
import io.skein.log.checkpoint.OffsetCheckpointFile;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the log directories of a node and every partition log in them: locks the directories,
 * checks their identity, opens (recovering in parallel) the logs, creates and deletes logs, and runs
 * checkpoints, retention and time-based flushes on a scheduler it owns, and compaction on the
 * {@link LogCleaner}'s thread.
 *
 * <p>Per directory it keeps Kafka's files: {@code meta.properties}, {@code .lock},
 * {@code recovery-point-offset-checkpoint}, {@code log-start-offset-checkpoint},
 * {@code replication-offset-checkpoint} (high watermarks), {@code cleaner-offset-checkpoint} (through
 * the cleaner) and, between a clean shutdown and the next start, a clean-shutdown marker that lets
 * the next start skip recovery.
 *
 * <p>A directory whose files fail (an I/O error on a segment or a checkpoint, the directory made
 * unwritable or removed under the node) is taken offline, as Kafka's LogDirFailureChannel does,
 * without failing the others: its logs are closed and dropped, no new log goes there, its
 * checkpoints stop, and the listeners given to {@link #onLogDirFailure} hear of it with the
 * partitions it held. The log engine notices its own failures (checkpoints, retention, flushes,
 * compaction, creating and deleting logs); its users report those of the reads and writes they
 * make ({@link #reportStorageError}).
 */
public final class LogManager implements AutoCloseable {
    public static final String RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint";
    public static final String LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint";
    public static final String HIGH_WATERMARK_CHECKPOINT = "replication-offset-checkpoint";
    public static final String CLEAN_SHUTDOWN_FILE = ".skein_cleanshutdown";
    static final String DELETE_DIR_SUFFIX = "-delete";
    /** Kafka's name for the metadata log's directory, which may share a log directory with partitions. */
    public static final String METADATA_DIR = "__cluster_metadata";

    private static final Logger log = LoggerFactory.getLogger(LogManager.class);
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private final LogManagerConfig config;
    private final Function<String, LogConfig> topicConfigs;
    private final Clock clock;
    private final FlushListener flushListener;
    private final MetaProperties metaProperties;
    private final List<UUID> directoryIds;
    private final List<LogDir> dirs;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ConcurrentHashMap<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private final LogCleaner cleaner;
    private final Object createOrDeleteLock = new Object();
    private final Set<Path> offlineDirs = ConcurrentHashMap.newKeySet();
    private final List<Consumer<LogDirFailure>> dirFailureListeners = new CopyOnWriteArrayList<>();

    /** A log directory with its lock and checkpoint files. Each checkpoint is written under its own monitor. */
    private record LogDir(Path path, LogDirLock lock, OffsetCheckpointFile recoveryPoints,
                          OffsetCheckpointFile logStartOffsets, OffsetCheckpointFile highWatermarks) {
        static LogDir lock(Path path) throws IOException {
            Files.createDirectories(path);
            return new LogDir(path, LogDirLock.acquire(path),
                    new OffsetCheckpointFile(path.resolve(RECOVERY_POINT_CHECKPOINT)),
                    new OffsetCheckpointFile(path.resolve(LOG_START_OFFSET_CHECKPOINT)),
                    new OffsetCheckpointFile(path.resolve(HIGH_WATERMARK_CHECKPOINT)));
        }
    }

    private LogManager(LogManagerConfig config, Function<String, LogConfig> topicConfigs, Clock clock,
                       FlushListener flushListener, MetaProperties metaProperties, List<LogDir> dirs)
            throws IOException {
        this.config = config;
        this.topicConfigs = topicConfigs;
        this.clock = clock;
        this.flushListener = flushListener;
        this.metaProperties = metaProperties;
        this.dirs = dirs;
        List<UUID> ids = new ArrayList<>();
        for (LogDir dir : dirs) {
            ids.add(MetaProperties.directoryId(dir.path()));
        }
        this.directoryIds = List.copyOf(ids);
        this.scheduler = new ScheduledThreadPoolExecutor(config.backgroundThreads(), threads("log-scheduler"));
        this.scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.cleaner = new LogCleaner(config.logDirs(), logs::values, clock, this::reportStorageError);
    }

    /**
     * Locks and checks every log directory, opens every partition log in them (recovering logs after
     * an unclean shutdown, {@code num.recovery.threads.per.data.dir} at a time per directory), and
     * starts the background tasks.
     *
     * @param topicConfigs  the log settings of each topic
     * @param flushListener hears of every segment fsync of every log
     * @throws IOException if a directory is locked by another node, unformatted, formatted for
     *                     another cluster or node, or a log cannot be opened
     */
    public static LogManager start(LogManagerConfig config, Function<String, LogConfig> topicConfigs, Clock clock,
                                   FlushListener flushListener) throws IOException {
        List<LogDir> dirs = new ArrayList<>();
        try {
            for (Path path : config.logDirs()) {
                dirs.add(LogDir.lock(path));
            }
            MetaProperties identity = MetaProperties.verify(config.logDirs(), config.nodeId());
            LogManager manager = new LogManager(config, topicConfigs, clock, flushListener, identity, dirs);
            try {
                manager.loadLogs();
            } catch (IOException | RuntimeException e) {
                manager.cleaner.close();
                manager.scheduler.shutdownNow();
                for (PartitionLog partitionLog : manager.logs.values()) {
                    closeQuietly(partitionLog);
                }
                throw e;
            }
            manager.scheduleTasks();
            if (config.cleanerEnable()) {
                manager.cleaner.start(config.cleanerBackoffMs());
            }
            return manager;
        } catch (IOException | RuntimeException e) {
            for (LogDir dir : dirs) {
                closeQuietly(dir.lock());
            }
            throw e;
        }
    }

    private void loadLogs() throws IOException {
        List<ExecutorService> pools = new ArrayList<>();
        List<Future<PartitionLog>> loading = new ArrayList<>();
        List<Path> cleanMarkers = new ArrayList<>();
        try {
            for (LogDir dir : dirs) {
                Path marker = dir.path().resolve(CLEAN_SHUTDOWN_FILE);
                boolean clean = Files.exists(marker);
                List<Path> partitionDirs = partitionDirs(dir.path());
                if (clean) {
                    cleanMarkers.add(marker);
                } else if (!partitionDirs.isEmpty()) {
                    log.info("{} was not shut down cleanly: logs will be recovered from their recovery points",
                            dir.path());
                }
                Map<TopicPartition, Long> recoveryPoints = readOrEmpty(dir.recoveryPoints());
                Map<TopicPartition, Long> startOffsets = readOrEmpty(dir.logStartOffsets());
                Map<TopicPartition, Long> highWatermarks = readOrEmpty(dir.highWatermarks());
                ExecutorService pool = Executors.newFixedThreadPool(config.recoveryThreadsPerDataDir(),
                        threads("log-recovery-" + dir.path().getFileName()));
                pools.add(pool);
                for (Path partitionDir : partitionDirs) {
                    TopicPartition tp = parseTopicPartition(partitionDir);
                    LogLoader.Checkpoints checkpoints = new LogLoader.Checkpoints(recoveryPoints.getOrDefault(tp, -1L),
                            startOffsets.getOrDefault(tp, -1L), highWatermarks.getOrDefault(tp, -1L));
                    loading.add(pool.submit(() -> PartitionLog.open(partitionDir, tp, topicConfigs.apply(tp.topic()),
                            checkpoints, clean, scheduler, flushListener, clock)));
                }
            }
            for (Future<PartitionLog> future : loading) {
                PartitionLog loaded = future.get();
                PartitionLog duplicate = logs.putIfAbsent(loaded.topicPartition(), loaded);
                if (duplicate != null) {
                    closeQuietly(loaded);
                    throw new IOException("Partition " + loaded.topicPartition() + " has a log in both "
                            + duplicate.dir() + " and " + loaded.dir());
                }
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("Cannot open a log", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while opening logs", e);
        } finally {
            pools.forEach(ExecutorService::shutdownNow);
        }
        // Running from here on: a crash must be treated as unclean.
        for (Path marker : cleanMarkers) {
            Files.delete(marker);
            AtomicFiles.fsyncDirectory(marker.getParent());
        }
        log.info("Loaded {} logs from {} directories", logs.size(), dirs.size());
    }

    /** Partition directories, after deleting directories left behind by a deletion that did not finish. */
    private static List<Path> partitionDirs(Path dir) throws IOException {
        List<Path> partitions = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path entry : entries) {
                if (entry.getFileName().toString().endsWith(DELETE_DIR_SUFFIX)) {
                    deleteRecursively(entry);
                } else if (isPartitionDirName(entry.getFileName().toString())) {
                    partitions.add(entry);
                } else if (!entry.getFileName().toString().equals(METADATA_DIR)) { // the node's metadata log
                    log.warn("Ignoring {}: not a partition directory", entry);
                }
            }
        }
        return partitions;
    }

    private static boolean isPartitionDirName(String name) {
        int dash = name.lastIndexOf('-');
        return dash > 0 && dash < name.length() - 1 && LEGAL_TOPIC.matcher(name.substring(0, dash)).matches()
                && name.substring(dash + 1).chars().allMatch(Character::isDigit);
    }

    private static TopicPartition parseTopicPartition(Path partitionDir) {
        String name = partitionDir.getFileName().toString();
        int dash = name.lastIndexOf('-');
        return new TopicPartition(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)));
    }

    private static Map<TopicPartition, Long> readOrEmpty(OffsetCheckpointFile file) {
        try {
            return file.read();
        } catch (IOException e) {
            log.warn("Ignoring unreadable {}: affected logs are recovered from their start", file.path(), e);
            return Map.of();
        }
    }

    private void scheduleTasks() {
        every(config.retentionCheckIntervalMs(), "retention", this::cleanupLogs);
        every(config.flushCheckIntervalMs(), "time-based flush", () -> forEachLog(PartitionLog::flushIfDue));
        every(config.recoveryPointCheckpointIntervalMs(), "recovery point checkpoint", this::checkpointRecoveryPoints);
        every(config.logStartOffsetCheckpointIntervalMs(), "log start offset checkpoint", this::checkpointLogStartOffsets);
        every(config.highWatermarkCheckpointIntervalMs(), "high watermark checkpoint", this::checkpointHighWatermarks);
    }

    /** Runs {@code task} periodically; a failure is logged and the next run goes ahead. */
    private void every(long intervalMs, String name, ThrowingRunnable task) {
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (Exception e) {
                log.error("Background task '{}' failed", name, e);
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    public MetaProperties metaProperties() {
        return metaProperties;
    }

    /** The {@code directory.id} of each log directory, in {@code log.dirs} order. */
    public List<UUID> directoryIds() {
        return directoryIds;
    }

    /** Every log directory, online or not, in {@code log.dirs} order. */
    public List<Path> logDirs() {
        return dirs.stream().map(LogDir::path).toList();
    }

    /** Whether {@code dir}, one of {@link #logDirs}, has been taken offline after a failure. */
    public boolean isOffline(Path dir) {
        return offlineDirs.contains(dir);
    }

    /**
     * {@code listener} hears of each directory taken offline, on a thread of the log scheduler, once its
     * logs are closed and gone from this manager.
     */
    public void onLogDirFailure(Consumer<LogDirFailure> listener) {
        dirFailureListeners.add(listener);
    }

    /**
     * What a reader or writer of {@code partitionLog} met: if it is a storage error (an I/O error on the
     * log's files), the log's directory goes offline; anything else (a closed log among them) is not the
     * directory's fault.
     */
    public void reportStorageError(PartitionLog partitionLog, Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof ClosedChannelException) {
                return; // a log closed under its reader or writer (deleted, or offline already): not a failing disk
            }
            if (cause instanceof IOException io) {
                dirFailed(partitionLog.dir().getParent(), io);
                return;
            }
        }
    }

    /**
     * Takes {@code path} offline: from now on no log is created there and its checkpoints stop; its logs
     * are closed and dropped, and the listeners told, on the scheduler (the failing thread may hold a
     * log's lock). Once only: later failures of the same directory change nothing.
     */
    private void dirFailed(Path path, IOException cause) {
        LogDir dir = dirs.stream().filter(d -> d.path().equals(path)).findFirst().orElse(null);
        if (dir == null || !offlineDirs.add(path)) {
            return;
        }
        log.error("Log directory {} failed: its logs go offline, the other directories go on", path, cause);
        try {
            scheduler.execute(() -> takeOffline(dir, cause));
        } catch (RejectedExecutionException closing) {
            // Shutting down: close() leaves offline directories alone.
        }
    }

    private void takeOffline(LogDir dir, IOException cause) {
        List<PartitionLog> held = new ArrayList<>();
        synchronized (createOrDeleteLock) {
            for (PartitionLog partitionLog : logs.values()) {
                if (partitionLog.dir().getParent().equals(dir.path()) && logs.remove(partitionLog.topicPartition(),
                        partitionLog)) {
                    held.add(partitionLog);
                }
            }
        }
        Set<TopicPartition> partitions = new LinkedHashSet<>();
        for (PartitionLog partitionLog : held) {
            cleaner.forget(partitionLog.topicPartition());
            partitionLog.closeAfterFailure();
            partitions.add(partitionLog.topicPartition());
        }
        closeQuietly(dir.lock());
        boolean anyOnline = dirs.stream().anyMatch(d -> !offlineDirs.contains(d.path()));
        log.error("Log directory {} is offline with the logs of {} partitions{}", dir.path(), partitions.size(),
                anyOnline ? "" : ": no log directory is left online");
        LogDirFailure failure = new LogDirFailure(dir.path(), directoryIds.get(dirs.indexOf(dir)),
                Set.copyOf(partitions), anyOnline, cause);
        for (Consumer<LogDirFailure> listener : dirFailureListeners) {
            try {
                listener.accept(failure);
            } catch (RuntimeException e) {
                log.error("A listener failed on the failure of {}", dir.path(), e);
            }
        }
    }

    /** Runs {@code task} on every log, each failing alone: a storage error takes its directory offline. */
    private void forEachLog(Consumer<PartitionLog> task) {
        for (PartitionLog partitionLog : logs.values()) {
            try {
                task.accept(partitionLog);
            } catch (RuntimeException e) {
                reportStorageError(partitionLog, e);
                log.error("Cannot maintain {}", partitionLog, e);
            }
        }
    }

    public Optional<PartitionLog> getLog(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    public Collection<PartitionLog> allLogs() {
        return List.copyOf(logs.values());
    }

    /**
     * The log of {@code tp}, created in the directory with the fewest logs if it does not exist.
     *
     * @throws InvalidTopicException if the topic name is not a legal Kafka topic name
     */
    public PartitionLog getOrCreateLog(TopicPartition tp, LogConfig logConfig) {
        PartitionLog existing = logs.get(tp);
        if (existing != null) {
            return existing;
        }
        validateTopicName(tp.topic());
        if (tp.partition() < 0) {
            throw new IllegalArgumentException("Invalid partition " + tp);
        }
        synchronized (createOrDeleteLock) {
            existing = logs.get(tp);
            if (existing != null) {
                return existing;
            }
            // As Kafka: the directory with the fewest logs, else the next, each failing one going offline.
            for (Path parent : onlineDirsByLoad()) {
                Path dir = parent.resolve(tp.topic() + "-" + tp.partition());
                try {
                    PartitionLog created = PartitionLog.open(dir, tp, logConfig, LogLoader.Checkpoints.NONE, true,
                            scheduler, flushListener, clock);
                    AtomicFiles.fsyncDirectory(parent);
                    logs.put(tp, created);
                    log.info("Created log for {} in {}", tp, dir);
                    return created;
                } catch (IOException e) {
                    log.error("Cannot create the log of {} in {}", tp, dir, e);
                    dirFailed(parent, e);
                }
            }
            throw new KafkaStorageException("Cannot create the log of " + tp + ": no log directory is online");
        }
    }

    static void validateTopicName(String topic) {
        if (topic == null || !LEGAL_TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new InvalidTopicException("Invalid topic name \"" + topic + "\": use 1 to 249 characters from "
                    + "[a-zA-Z0-9._-], other than \".\" and \"..\"");
        }
    }

    /** The online directories, the one with the fewest logs first (in {@code log.dirs} order among equals). */
    private List<Path> onlineDirsByLoad() {
        Map<Path, Integer> counts = new HashMap<>();
        dirs.forEach(dir -> counts.put(dir.path(), 0));
        logs.values().forEach(l -> counts.merge(l.dir().getParent(), 1, Integer::sum));
        return dirs.stream().map(LogDir::path).filter(path -> !offlineDirs.contains(path))
                .sorted(Comparator.comparing(counts::get)).toList();
    }

    /**
     * Removes the log of {@code tp}: its directory is renamed at once, so a restart will not load it,
     * and deleted in the background.
     *
     * @return whether there was a log to delete
     */
    public boolean deleteLog(TopicPartition tp) {
        synchronized (createOrDeleteLock) {
            PartitionLog doomed = logs.remove(tp);
            if (doomed == null) {
                return false;
            }
            Path dir = doomed.dir();
            Path renamed = dir.resolveSibling(dir.getFileName() + "." + UUID.randomUUID().toString().replace("-", "")
                    + DELETE_DIR_SUFFIX);
            try {
                doomed.close();
                Files.move(dir, renamed);
                AtomicFiles.fsyncDirectory(dir.getParent());
                doomed.renamedTo(renamed);
            } catch (IOException e) {
                dirFailed(dir.getParent(), e);
                throw new KafkaStorageException("Cannot delete the log of " + tp + " in " + dir, e);
            }
            cleaner.forget(tp);
            scheduler.execute(() -> {
                try {
                    deleteRecursively(renamed);
                } catch (IOException e) {
                    log.warn("Cannot delete {}; it will be retried at the next start", renamed, e);
                }
            });
            log.info("Deleted log for {}", tp);
            return true;
        }
    }

    /**
     * Cuts the log of {@code tp} at {@code offset} (see {@link PartitionLog#truncateTo}) and, if it
     * changed, checkpoints its directory's recovery points, which may have gone down.
     */
    public boolean truncateTo(TopicPartition tp, long offset) throws IOException {
        PartitionLog partitionLog = requireLog(tp);
        boolean truncated = partitionLog.truncateTo(offset);
        if (truncated) {
            cleaner.truncated(tp, offset);
            checkpointOrFail(dirOf(partitionLog), LogDir::recoveryPoints, PartitionLog::recoveryPoint);
        }
        return truncated;
    }

    /** Empties the log of {@code tp} and starts it at {@code offset}; checkpoints as {@link #truncateTo}. */
    public void truncateFullyAndStartAt(TopicPartition tp, long offset) throws IOException {
        PartitionLog partitionLog = requireLog(tp);
        partitionLog.truncateFullyAndStartAt(offset);
        cleaner.truncated(tp, offset);
        LogDir dir = dirOf(partitionLog);
        checkpointOrFail(dir, LogDir::recoveryPoints, PartitionLog::recoveryPoint);
        checkpointOrFail(dir, LogDir::logStartOffsets, PartitionLog::logStartOffset);
    }

    /**
     * Checkpoints the log start offsets of the directories holding the logs of {@code tps} now, rather
     * than at the next periodic checkpoint: after a DeleteRecords request moved them, so that a crash
     * cannot bring the deleted records back. Logs deleted meanwhile are skipped.
     */
    public void checkpointLogStartOffsets(Collection<TopicPartition> tps) throws IOException {
        Set<LogDir> holding = new LinkedHashSet<>();
        for (TopicPartition tp : tps) {
            PartitionLog partitionLog = logs.get(tp);
            if (partitionLog != null) {
                holding.add(dirOf(partitionLog));
            }
        }
        for (LogDir dir : holding) {
            checkpointOrFail(dir, LogDir::logStartOffsets, PartitionLog::logStartOffset);
        }
    }

    /**
     * Compacts the log of {@code tp} now, as far as it can be (see {@link LogCleaner#cleanLog}),
     * whatever its dirty ratio. Also works with {@code log.cleaner.enable=false}.
     */
    public Optional<LogCleaner.CleanStats> cleanNow(TopicPartition tp) {
        return cleaner.cleanLog(requireLog(tp));
    }

    private PartitionLog requireLog(TopicPartition tp) {
        PartitionLog partitionLog = logs.get(tp);
        if (partitionLog == null) {
            throw new IllegalArgumentException("No log for " + tp);
        }
        return partitionLog;
    }

    /** Applies retention to every log; checkpoints log start offsets if any moved. */
    public void cleanupLogs() {
        int[] deleted = {0};
        forEachLog(partitionLog -> deleted[0] += partitionLog.deleteOldSegments());
        if (deleted[0] > 0) {
            log.info("Retention deleted {} segments", deleted[0]);
            checkpointLogStartOffsets();
        }
    }

    public void checkpointRecoveryPoints() {
        checkpointOnlineDirs(LogDir::recoveryPoints, PartitionLog::recoveryPoint);
    }

    public void checkpointLogStartOffsets() {
        checkpointOnlineDirs(LogDir::logStartOffsets, PartitionLog::logStartOffset);
    }

    public void checkpointHighWatermarks() {
        checkpointOnlineDirs(LogDir::highWatermarks, PartitionLog::highWatermark);
    }

    /** One checkpoint of each online directory; a directory that cannot be written goes offline. */
    private void checkpointOnlineDirs(Function<LogDir, OffsetCheckpointFile> file, ToLongFunction<PartitionLog> value) {
        for (LogDir dir : dirs) {
            if (offlineDirs.contains(dir.path())) {
                continue;
            }
            try {
                checkpoint(dir, file, value);
            } catch (IOException e) {
                dirFailed(dir.path(), e);
            }
        }
    }

    /** {@link #checkpoint}, a failure also taking the directory offline. */
    private void checkpointOrFail(LogDir dir, Function<LogDir, OffsetCheckpointFile> file,
                                  ToLongFunction<PartitionLog> value) throws IOException {
        try {
            checkpoint(dir, file, value);
        } catch (IOException e) {
            dirFailed(dir.path(), e);
            throw e;
        }
    }

    /**
     * Writes one checkpoint of {@code dir}. The values are read under the file's monitor, so a writer
     * that lowered a value (truncation) and then checkpoints cannot be overtaken by an older snapshot.
     */
    private void checkpoint(LogDir dir, Function<LogDir, OffsetCheckpointFile> file,
                            ToLongFunction<PartitionLog> value) throws IOException {
        OffsetCheckpointFile checkpoint = file.apply(dir);
        synchronized (checkpoint) {
            Map<TopicPartition, Long> offsets = new HashMap<>();
            for (PartitionLog partitionLog : logs.values()) {
                if (partitionLog.dir().getParent().equals(dir.path())) {
                    offsets.put(partitionLog.topicPartition(), value.applyAsLong(partitionLog));
                }
            }
            checkpoint.write(offsets);
        }
    }

    private LogDir dirOf(PartitionLog partitionLog) {
        Path parent = partitionLog.dir().getParent();
        return dirs.stream().filter(dir -> dir.path().equals(parent)).findFirst().orElseThrow();
    }

    /**
     * Stops the cleaner and the background tasks, flushes and closes every log, writes the checkpoints and, in each
     * directory whose logs all closed cleanly, the clean-shutdown marker; then releases the locks.
     */
    @Override
    public void close() throws IOException {
        cleaner.close();
        BackgroundThreads.shutdownAndAwait(scheduler, "Background tasks");
        List<Path> failedDirs = new ArrayList<>();
        for (PartitionLog partitionLog : logs.values()) {
            try {
                partitionLog.flush();
                partitionLog.close();
            } catch (IOException | RuntimeException e) {
                log.error("Cannot close {} cleanly", partitionLog, e);
                failedDirs.add(partitionLog.dir().getParent());
            }
        }
        IOException failure = null;
        for (LogDir dir : dirs) {
            if (offlineDirs.contains(dir.path())) {
                continue; // closed when it failed: nothing there is written again
            }
            try {
                checkpoint(dir, LogDir::recoveryPoints, PartitionLog::recoveryPoint);
                checkpoint(dir, LogDir::logStartOffsets, PartitionLog::logStartOffset);
                checkpoint(dir, LogDir::highWatermarks, PartitionLog::highWatermark);
                if (!failedDirs.contains(dir.path())) {
                    AtomicFiles.write(dir.path().resolve(CLEAN_SHUTDOWN_FILE), new byte[0]);
                }
            } catch (IOException e) {
                log.error("Cannot checkpoint {}: the next start recovers it", dir.path(), e);
                failure = failure == null ? e : failure;
            } finally {
                closeQuietly(dir.lock());
            }
        }
        logs.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        try (Stream<Path> tree = Files.walk(path)) {
            for (Path entry : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(entry);
            }
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("Cannot close {}", closeable, e);
        }
    }
}
