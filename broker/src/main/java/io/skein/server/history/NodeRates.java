package io.skein.server.history;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.skein.metadata.image.MetadataImage;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Samples a broker's own figures ({@link Series.Kind#BROKER}) into its ring: the counters and gauges
 * {@code /metrics} serves, read from the node's registry by name (no second set of counters), and the
 * offline partitions from the broker's metadata. A rate is a counter's increase since the previous
 * sample over the time between the two samples' grid times, so that rates times those times add up
 * to exactly what the counters counted.
 */
final class NodeRates {
    private static final String TOPICS = "kafka_server_brokertopicmetrics_";
    private static final String BYTES_IN = TOPICS + "bytesin";
    private static final String BYTES_OUT = TOPICS + "bytesout";
    private static final String MESSAGES_IN = TOPICS + "messagesin";
    private static final String REQUESTS = "kafka_network_requestmetrics_requests";
    private static final String TOTAL_TIME = "kafka_network_requestmetrics_totaltimems";
    private static final String UNDER_REPLICATED = "kafka_server_replicamanager_underreplicatedpartitions";
    private static final String UNDER_MIN_ISR = "kafka_server_replicamanager_underminisrpartitioncount";
    private static final Set<String> READ = Set.of(BYTES_IN, BYTES_OUT, MESSAGES_IN, REQUESTS, TOTAL_TIME,
            UNDER_REPLICATED, UNDER_MIN_ISR);
    /** Kafka counts a fetch under Fetch and again under one of these: the request rate counts it once. */
    private static final Set<String> FETCH_KINDS = Set.of("FetchConsumer", "FetchFollower");
    /** The counters behind the rates, in this order. */
    private static final Series[] RATES = {Series.BYTES_IN, Series.BYTES_OUT, Series.MESSAGES_IN, Series.REQUESTS};

    private final PrometheusRegistry registry;
    private final Supplier<MetadataImage> image;
    private final SampleRing ring;
    private long lastTime = Long.MIN_VALUE;
    private final double[] lastCounts = new double[RATES.length];

    NodeRates(PrometheusRegistry registry, Supplier<MetadataImage> image, SampleRing ring) {
        this.registry = registry;
        this.image = image;
        this.ring = ring;
    }

    /** Reads the figures now and adds them to the ring as the sample of grid time {@code time}. */
    void sample(long time) {
        double[] counts = new double[RATES.length];
        double[] sample = new double[Series.of(Series.Kind.BROKER).size()];
        Arrays.fill(sample, Double.NaN);
        for (MetricSnapshot snapshot : registry.scrape(READ::contains)) {
            switch (snapshot.getMetadata().getPrometheusName()) {
                case BYTES_IN -> counts[0] = brokerWide((CounterSnapshot) snapshot);
                case BYTES_OUT -> counts[1] = brokerWide((CounterSnapshot) snapshot);
                case MESSAGES_IN -> counts[2] = brokerWide((CounterSnapshot) snapshot);
                case REQUESTS -> counts[3] = requests((CounterSnapshot) snapshot);
                case TOTAL_TIME -> {
                    sample[Series.PRODUCE_P99_MS.index()] = p99((SummarySnapshot) snapshot, "Produce");
                    sample[Series.FETCH_P99_MS.index()] = p99((SummarySnapshot) snapshot, "FetchConsumer");
                }
                case UNDER_REPLICATED -> sample[Series.UNDER_REPLICATED.index()] = gauge(snapshot);
                case UNDER_MIN_ISR -> sample[Series.UNDER_MIN_ISR.index()] = gauge(snapshot);
                default -> { }
            }
        }
        sample[Series.OFFLINE.index()] = ClusterHealth.offlineCount(image.get());
        if (lastTime != Long.MIN_VALUE) {
            double seconds = (time - lastTime) / 1000.0;
            for (int i = 0; i < RATES.length; i++) {
                sample[RATES[i].index()] = Math.max(0, counts[i] - lastCounts[i]) / seconds;
            }
        }
        System.arraycopy(counts, 0, lastCounts, 0, counts.length);
        lastTime = time;
        ring.add(time, sample);
    }

    /** The broker's total: the data point without a topic label. */
    private static double brokerWide(CounterSnapshot counter) {
        return counter.getDataPoints().stream().filter(p -> p.getLabels().isEmpty())
                .mapToDouble(CounterDataPointSnapshot::getValue).sum();
    }

    private static double requests(CounterSnapshot counter) {
        return counter.getDataPoints().stream().filter(p -> !FETCH_KINDS.contains(p.getLabels().get("request")))
                .mapToDouble(CounterDataPointSnapshot::getValue).sum();
    }

    /** The 99th percentile of a request's total time, NaN if it had none in the summary's window. */
    private static double p99(SummarySnapshot summary, String request) {
        for (SummaryDataPointSnapshot point : summary.getDataPoints()) {
            if (request.equals(point.getLabels().get("request"))) {
                for (Quantile quantile : point.getQuantiles()) {
                    if (quantile.getQuantile() == 0.99) {
                        return quantile.getValue();
                    }
                }
            }
        }
        return Double.NaN;
    }

    private static double gauge(MetricSnapshot snapshot) {
        return ((GaugeSnapshot) snapshot).getDataPoints().get(0).getValue();
    }
}
