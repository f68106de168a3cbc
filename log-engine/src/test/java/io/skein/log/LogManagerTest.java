package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static io.skein.log.record.TestRecords.batch;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.checkpoint.OffsetCheckpointFile;
import io.skein.log.record.TestRecords;
import io.skein.log.record.TestRecords.Rec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogManagerTest {
    private static final String CLUSTER = "test-cluster";
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    @TempDir
    Path root;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);

    private Path formatted(String name, int nodeId) throws IOException {
        Path dir = root.resolve(name);
        new MetaProperties(CLUSTER, nodeId).format(List.of(dir));
        return dir;
    }

    private LogManager start(List<Path> dirs, LogManagerConfig config, Function<String, LogConfig> topicConfigs)
            throws IOException {
        return LogManager.start(config, topicConfigs, clock, FlushListener.NONE);
    }

    private LogManager start(Path... dirs) throws IOException {
        return start(List.of(dirs), LogManagerConfig.defaults(List.of(dirs), 1), topic -> LogConfig.DEFAULT);
    }

    private static LogManagerConfig fastTasks(List<Path> dirs) {
        return new LogManagerConfig(dirs, 1, 1, 2, 50, 50, 50, 50, 50, true, LogManagerConfig.DEFAULT_CLEANER_BACKOFF_MS);
    }

    @Test
    void refusesUnformattedDirectoriesNamingTheCommandToRun() {
        Path bare = root.resolve("bare");
        IOException e = assertThrows(IOException.class, () -> start(bare));
        assertTrue(e.getMessage().contains("not formatted") && e.getMessage().contains("skein storage format"),
                e.getMessage());
    }

    @Test
    void refusesDirectoriesOfAnotherNodeOrCluster() throws IOException {
        Path mine = formatted("mine", 1);
        Path otherNode = formatted("other-node", 2);
        Path otherCluster = root.resolve("other-cluster");
        new MetaProperties("another-cluster", 1).format(List.of(otherCluster));

        IOException wrongNode = assertThrows(IOException.class, () -> start(mine, otherNode));
        assertTrue(wrongNode.getMessage().contains("belongs to node 2"), wrongNode.getMessage());
        IOException wrongCluster = assertThrows(IOException.class, () -> start(mine, otherCluster));
        assertTrue(wrongCluster.getMessage().contains("disagree"), wrongCluster.getMessage());
        assertThrows(IOException.class, () -> new MetaProperties("another-cluster", 1).format(List.of(mine)));
        start(mine).close(); // the failed starts released their locks
    }

    @Test
    void eachDirectoryKeepsItsOwnIdAcrossRestartsAndReformats() throws IOException {
        Path first = formatted("first", 1);
        Path second = formatted("second", 1);
        List<java.util.UUID> ids;
        try (LogManager manager = start(first, second)) {
            ids = manager.directoryIds();
        }
        assertEquals(2, ids.stream().distinct().count(), ids.toString());
        new MetaProperties(CLUSTER, 1).format(List.of(first, second)); // already formatted: left alone
        try (LogManager manager = start(first, second)) {
            assertEquals(ids, manager.directoryIds());
        }
    }

    @Test
    void aSecondProcessOnTheSameDirectoryFailsWithAClearMessage() throws Exception {
        Path dir = formatted("shared", 1);
        try (ProcessTestSupport other = ProcessTestSupport.start("lock", dir, 1)) {
            assertEquals("STARTED", other.nextLine());

            IOException e = assertThrows(IOException.class, () -> start(dir));
            assertTrue(e.getMessage().contains("in use by another Skein node"), e.getMessage());

            other.closeStdin();
            assertEquals(0, other.waitForExit());
        }
        try (LogManager manager = start(dir)) {
            IOException sameProcess = assertThrows(IOException.class, () -> start(dir));
            assertTrue(sameProcess.getMessage().contains("in use"), sameProcess.getMessage());
            assertEquals(List.of(dir), manager.logDirs());
        }
    }

    @Test
    void aKilledWriterLosesNoAcknowledgedAppend() throws Exception {
        Path dir = formatted("crash", 1);
        long lastAcknowledged;
        try (ProcessTestSupport writer = ProcessTestSupport.start("write", dir, 1)) {
            String line;
            do {
                line = writer.nextLine();
            } while (Long.parseLong(line.substring("APPENDED ".length())) < 3000);
            writer.kill();
            lastAcknowledged = Long.parseLong(line.substring("APPENDED ".length()));
        }
        assertFalse(Files.exists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)));

        try (LogManager manager = start(dir)) {
            PartitionLog log = manager.getLog(new TopicPartition("topic", 0)).orElseThrow();
            assertTrue(log.logEndOffset() > lastAcknowledged, log + " after " + lastAcknowledged);
            assertTrue(log.numberOfSegments() > 1, "the writer rolled segments");
            List<Rec> records = TestLogs.readAll(log);
            assertEquals(log.logEndOffset(), records.size());
            for (Rec record : records) {
                assertEquals("value-" + record.offset(), record.value());
            }
        }
    }

    @Test
    void aLogStartOffsetCheckpointedAfterDeletingRecordsSurvivesAKill() throws Exception {
        Path dir = formatted("delete-records", 1);
        try (ProcessTestSupport child = ProcessTestSupport.start("delete-records", dir, 1)) {
            assertEquals("DELETED BELOW 60", child.nextLine());
            child.kill(); // long before the periodic checkpoint (60 s)
        }
        assertFalse(Files.exists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)));

        try (LogManager manager = start(dir)) {
            PartitionLog log = manager.getLog(new TopicPartition("topic", 0)).orElseThrow();
            assertEquals(100, log.logEndOffset());
            assertEquals(60, log.logStartOffset(), "the deleted records stay deleted");
            assertEquals(60, log.fetchOffsetByTimestamp(PartitionLog.EARLIEST_TIMESTAMP).orElseThrow().offset());
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(59, 1 << 20, FetchIsolation.LOG_END, true));
        }
    }

    @Test
    void createsLogsInTheLeastLoadedDirectoryAndRejectsIllegalTopicNames() throws IOException {
        Path a = formatted("a", 1);
        Path b = formatted("b", 1);
        try (LogManager manager = start(a, b)) {
            for (int p = 0; p < 4; p++) {
                manager.getOrCreateLog(new TopicPartition("t", p), LogConfig.DEFAULT);
            }
            assertEquals(2, partitionDirs(a).size());
            assertEquals(2, partitionDirs(b).size());
            PartitionLog same = manager.getOrCreateLog(new TopicPartition("t", 0), LogConfig.DEFAULT);
            assertEquals(same, manager.getLog(new TopicPartition("t", 0)).orElseThrow());

            for (String illegal : List.of("../escape", "a/b", "", ".", "..", "x".repeat(250), "sp ace")) {
                assertThrows(InvalidTopicException.class,
                        () -> manager.getOrCreateLog(new TopicPartition(illegal, 0), LogConfig.DEFAULT), illegal);
            }
            assertFalse(Files.exists(root.resolve("escape-0")));
        }
    }

    @Test
    void aCleanShutdownCheckpointsEverythingAndTheNextStartTrustsIt() throws IOException {
        Path dir = formatted("clean", 1);
        try (LogManager manager = start(dir)) {
            PartitionLog log = manager.getOrCreateLog(TP, LogConfig.DEFAULT);
            for (int i = 0; i < 5; i++) {
                appendAsLeader(log, batch(i, "v" + i), 0);
            }
            log.updateHighWatermark(3);
        }
        assertTrue(Files.exists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)));
        assertEquals(Map.of(TP, 5L), new OffsetCheckpointFile(dir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT)).read());
        assertEquals(Map.of(TP, 3L), new OffsetCheckpointFile(dir.resolve(LogManager.HIGH_WATERMARK_CHECKPOINT)).read());
        assertEquals(Map.of(TP, 0L), new OffsetCheckpointFile(dir.resolve(LogManager.LOG_START_OFFSET_CHECKPOINT)).read());

        try (LogManager manager = start(dir)) {
            assertFalse(Files.exists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)), "a crash from now on is unclean");
            PartitionLog log = manager.getLog(TP).orElseThrow();
            assertEquals(5, log.logEndOffset());
            assertEquals(3, log.highWatermark());
            assertEquals(5, log.recoveryPoint());
        }
    }

    @Test
    void recoversManyPartitionsInParallelAfterAnUncleanShutdown() throws IOException {
        Path dir = formatted("many", 1);
        List<Path> dirs = List.of(dir);
        int partitions = 20;
        try (LogManager manager = start(dir)) {
            for (int p = 0; p < partitions; p++) {
                PartitionLog log = manager.getOrCreateLog(new TopicPartition("t", p), LogConfig.DEFAULT);
                for (int i = 0; i < 10; i++) {
                    appendAsLeader(log, batch(i, "v" + i), 0);
                }
            }
        }
        Files.delete(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)); // as if the node had crashed
        new OffsetCheckpointFile(dir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT)).write(Map.of());
        for (Path partitionDir : partitionDirs(dir)) {
            try (RandomAccessFile segment = new RandomAccessFile(partitionDir.resolve("00000000000000000000.log").toFile(), "rw")) {
                segment.setLength(segment.length() - 5); // a torn last batch
            }
        }

        Set<String> loadingThreads = ConcurrentHashMap.newKeySet();
        LogManagerConfig fourThreads = new LogManagerConfig(dirs, 1, 4, 1, 300_000, 1_000, 60_000, 60_000, 5_000, true,
                LogManagerConfig.DEFAULT_CLEANER_BACKOFF_MS);
        try (LogManager manager = start(dirs, fourThreads, topic -> {
            loadingThreads.add(Thread.currentThread().getName());
            return LogConfig.DEFAULT;
        })) {
            assertEquals(partitions, manager.allLogs().size());
            for (PartitionLog log : manager.allLogs()) {
                assertEquals(9, log.logEndOffset(), log.toString());
            }
            assertEquals(4, loadingThreads.size(), loadingThreads.toString());
            assertTrue(loadingThreads.stream().allMatch(name -> name.startsWith("log-recovery-")));
        }
    }

    @Test
    void retentionAndFlushRunOnTheSchedulerByTheInjectedClock() throws IOException {
        Path dir = formatted("tasks", 1);
        LogConfig flushedByTime = LogConfig.fromMap(Map.of("flush.ms", 60_000));
        LogConfig expiring = LogConfig.fromMap(Map.of("segment.bytes", 200, "retention.ms", 3_600_000,
                "file.delete.delay.ms", 0));
        TopicPartition flushedTp = new TopicPartition("flushed", 0);
        try (LogManager manager = start(List.of(dir), fastTasks(List.of(dir)), topic -> LogConfig.DEFAULT)) {
            PartitionLog flushed = manager.getOrCreateLog(flushedTp, flushedByTime);
            PartitionLog log = manager.getOrCreateLog(TP, expiring);
            for (int i = 0; i < 6; i++) {
                appendAsLeader(flushed, batch(clock.millis(), "0123456789"), 0);
                appendAsLeader(log, batch(clock.millis(), "0123456789"), 0);
            }
            log.updateHighWatermark(log.logEndOffset());
            assertEquals(3, log.numberOfSegments());
            assertEquals(0, flushed.recoveryPoint(), "one segment, no roll: nothing flushed it yet");

            clock.advance(60_001);
            await().atMost(Duration.ofSeconds(10)).until(() -> flushed.recoveryPoint() == 6);
            assertEquals(3, log.numberOfSegments(), "nothing has expired yet");

            clock.advance(3_600_000);
            await().atMost(Duration.ofSeconds(10)).until(() -> log.numberOfSegments() == 1);
            assertEquals(4, log.logStartOffset());
            await().atMost(Duration.ofSeconds(10)).until(() -> Map.of(TP, 4L, flushedTp, 0L).equals(
                    new OffsetCheckpointFile(dir.resolve(LogManager.LOG_START_OFFSET_CHECKPOINT)).read()));
            await().atMost(Duration.ofSeconds(10)).until(() -> Map.of(TP, 6L, flushedTp, 0L).equals(
                    new OffsetCheckpointFile(dir.resolve(LogManager.HIGH_WATERMARK_CHECKPOINT)).read()));
        }
    }

    @Test
    void truncationCheckpointsTheLoweredRecoveryPointAtOnce() throws IOException {
        Path dir = formatted("truncate", 1);
        try (LogManager manager = start(dir)) {
            PartitionLog log = manager.getOrCreateLog(TP, LogConfig.DEFAULT);
            for (int i = 0; i < 10; i++) {
                appendAsLeader(log, batch(i, "v" + i), 0);
            }
            log.flush();
            manager.checkpointRecoveryPoints();
            OffsetCheckpointFile recoveryPoints = new OffsetCheckpointFile(dir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT));
            assertEquals(Map.of(TP, 10L), recoveryPoints.read());

            assertTrue(manager.truncateTo(TP, 4));
            assertEquals(Map.of(TP, 4L), recoveryPoints.read());

            manager.truncateFullyAndStartAt(TP, 20);
            assertEquals(Map.of(TP, 20L), recoveryPoints.read());
            assertEquals(Map.of(TP, 20L), new OffsetCheckpointFile(dir.resolve(LogManager.LOG_START_OFFSET_CHECKPOINT)).read());
        }
    }

    @Test
    void deletedLogsAreRenamedAtOnceAndRemovedInTheBackground() throws IOException {
        Path dir = formatted("delete", 1);
        try (LogManager manager = start(dir)) {
            appendAsLeader(manager.getOrCreateLog(TP, LogConfig.DEFAULT), batch(1, "gone"), 0);
            manager.getOrCreateLog(new TopicPartition("kept", 0), LogConfig.DEFAULT);

            assertTrue(manager.deleteLog(TP));
            assertFalse(manager.deleteLog(TP));

            assertTrue(manager.getLog(TP).isEmpty());
            assertFalse(Files.exists(dir.resolve("orders-0")));
            await().atMost(Duration.ofSeconds(10)).until(() -> partitionDirs(dir).size() == 1);
        }
        try (LogManager manager = start(dir)) {
            assertEquals(List.of(new TopicPartition("kept", 0)),
                    manager.allLogs().stream().map(PartitionLog::topicPartition).toList());
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        try (Stream<Path> tree = Files.walk(path)) {
            for (Path entry : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(entry);
            }
        }
    }

    private static Set<TopicPartition> logsIn(LogManager manager, Path dir) {
        return manager.allLogs().stream().filter(l -> l.dir().getParent().equals(dir))
                .map(PartitionLog::topicPartition).collect(Collectors.toSet());
    }

    @Test
    void aDirectoryRemovedUnderARunningNodeGoesOfflineAloneAtItsNextCheckpoint() throws IOException {
        Path a = formatted("a", 1);
        Path b = formatted("b", 1);
        List<LogDirFailure> failures = new CopyOnWriteArrayList<>();
        try (LogManager manager = start(List.of(a, b), fastTasks(List.of(a, b)), topic -> LogConfig.DEFAULT)) {
            manager.onLogDirFailure(failures::add);
            for (int p = 0; p < 4; p++) {
                appendAsLeader(manager.getOrCreateLog(new TopicPartition("t", p), LogConfig.DEFAULT), batch(p, "v"), 0);
            }
            Set<TopicPartition> inA = logsIn(manager, a);
            Set<TopicPartition> inB = logsIn(manager, b);
            assertEquals(2, inB.size(), "the least loaded directory first");

            // As rm -rf under the node (again if a checkpoint's temporary file lands meanwhile): its open
            // segments still take appends, the checkpoints notice.
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                if (Files.exists(b)) {
                    deleteRecursively(b);
                }
                return !Files.exists(b);
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> !failures.isEmpty());

            LogDirFailure failure = failures.get(0);
            assertEquals(b, failure.dir());
            assertEquals(inB, failure.partitions());
            assertTrue(failure.anyDirOnline());
            assertEquals(manager.directoryIds().get(1), failure.directoryId());
            assertTrue(manager.isOffline(b) && !manager.isOffline(a));
            assertEquals(inA, manager.allLogs().stream().map(PartitionLog::topicPartition).collect(Collectors.toSet()));
            inB.forEach(tp -> assertTrue(manager.getLog(tp).isEmpty(), tp + " is gone with its directory"));

            TopicPartition first = inA.iterator().next();
            appendAsLeader(manager.getLog(first).orElseThrow(), batch(7, "still"), 0);
            PartitionLog created = manager.getOrCreateLog(new TopicPartition("new", 0), LogConfig.DEFAULT);
            assertEquals(a, created.dir().getParent(), "no log is created in an offline directory");
            manager.checkpointHighWatermarks();
            assertEquals(1, failures.size(), "a directory fails once");
        }
        assertTrue(Files.exists(a.resolve(LogManager.CLEAN_SHUTDOWN_FILE)), "the online directory closes cleanly");
        assertFalse(Files.exists(b));
    }

    @Test
    void aStorageErrorOfALogTakesItsDirectoryOfflineButAClosedLogsDoesNot() throws IOException {
        Path a = formatted("a", 1);
        Path b = formatted("b", 1);
        List<LogDirFailure> failures = new CopyOnWriteArrayList<>();
        try (LogManager manager = start(a, b)) {
            manager.onLogDirFailure(failures::add);
            PartitionLog deleted = manager.getOrCreateLog(new TopicPartition("deleted", 0), LogConfig.DEFAULT);
            LogConfig small = LogConfig.fromMap(Map.of("segment.bytes", 200));
            PartitionLog failing = manager.getOrCreateLog(new TopicPartition("failing", 0), small);
            assertEquals(b, failing.dir().getParent());
            appendAsLeader(deleted, batch(0, "v"), 0);

            assertTrue(manager.deleteLog(deleted.topicPartition()));
            RuntimeException closed = assertThrows(RuntimeException.class,
                    () -> deleted.read(0, 1 << 20, FetchIsolation.LOG_END, true));
            manager.reportStorageError(deleted, closed);
            assertFalse(manager.isOffline(a), "a log closed under its reader says nothing of its disk: " + closed);

            // The partition's directory is moved away: the open segment takes appends, the roll's new files fail.
            Files.move(failing.dir(), root.resolve("moved-away"));
            RuntimeException error = assertThrows(RuntimeException.class, () -> {
                for (int i = 0; i < 20; i++) {
                    appendAsLeader(failing, batch(i, "x".repeat(50)), 0);
                }
            });
            manager.reportStorageError(failing, error);
            assertTrue(manager.isOffline(b), error.toString());
            await().atMost(Duration.ofSeconds(30)).until(() -> failures.size() == 1);
            assertEquals(Set.of(failing.topicPartition()), failures.get(0).partitions());
            assertTrue(manager.getLog(failing.topicPartition()).isEmpty());
        }
    }

    private static final LogConfig COMPACTED = LogConfig.fromMap(Map.of("cleanup.policy", "compact", "segment.bytes", 300));

    /** A manager of compacted logs whose cleaner, if enabled, runs every 20 ms. */
    private LogManager startCompacting(String name, boolean cleanerEnable) throws IOException {
        Path dir = formatted(name, 1);
        return start(List.of(dir), new LogManagerConfig(List.of(dir), 1, 1, 2, 300_000, 1_000, 60_000, 60_000, 5_000,
                cleanerEnable, 20), topic -> COMPACTED);
    }

    private static void writeOverwrites(PartitionLog log) {
        for (int i = 0; i < 30; i++) {
            appendAsLeader(log, TestRecords.keyedBatch(Compression.NONE, i, "k" + i % 3, "v" + i), 0);
        }
        log.roll();
        log.updateHighWatermark(log.logEndOffset());
    }

    private static Set<Thread> cleanerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(thread -> thread.getName().equals("log-cleaner"))
                .collect(Collectors.toSet());
    }

    @Test
    void theCleanerThreadCompactsCompactedLogsAndStopsOnClose() throws IOException {
        Set<Thread> mine = new HashSet<>();
        Set<Thread> others = cleanerThreads();
        try (LogManager manager = startCompacting("compact", true)) {
            PartitionLog log = manager.getOrCreateLog(TP, COMPACTED);
            writeOverwrites(log);
            Path dir = manager.logDirs().get(0);

            // The checkpoint is written just after the cleaned segment is swapped in: wait for both.
            OffsetCheckpointFile checkpoint = new OffsetCheckpointFile(dir.resolve(LogCleaner.CHECKPOINT_FILE));
            await().atMost(Duration.ofSeconds(30)).until(() -> TestLogs.readAll(log).size() == 3
                    && checkpoint.read().equals(Map.of(TP, 30L)));
            assertEquals(List.of("v27", "v28", "v29"), TestLogs.readAll(log).stream().map(Rec::value).toList());
            mine.addAll(cleanerThreads());
            mine.removeAll(others);
            assertEquals(1, mine.size());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> mine.stream().noneMatch(Thread::isAlive));
    }

    @Test
    void cleanNowCompactsOneLogEvenWithTheCleanerDisabled() throws IOException {
        try (LogManager manager = startCompacting("clean-now", false)) {
            writeOverwrites(manager.getOrCreateLog(TP, COMPACTED));

            LogCleaner.CleanStats stats = manager.cleanNow(TP).orElseThrow();

            assertEquals(30, stats.endOffset());
            assertEquals(3, stats.recordsKept());
            assertEquals(3, TestLogs.readAll(manager.getLog(TP).orElseThrow()).size());
            assertThrows(IllegalArgumentException.class, () -> manager.cleanNow(new TopicPartition("none", 0)));
        }
    }

    private static List<Path> partitionDirs(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isDirectory).toList();
        }
    }
}
