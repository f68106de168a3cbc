package io.skein.broker.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Summary;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Kafka's {@code kafka.network:type=RequestMetrics} for each API, as jmx_exporter's Kafka rules name
 * them: {@code kafka_network_requestmetrics_requests_total{request,version}} and the total time from
 * a request's arrival to its response, {@code kafka_network_requestmetrics_totaltimems{request}}, a
 * summary in milliseconds with Kafka's percentiles (its {@code _count} is the rule's). As in Kafka, a
 * fetch counts under {@code Fetch} and under {@code FetchConsumer} or {@code FetchFollower}.
 *
 * <p>A request name's series are made on its first request and kept in arrays indexed by API key,
 * so a request costs two adds and a summary observation, and no lookup.
 */
public final class RequestMetrics {
    private final Counter requests;
    private final Summary totalTime;
    /** Request names by index: every API key's id, then Kafka's two fetch names. */
    private final String[] names;
    private final int consumerFetch;
    private final int followerFetch;
    /** By name index, then version. */
    private final AtomicReferenceArray<CounterDataPoint>[] counts;
    private final AtomicReferenceArray<DistributionDataPoint> times;

    @SuppressWarnings("unchecked")
    public RequestMetrics(PrometheusRegistry registry) {
        requests = Counter.builder().name("kafka_network_requestmetrics_requests")
                .help("Requests handled, by API and version (Kafka's RequestsPerSec)")
                .labelNames("request", "version").withoutExemplars().register(registry);
        totalTime = KafkaTimers.summary("kafka_network_requestmetrics_totaltimems",
                        "Milliseconds from a request's arrival to its response (Kafka's TotalTimeMs)")
                .labelNames("request").register(registry);
        int keys = 0;
        short maxVersion = 0;
        for (ApiKeys key : ApiKeys.values()) {
            keys = Math.max(keys, key.id + 1);
            maxVersion = (short) Math.max(maxVersion, key.latestVersion(true));
        }
        consumerFetch = keys;
        followerFetch = keys + 1;
        names = new String[keys + 2];
        for (ApiKeys key : ApiKeys.values()) {
            names[key.id] = key.name;
        }
        names[consumerFetch] = "FetchConsumer";
        names[followerFetch] = "FetchFollower";
        counts = new AtomicReferenceArray[names.length];
        for (int i = 0; i < names.length; i++) {
            counts[i] = new AtomicReferenceArray<>(maxVersion + 1);
        }
        times = new AtomicReferenceArray<>(names.length);
    }

    /**
     * A request of {@code api} at {@code version} was answered (or, with nothing to answer, handled)
     * {@code elapsedNanos} after it arrived; {@code fromFollower} for a follower's fetch.
     */
    public void completed(ApiKeys api, short version, boolean fromFollower, long elapsedNanos) {
        double ms = KafkaTimers.millis(elapsedNanos);
        record(api.id, version, ms);
        if (api == ApiKeys.FETCH) {
            record(fromFollower ? followerFetch : consumerFetch, version, ms);
        }
    }

    private void record(int name, short version, double ms) {
        // A version no Kafka release knows (a bad or newer client, answered UNSUPPORTED_VERSION) is timed
        // but not counted: a series per version a client makes up would let it grow the scrape at will.
        if (version >= 0 && version < counts[name].length()) {
            CounterDataPoint count = counts[name].get(version);
            if (count == null) { // two first requests at once both ask: the counter keeps one series per labels
                count = requests.labelValues(names[name], Short.toString(version));
                counts[name].set(version, count);
            }
            count.inc();
        }
        DistributionDataPoint time = times.get(name);
        if (time == null) {
            time = totalTime.labelValues(names[name]);
            times.set(name, time);
        }
        time.observe(ms);
    }
}
