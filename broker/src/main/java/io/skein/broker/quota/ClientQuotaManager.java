package io.skein.broker.quota;

import io.skein.broker.quota.ClientQuotaLimits.Limit;
import io.skein.broker.quota.ClientQuotaLimits.QuotaId;
import io.skein.broker.util.SampledRate;
import io.skein.metadata.image.ClientQuotaKey;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One kind of client quota (produce bytes, fetch bytes or request time) as Kafka's ClientQuotaManager
 * enforces it: what clients use is recorded in a rate per quota id ({@link ClientQuotaLimits}) over
 * {@code quota.window.num} samples of {@code quota.window.size.seconds} each, and a request that takes
 * the rate above the bound is answered with the time the client must wait for the rate to come back to
 * it if nothing more were recorded (KIP-13): {@code (rate - bound) / bound × window}; for request time,
 * at most one sample's length (KIP-124). Nothing is recorded for clients no quota applies to, nor while
 * no quota of this kind exists. Thread-safe; each rate is locked only while it is recorded.
 */
final class ClientQuotaManager {
    /** A rate not recorded to for this long is dropped, as Kafka expires its quota sensors. */
    static final long IDLE_EXPIRY_MS = TimeUnit.HOURS.toMillis(1);

    private final ClientQuotaKey key;
    private final int samples;
    private final long sampleMs;
    private final ConcurrentHashMap<QuotaId, ClientRate> rates = new ConcurrentHashMap<>();
    private volatile ClientQuotaLimits limits = ClientQuotaLimits.NONE;

    ClientQuotaManager(ClientQuotaKey key, int samples, long sampleMs) {
        this.key = key;
        this.samples = samples;
        this.sampleMs = sampleMs;
    }

    ClientQuotaKey key() {
        return key;
    }

    void limits(ClientQuotaLimits limits) {
        this.limits = limits;
    }

    /** Whether any quota of this kind exists: else nothing is recorded, and nothing throttled. */
    boolean enabled() {
        return !limits.isEmpty();
    }

    /** Whether a quota of this kind applies to the client. */
    boolean limited(String user, String clientId) {
        return limits.limit(user, clientId) != null;
    }

    /**
     * Records {@code value} for the client at {@code nowMs}.
     *
     * @return how long in ms the client is throttled for; 0 within its quota
     */
    int recordAndGetThrottleTimeMs(String user, String clientId, double value, long nowMs) {
        Limit limit = limits.limit(user, clientId);
        if (limit == null) {
            return 0;
        }
        return rates.computeIfAbsent(limit.id(), id -> new ClientRate(samples, sampleMs))
                .recordAndGetThrottleTimeMs(value, limit.bound(), nowMs, key == ClientQuotaKey.REQUEST_PERCENTAGE
                        ? sampleMs : Long.MAX_VALUE);
    }

    /**
     * Takes back {@code value} recorded at {@code nowMs}: a throttled fetch is answered without its
     * records, so they do not count (Kafka's {@code unrecordQuotaSensor}).
     */
    void unrecord(String user, String clientId, double value, long nowMs) {
        Limit limit = limits.limit(user, clientId);
        ClientRate rate = limit == null ? null : rates.get(limit.id());
        if (rate != null) {
            rate.record(-value, nowMs);
        }
    }

    /**
     * The most that may be recorded at once without certainly being throttled, even with nothing
     * recorded before: {@code bound × (samples - 1) × sample length}. A fetch asks for no more bytes.
     */
    double maxValueInQuotaWindow(String user, String clientId) {
        Limit limit = limits.limit(user, clientId);
        return limit == null ? Double.MAX_VALUE : limit.bound() * (samples - 1) * sampleMs / 1000.0;
    }

    /** Drops the rates not recorded to within {@link #IDLE_EXPIRY_MS} of {@code nowMs}, and the clients' cached limits. */
    void expireIdle(long nowMs) {
        rates.values().removeIf(rate -> rate.idleSince(nowMs - IDLE_EXPIRY_MS));
        limits.forgetClients();
    }

    /** One quota id's rate. */
    private static final class ClientRate {
        private final SampledRate rate;
        private long lastRecordMs;

        ClientRate(int samples, long sampleMs) {
            this.rate = new SampledRate(samples, sampleMs, SampledRate.Window.FULL);
        }

        synchronized int recordAndGetThrottleTimeMs(double value, double bound, long nowMs, long maxThrottleMs) {
            record(value, nowMs);
            double measured = rate.rate(nowMs);
            if (measured <= bound) {
                return 0;
            }
            double throttleMs = (measured - bound) / bound * rate.windowMs(nowMs);
            return (int) Math.min(Math.min(Math.round(throttleMs), maxThrottleMs), Integer.MAX_VALUE);
        }

        synchronized void record(double value, long nowMs) {
            rate.record(value, nowMs);
            lastRecordMs = nowMs;
        }

        synchronized boolean idleSince(long ms) {
            return lastRecordMs < ms;
        }
    }
}
