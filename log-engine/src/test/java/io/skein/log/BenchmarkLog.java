package io.skein.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;

/** A partition log for a benchmark, in a fresh directory under {@code -Dskein.bench.dir}; closing deletes it. */
final class BenchmarkLog implements AutoCloseable {
    final PartitionLog log;
    private final Path dir;
    private final ScheduledExecutorService scheduler;

    private BenchmarkLog(Path dir, ScheduledExecutorService scheduler, PartitionLog log) {
        this.dir = dir;
        this.scheduler = scheduler;
        this.log = log;
    }

    static BenchmarkLog open(String name, LogConfig config) throws IOException {
        Path parent = Path.of(System.getProperty("skein.bench.dir", System.getProperty("java.io.tmpdir")));
        Path dir = Files.createTempDirectory(parent, name);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        return new BenchmarkLog(dir, scheduler, PartitionLog.open(dir, new TopicPartition(name, 0), config,
                LogLoader.Checkpoints.NONE, true, scheduler, FlushListener.NONE, Clock.systemUTC()));
    }

    /** Closes the log without a flush and deletes its files, dropping their dirty pages. */
    @Override
    public void close() throws IOException {
        log.close();
        scheduler.shutdownNow();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
