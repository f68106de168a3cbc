package io.skein.broker.quota;

import io.skein.metadata.image.ClientQuotaEntity;
import io.skein.metadata.image.ClientQuotaKey;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The client quotas this broker enforces, from its metadata image, each kind measured on this broker
 * alone as in Kafka: produce bytes (the requests' sizes), fetch bytes (the responses' sizes) and request
 * time (the time request threads spend on a client's requests, as a percentage of one thread). Whom a
 * quota holds to, and who shares a rate, is {@link ClientQuotaLimits}' matter; how a rate is measured and
 * a throttle time computed, {@link ClientQuotaManager}'s. A user is the name of the principal its
 * connection authenticated as ({@code ANONYMOUS} on a listener without authentication).
 */
public final class ClientQuotas implements MetadataPublisher {
    private static final double PERCENT_PER_NANOSECOND = 100.0 / TimeUnit.SECONDS.toNanos(1);
    /** How often rates idle for an hour are dropped. */
    public static final long EXPIRY_INTERVAL_MS = TimeUnit.MINUTES.toMillis(5);

    private final LongSupplier clockMs;
    private final Map<ClientQuotaKey, ClientQuotaManager> managers = new EnumMap<>(ClientQuotaKey.class);
    private volatile Map<ClientQuotaEntity, Map<String, Double>> applied = Map.of();

    /**
     * @param samples       {@code quota.window.num}: samples kept per rate
     * @param sampleSeconds {@code quota.window.size.seconds}: the length of each
     * @param clockMs       monotonic milliseconds
     */
    public ClientQuotas(int samples, int sampleSeconds, LongSupplier clockMs) {
        this.clockMs = clockMs;
        for (ClientQuotaKey key : ClientQuotaKey.values()) {
            managers.put(key, new ClientQuotaManager(key, samples, TimeUnit.SECONDS.toMillis(sampleSeconds)));
        }
    }

    /** Whether any client quota exists: else requests are neither measured nor throttled. */
    public boolean enabled() {
        return !applied.isEmpty();
    }

    /** Records a produce request of {@code bytes}; the throttle time in ms, 0 within the quota. */
    public int recordProduce(String user, String clientId, long bytes) {
        return record(ClientQuotaKey.PRODUCER_BYTE_RATE, user, clientId, bytes);
    }

    /** Whether a fetch quota applies to the client: its responses' sizes are then worth computing. */
    public boolean fetchLimited(String user, String clientId) {
        ClientQuotaManager fetch = managers.get(ClientQuotaKey.CONSUMER_BYTE_RATE);
        return fetch.enabled() && fetch.limited(user, clientId);
    }

    /** Records a fetch response of {@code bytes}; the throttle time in ms, 0 within the quota. */
    public int recordFetch(String user, String clientId, long bytes) {
        return record(ClientQuotaKey.CONSUMER_BYTE_RATE, user, clientId, bytes);
    }

    /** Takes back a fetch response's bytes: it is answered without its records, being throttled. */
    public void unrecordFetch(String user, String clientId, long bytes) {
        ClientQuotaManager fetch = managers.get(ClientQuotaKey.CONSUMER_BYTE_RATE);
        if (fetch.enabled()) {
            fetch.unrecord(user, clientId, bytes, clockMs.getAsLong());
        }
    }

    /** Records {@code nanos} of request threads' time; the throttle time in ms, 0 within the quota. */
    public int recordRequestTime(String user, String clientId, long nanos) {
        return record(ClientQuotaKey.REQUEST_PERCENTAGE, user, clientId, nanos * PERCENT_PER_NANOSECOND);
    }

    /** The most bytes a fetch of the client may return without certainly being throttled. */
    public int maxFetchBytes(String user, String clientId) {
        ClientQuotaManager fetch = managers.get(ClientQuotaKey.CONSUMER_BYTE_RATE);
        if (!fetch.enabled()) {
            return Integer.MAX_VALUE;
        }
        return (int) Math.min(Integer.MAX_VALUE, fetch.maxValueInQuotaWindow(user, clientId));
    }

    private int record(ClientQuotaKey key, String user, String clientId, double value) {
        ClientQuotaManager manager = managers.get(key);
        return manager.enabled() ? manager.recordAndGetThrottleTimeMs(user, clientId, value, clockMs.getAsLong()) : 0;
    }

    /** Drops rates idle for an hour; run every {@link #EXPIRY_INTERVAL_MS}. */
    public void expireIdle() {
        long now = clockMs.getAsLong();
        managers.values().forEach(manager -> manager.expireIdle(now));
    }

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        // An image keeps its quota map while no quota changes, so any other map is news (a snapshot too).
        Map<ClientQuotaEntity, Map<String, Double>> quotas = newImage.clientQuotas();
        if (quotas == applied) {
            return;
        }
        Map<ClientQuotaKey, Map<ClientQuotaEntity, Double>> byKey = new EnumMap<>(ClientQuotaKey.class);
        quotas.forEach((entity, values) -> values.forEach((key, value) -> ClientQuotaKey.of(key).ifPresent(known ->
                byKey.computeIfAbsent(known, k -> new HashMap<>()).put(entity, value))));
        managers.forEach((key, manager) -> manager.limits(new ClientQuotaLimits(byKey.getOrDefault(key, Map.of()))));
        applied = quotas;
    }
}
