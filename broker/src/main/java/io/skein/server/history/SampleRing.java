package io.skein.server.history;

/**
 * The last {@code capacity} samples of a fixed set of series: arrays allocated once, the oldest
 * sample overwritten by the next, so its memory is {@link #bytes()} however long the node runs. A
 * value is NaN where the series had none at that sample. Written by the sampler thread, read by the
 * threads answering queries.
 */
final class SampleRing {
    private final long[] times;
    /** By series, then slot. */
    private final double[][] values;
    /** The slot the next sample goes to. */
    private int next;
    private int size;

    SampleRing(int capacity, int series) {
        if (capacity <= 0 || series <= 0) {
            throw new IllegalArgumentException("A ring holds at least one sample of one series");
        }
        this.times = new long[capacity];
        this.values = new double[series][capacity];
    }

    /** Adds a sample taken at {@code time} (later than the last one), one value per series. */
    synchronized void add(long time, double[] sample) {
        if (sample.length != values.length) {
            throw new IllegalArgumentException("A sample has " + values.length + " values, not " + sample.length);
        }
        if (size > 0 && time <= times[(next - 1 + times.length) % times.length]) {
            throw new IllegalArgumentException("Samples are added in time order: " + time + " is not after the last");
        }
        times[next] = time;
        for (int s = 0; s < values.length; s++) {
            values[s][next] = sample[s];
        }
        next = (next + 1) % times.length;
        size = Math.min(size + 1, times.length);
    }

    /** The samples taken after {@code sinceMs}, oldest first: a copy. */
    synchronized Window since(long sinceMs) {
        int first = (next - size + times.length) % times.length;
        int skip = 0;
        while (skip < size && times[(first + skip) % times.length] <= sinceMs) {
            skip++;
        }
        int count = size - skip;
        long[] windowTimes = new long[count];
        double[][] windowValues = new double[values.length][count];
        for (int i = 0; i < count; i++) {
            int slot = (first + skip + i) % times.length;
            windowTimes[i] = times[slot];
            for (int s = 0; s < values.length; s++) {
                windowValues[s][i] = values[s][slot];
            }
        }
        return new Window(windowTimes, windowValues);
    }

    /** The time of the newest sample, or {@link Long#MIN_VALUE} if there is none. */
    synchronized long newest() {
        return size == 0 ? Long.MIN_VALUE : times[(next - 1 + times.length) % times.length];
    }

    synchronized int size() {
        return size;
    }

    int capacity() {
        return times.length;
    }

    /** What its arrays take: 8 bytes per slot for the time and 8 per series. */
    long bytes() {
        return (long) times.length * Long.BYTES * (1 + values.length);
    }

    /** Samples in time order: {@code values[series][i]} was taken at {@code times[i]}. */
    record Window(long[] times, double[][] values) {
    }
}
