package io.skein.broker.util;

import java.util.Arrays;

/**
 * A rate per second measured as Kafka's quota sensors measure it (its {@code SampledStat} with
 * {@code Rate} or {@code SimpleRate}): values are added to the current sample, a new sample starts
 * once the current one is {@code sampleMs} old, {@code samples} of them are kept (one more while a
 * sample overlaps the window's start), a sample without a value for {@code samples × sampleMs} starts
 * over empty, and the rate is their sum over the time since the oldest sample began, which {@link
 * Window} stretches for a young measure. Not thread-safe: its owner holds a lock around each use.
 * Allocates only its samples, once.
 */
public final class SampledRate {
    /** How the time a rate is taken over is stretched while the measure is young. */
    public enum Window {
        /** At least one sample's length (Kafka's {@code SimpleRate}, the replication throttles'). */
        ELAPSED,
        /**
         * At least {@code samples - 1} whole samples plus the current one's part (Kafka's {@code Rate},
         * the client quotas'): a burst at the start is spread over the whole window.
         */
        FULL
    }

    private final int samples;
    private final long sampleMs;
    private final Window window;
    private final long[] startMs;
    private final long[] lastValueMs;
    private final double[] values;
    /** Samples in use, up to {@code samples + 1}. */
    private int used;
    private int current;

    public SampledRate(int samples, long sampleMs, Window window) {
        if (samples < 1 || sampleMs < 1) {
            throw new IllegalArgumentException("A rate needs at least one sample of at least 1 ms");
        }
        this.samples = samples;
        this.sampleMs = sampleMs;
        this.window = window;
        this.startMs = new long[samples + 1];
        this.lastValueMs = new long[samples + 1];
        this.values = new double[samples + 1];
    }

    /** Adds {@code value} (negative: takes it back) at {@code nowMs}. */
    public void record(double value, long nowMs) {
        if (used == 0) {
            startSample(0, nowMs);
            used = 1;
        } else if (nowMs - startMs[current] >= sampleMs) {
            current = (current + 1) % (samples + 1);
            if (current == used) {
                used++;
            }
            startSample(current, nowMs);
        }
        values[current] += value;
        lastValueMs[current] = nowMs;
    }

    /** Per second, at {@code nowMs}. */
    public double rate(long nowMs) {
        purgeObsolete(nowMs);
        double total = 0;
        for (int i = 0; i < used; i++) {
            total += values[i];
        }
        return total * 1000.0 / windowMs(nowMs);
    }

    /** The time in ms the rate is taken over at {@code nowMs}: at least 1. */
    public long windowMs(long nowMs) {
        purgeObsolete(nowMs);
        long oldestStart = nowMs;
        for (int i = 0; i < used; i++) {
            oldestStart = Math.min(oldestStart, startMs[i]);
        }
        long elapsed = nowMs - oldestStart;
        if (window == Window.ELAPSED) {
            return Math.max(elapsed, sampleMs);
        }
        long wholeSamples = elapsed / sampleMs;
        if (wholeSamples < samples - 1) {
            elapsed += (samples - 1 - wholeSamples) * sampleMs;
        }
        return Math.max(elapsed, 1);
    }

    /** Samples with no value for the whole window start over, empty, now. */
    private void purgeObsolete(long nowMs) {
        for (int i = 0; i < used; i++) {
            if (nowMs - lastValueMs[i] >= samples * sampleMs) {
                startSample(i, nowMs);
            }
        }
    }

    private void startSample(int sample, long nowMs) {
        startMs[sample] = nowMs;
        lastValueMs[sample] = nowMs;
        values[sample] = 0;
    }

    @Override
    public String toString() {
        return "SampledRate(" + window + ", " + samples + " x " + sampleMs + " ms: " + Arrays.toString(values) + ")";
    }
}
