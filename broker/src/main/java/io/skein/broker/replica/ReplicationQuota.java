package io.skein.broker.replica;

import io.skein.broker.util.SampledRate;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A replication throttle's byte rate, as Kafka's ReplicationQuotaManager measures it: bytes recorded
 * in 11 samples of one second each (Kafka's {@code replication.quota.window.num} and
 * {@code .window.size.seconds}), the rate being their sum over the time since the oldest sample began
 * (at least one sample's length, {@link SampledRate.Window#ELAPSED}), and the quota exceeded while that
 * rate is above the bound. Samples older than the whole window count for nothing. A partition's
 * replicas throttled or not is the partition's matter ({@link #throttles}); this only measures.
 *
 * <p>Recorded by the replica fetcher (follower side) and request threads (leader side), once per fetch
 * and partition, never per record.
 */
public final class ReplicationQuota {
    static final int SAMPLES = 11;
    static final long SAMPLE_MS = 1_000;

    private final LongSupplier clockMs;
    private final SampledRate rate = new SampledRate(SAMPLES, SAMPLE_MS, SampledRate.Window.ELAPSED);
    private volatile long bytesPerSecond = Long.MAX_VALUE;

    /** @param clockMs monotonic milliseconds */
    public ReplicationQuota(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    /** The bound in bytes per second; {@link Long#MAX_VALUE}: none. */
    public void bound(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Counts {@code bytes} of throttled replicas replicated now, whether or not the quota is exceeded. */
    public synchronized void record(long bytes) {
        rate.record(bytes, clockMs.getAsLong());
    }

    /** Whether the recorded rate is above the bound (never without one). */
    public boolean isExceeded() {
        long bound = bytesPerSecond;
        return bound != Long.MAX_VALUE && rate() > bound;
    }

    /** Bytes per second over the samples kept. */
    synchronized double rate() {
        return rate.rate(clockMs.getAsLong());
    }

    /**
     * Whether a throttled-replicas list ({@code *}, or {@code partitionId:brokerId} pairs) names the
     * replica of {@code partition} on {@code broker}.
     */
    public static boolean throttles(List<String> throttledReplicas, int partition, int broker) {
        String replica = partition + ":" + broker;
        return throttledReplicas.stream().map(String::trim).anyMatch(entry -> entry.equals("*") || entry.equals(replica));
    }
}
