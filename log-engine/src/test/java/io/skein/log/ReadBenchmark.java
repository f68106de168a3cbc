package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;

import io.skein.log.record.TestRecords;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reads as a consumer fetch does: a random offset, up to {@code maxBytes}, bounded by the high
 * watermark, returned as a file slice. {@code readSlice} is the log engine's own work (segment and
 * index lookup, batch scan); {@code readAndSendfile} also hands the slice to {@code sendfile}
 * (into /dev/null), as the network layer will. {@code bytes} counts the bytes served per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ReadBenchmark {
    private static final long LOG_BYTES = 512L << 20;

    @State(Scope.Benchmark)
    public static class LogState {
        @Param({"1048576"})
        public int maxBytes;

        BenchmarkLog bench;
        PartitionLog log;
        FileChannel devNull;

        @Setup(Level.Trial)
        public void fill() throws IOException {
            bench = BenchmarkLog.open("read", LogConfig.DEFAULT);
            log = bench.log;
            ByteBuffer batch = TestRecords.sizedBatch(System.currentTimeMillis(), AppendBenchmark.RECORDS_PER_BATCH,
                    AppendBenchmark.RECORD_SIZE);
            while (log.size() < LOG_BYTES) {
                appendAsLeader(log, batch, 1);
            }
            log.updateHighWatermark(log.logEndOffset());
            devNull = new FileOutputStream("/dev/null").getChannel();
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            devNull.close();
            bench.close();
        }
    }

    @State(Scope.Thread)
    public static class Offsets {
        final SplittableRandom random = new SplittableRandom(42);
    }


    @Benchmark
    public FileSlice readSlice(LogState state, Offsets offsets, BenchmarkBytes bytes) {
        FileSlice slice = state.log.read(offsets.random.nextLong(state.log.logEndOffset()), state.maxBytes,
                FetchIsolation.HIGH_WATERMARK, true);
        bytes.bytes += slice.length();
        return slice;
    }

    @Benchmark
    public long readAndSendfile(LogState state, Offsets offsets, BenchmarkBytes bytes) throws IOException {
        FileSlice slice = state.log.read(offsets.random.nextLong(state.log.logEndOffset()), state.maxBytes,
                FetchIsolation.HIGH_WATERMARK, true);
        long sent = 0;
        while (sent < slice.length()) {
            sent += slice.channel().transferTo(slice.position() + sent, slice.length() - sent, state.devNull);
        }
        bytes.bytes += sent;
        return sent;
    }
}
