package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static io.skein.log.record.TestRecords.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.record.TestRecords;
import io.skein.log.record.TestRecords.Rec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers running beside the writer, through appends, rolls, index growth and retention, always see
 * whole, intact batches holding exactly what was appended at those offsets.
 */
class ConcurrentReadTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    @Test
    void readersSeeOnlyWholeAppendedBatchesWhileTheWriterAppendsRollsAndDeletes() throws Exception {
        LogConfig config = LogConfig.fromMap(Map.of("segment.bytes", 4096, "index.interval.bytes", 256,
                "retention.bytes", 64 * 1024));
        try (PartitionLog log = logs.open(dir, config)) {
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong reads = new AtomicLong();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            ExecutorService readers = Executors.newFixedThreadPool(3);
            List<Future<?>> running = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                long seed = r;
                running.add(readers.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    while (writing.get()) {
                        long start = log.logStartOffset();
                        long end = log.highWatermark();
                        if (end <= start) {
                            continue;
                        }
                        long offset = start + random.nextLong(end - start);
                        try {
                            List<Rec> read = TestRecords.records(log.read(offset, 1 + random.nextInt(2048),
                                    FetchIsolation.HIGH_WATERMARK, true));
                            check(read, offset, log.highWatermark()); // it only grows here

                            reads.incrementAndGet();
                        } catch (OffsetOutOfRangeException e) {
                            // retention moved the log start past the offset after it was chosen
                        } catch (Throwable e) {
                            failures.add(e);
                            return;
                        }
                    }
                }));
            }
            for (long offset = 0; offset < 3000; offset += 3) {
                appendAsLeader(log, batch(offset, "v" + offset, "v" + (offset + 1), "v" + (offset + 2)), 0);
                log.updateHighWatermark(log.logEndOffset());
                if (offset % 300 == 0) {
                    log.deleteOldSegments();
                }
            }
            writing.set(false);
            for (Future<?> reader : running) {
                reader.get(60, TimeUnit.SECONDS);
            }
            readers.shutdown();

            assertEquals(List.of(), List.copyOf(failures));
            assertTrue(reads.get() > 100, "the readers read while the writer wrote: " + reads.get());
            assertTrue(log.logStartOffset() > 0, "retention deleted segments under the readers");
        }
    }

    /** A read holds whole batches starting at or before the offset, contiguous, below the bound. */
    private static void check(List<Rec> read, long offset, long bound) {
        if (read.isEmpty()) {
            throw new AssertionError("nothing read at " + offset + " below " + bound);
        }
        assertTrue(read.get(0).offset() <= offset && read.get(0).offset() % 3 == 0, "starts with its batch");
        for (int i = 0; i < read.size(); i++) {
            Rec record = read.get(i);
            assertEquals(read.get(0).offset() + i, record.offset());
            assertEquals("v" + record.offset(), record.value());
            assertTrue(record.offset() < bound, "below the high watermark");
        }
        assertEquals(2, read.get(read.size() - 1).offset() % 3, "ends with a whole batch");
    }
}
