package io.skein.log;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** Bytes a benchmark moved: JMH reports the counter per second, i.e. the throughput in bytes/s. */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class BenchmarkBytes {
    public long bytes;
}
