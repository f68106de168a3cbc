package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;

import io.skein.log.record.TestRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Appends as leader, offset assignment and validation included: 1 KiB records in 16 KiB batches, from
 * direct buffers as the network layer hands them over. {@code bytes} is the append throughput in
 * bytes per second. Each iteration writes a fresh log, deleted afterwards without an fsync, as
 * {@code dd} to the page cache does; {@code flushMessages=1} fsyncs every append.
 *
 * <p>Run with {@code scripts/bench-log-engine.sh}; files go to {@code -Dskein.bench.dir}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AppendBenchmark {
    static final int RECORDS_PER_BATCH = 16;
    static final int RECORD_SIZE = 1024;

    @State(Scope.Benchmark)
    public static class LogState {
        @Param({"default", "1"})
        public String flushMessages;

        BenchmarkLog bench;
        /** Appends of {@link #appendPipelined} still awaiting their flush; drained before the log closes. */
        final ArrayDeque<CompletableFuture<Void>> pending = new ArrayDeque<>();

        @Setup(Level.Iteration)
        public void open() throws IOException {
            bench = BenchmarkLog.open("append", flushMessages.equals("default") ? LogConfig.DEFAULT
                    : LogConfig.fromMap(Map.of("flush.messages", flushMessages)));
        }

        @TearDown(Level.Iteration)
        public void delete() throws IOException {
            pending.forEach(CompletableFuture::join);
            pending.clear();
            bench.close();
        }
    }

    /** One producer connection's batch: appended again and again, restamped each time. */
    @State(Scope.Thread)
    public static class BatchState {
        ByteBuffer batch;

        @Setup
        public void build() {
            batch = TestRecords.sizedBatch(System.currentTimeMillis(), RECORDS_PER_BATCH, RECORD_SIZE);
        }
    }


    @Benchmark
    public LogAppendInfo append(LogState state, BatchState batch, BenchmarkBytes bytes) {
        bytes.bytes += batch.batch.remaining();
        return appendAsLeader(state.bench.log, batch.batch, 1);
    }

    /** How many appends {@link #appendPipelined} keeps awaiting their flush, as a broker pipelines produce requests. */
    @State(Scope.Thread)
    public static class Pipeline {
        @Param({"32", "128"})
        public int inFlight;
    }

    /** One thread, appends pipelined: with flush.messages=1, fsyncs complete whole groups of them. */
    @Benchmark
    public void appendPipelined(LogState state, BatchState batch, Pipeline pipeline, BenchmarkBytes bytes) {
        if (state.pending.size() >= pipeline.inFlight) {
            state.pending.poll().join();
        }
        bytes.bytes += batch.batch.remaining();
        state.pending.add(state.bench.log.appendAsLeader(batch.batch, 1).flushed());
    }

    /** Eight producers on one partition, each waiting for its own append. */
    @Benchmark
    @Threads(8)
    public LogAppendInfo appendFromEightProducers(LogState state, BatchState batch, BenchmarkBytes bytes) {
        bytes.bytes += batch.batch.remaining();
        return appendAsLeader(state.bench.log, batch.batch, 1);
    }
}
