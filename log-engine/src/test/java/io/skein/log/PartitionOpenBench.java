package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;

import io.skein.log.producer.ProducerSnapshots;
import io.skein.log.record.RecordBatchView;
import io.skein.log.record.TestRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;

/**
 * How long opening a big partition log takes, producer state included: the log is opened as the
 * broker's {@code LogManager} opens it, with default settings, after a clean shutdown and after a crash,
 * with and without producer snapshots. Not a JMH benchmark: each open is one long operation on
 * gigabytes, timed once per trial. Run with {@code scripts/bench-partition-open.sh}.
 *
 * <pre>
 *   PartitionOpenBench generate DIR GIB PRODUCERS RECORDS_PER_BATCH VALUE_BYTES
 *   PartitionOpenBench measure DIR TRIALS [cold]
 * </pre>
 * {@code cold} drops the page cache of the partition's files before each open (GNU dd's
 * {@code iflag=nocache}, for these files only).
 */
public final class PartitionOpenBench {
    private static final TopicPartition TP = new TopicPartition("bench", 0);
    /** The generated partition's directory, beside which the snapshots of each case are kept. */
    private static final String LOG = "bench-0";
    private static final String ALL_SNAPSHOTS = "snapshots-all";

    private PartitionOpenBench() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[1]);
        if (args[0].equals("generate")) {
            generate(root, Double.parseDouble(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
        } else {
            measure(root, Integer.parseInt(args[2]), args.length > 3 && args[3].equals("cold"));
        }
    }

    /** Round-robin batches of {@code producers} idempotent producers, appended as leader, then a clean close. */
    static void generate(Path root, double gib, int producers, int recordsPerBatch, int valueBytes) throws Exception {
        long target = (long) (gib * (1L << 30));
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        PartitionLog log = PartitionLog.open(root.resolve(LOG), TP, LogConfig.DEFAULT, LogLoader.Checkpoints.NONE,
                true, scheduler, FlushListener.NONE, Clock.systemUTC());
        ByteBuffer[] templates = new ByteBuffer[producers];
        String[] keysAndValues = new String[2 * recordsPerBatch];
        for (int r = 0; r < recordsPerBatch; r++) {
            keysAndValues[2 * r] = "key-" + r;
            keysAndValues[2 * r + 1] = "v".repeat(valueBytes);
        }
        for (int p = 0; p < producers; p++) {
            templates[p] = TestRecords.idempotentBatch(1000 + p, (short) 0, 0, System.currentTimeMillis(), keysAndValues);
        }
        int[] sequences = new int[producers];
        RecordBatchView view = new RecordBatchView();
        long batches = 0;
        long started = System.nanoTime();
        while (log.size() < target) {
            int p = (int) (batches % producers);
            ByteBuffer batch = templates[p];
            batch.putInt(53, sequences[p]); // base sequence, under the CRC
            batch.putInt(17, view.at(batch, 0).computeCrc());
            appendAsLeader(log, batch.duplicate(), 0);
            sequences[p] += recordsPerBatch;
            batches++;
        }
        scheduler.submit(() -> { }).get(); // the snapshot of the last roll is written
        log.flush();
        log.close();
        scheduler.shutdown();
        Path all = Files.createDirectories(root.resolve(ALL_SNAPSHOTS));
        for (long offset : ProducerSnapshots.offsets(log.dir())) {
            Files.copy(ProducerSnapshots.file(log.dir(), offset), ProducerSnapshots.file(all, offset));
        }
        System.out.printf("generated %,d bytes in %,d batches of %d records of %d-byte values from %d producers"
                        + " (segment.bytes %,d: %d segments), log end offset %,d, in %.0f s; snapshots at %s%n",
                log.size(), batches, recordsPerBatch, valueBytes, producers, LogConfig.DEFAULT.segmentBytes(),
                log.numberOfSegments(), log.logEndOffset(), (System.nanoTime() - started) / 1e9,
                ProducerSnapshots.offsets(all));
    }

    /** One way to open the log: after a clean shutdown or a crash, with some of the snapshots. */
    private record Case(String name, boolean clean, boolean rollSnapshots, boolean closeSnapshot) {
    }

    static void measure(Path root, int trials, boolean cold) throws Exception {
        Path dir = root.resolve(LOG);
        List<Long> snapshots = new ArrayList<>(ProducerSnapshots.offsets(root.resolve(ALL_SNAPSHOTS)));
        long logEnd = snapshots.get(snapshots.size() - 1);
        List<Long> bases = segmentBases(dir);
        long activeBase = bases.get(bases.size() - 1);
        System.out.printf("partition %s: %,d bytes in %d segments, log end offset %,d; page cache %s; %d trials%n",
                dir, directorySize(dir), bases.size(), logEnd, cold ? "dropped before each open" : "warm", trials);
        List<Case> cases = List.of(
                new Case("clean shutdown, no snapshot (full scan, as before)", true, false, false),
                new Case("clean shutdown, snapshot at the log end", true, true, true),
                new Case("crash, no snapshot (recovery + full scan, as before)", false, false, false),
                new Case("crash, roll snapshots only (recovery + replay of the active segment)", false, true, false));
        for (Case c : cases) {
            List<String> times = new ArrayList<>();
            for (int trial = 0; trial < trials; trial++) {
                placeSnapshots(root, dir, snapshots, c, logEnd);
                if (cold) {
                    dropPageCache(dir);
                }
                // After a crash the recovery point is where the last roll's flush left it: the active segment's base.
                LogLoader.Checkpoints checkpoints = new LogLoader.Checkpoints(c.clean() ? logEnd : activeBase, 0, logEnd);
                ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
                long started = System.nanoTime();
                PartitionLog log = PartitionLog.open(dir, TP, LogConfig.DEFAULT, checkpoints, c.clean(), scheduler,
                        FlushListener.NONE, Clock.systemUTC());
                double ms = (System.nanoTime() - started) / 1e6;
                int producers = log.producerState().entries().size();
                log.close();
                scheduler.shutdown();
                times.add(String.format("%,.0f ms", ms));
                if (producers == 0) {
                    throw new IllegalStateException("no producers loaded in case " + c.name());
                }
            }
            System.out.printf("  %-72s %s%n", c.name(), String.join(", ", times));
        }
        placeSnapshots(root, dir, snapshots, cases.get(1), logEnd);
    }

    private static void placeSnapshots(Path root, Path dir, List<Long> all, Case c, long logEnd) throws IOException {
        for (long offset : ProducerSnapshots.offsets(dir)) {
            Files.delete(ProducerSnapshots.file(dir, offset));
        }
        for (long offset : all) {
            boolean wanted = offset == logEnd ? c.closeSnapshot() : c.rollSnapshots();
            if (wanted) {
                Files.copy(ProducerSnapshots.file(root.resolve(ALL_SNAPSHOTS), offset), ProducerSnapshots.file(dir, offset),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void dropPageCache(Path dir) throws IOException, InterruptedException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Process dd = new ProcessBuilder("dd", "if=" + file, "iflag=nocache", "count=0", "status=none")
                        .inheritIO().start();
                if (dd.waitFor() != 0) {
                    throw new IOException("dd could not drop the page cache of " + file);
                }
            }
        }
    }

    private static List<Long> segmentBases(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(LogSegment.LOG_SUFFIX))
                    .map(n -> Long.parseLong(n.substring(0, 20))).sorted().toList();
        }
    }

    private static long directorySize(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(f -> f.toFile().length()).sum();
        }
    }
}
