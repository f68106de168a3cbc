package io.skein.server.history;

import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.errors.InvalidRequestException;

/**
 * What every broker samples of itself. Rates are the increase of a {@code /metrics} counter between
 * two samples over the time between them; latencies are the {@code /metrics} summary's 99th
 * percentile (over its last five minutes) when sampled; counts are the gauges then.
 */
enum NodeSeries implements SeriesSpec {
    BYTES_IN("bytes_in", "bytes/s", true),
    BYTES_OUT("bytes_out", "bytes/s", true),
    MESSAGES_IN("messages_in", "messages/s", true),
    REQUESTS("requests", "requests/s", true),
    PRODUCE_P99_MS("produce_p99_ms", "ms", false),
    FETCH_P99_MS("fetch_p99_ms", "ms", false),
    UNDER_REPLICATED("under_replicated", "partitions", true),
    UNDER_MIN_ISR("under_min_isr", "partitions", true),
    /** Every broker counts the cluster's, from its metadata: the largest is the freshest. */
    OFFLINE("offline", "partitions", false);

    private final String label;
    private final String unit;
    private final boolean summed;

    NodeSeries(String label, String unit, boolean summed) {
        this.label = label;
        this.unit = unit;
        this.summed = summed;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public String unit() {
        return unit;
    }

    @Override
    public boolean summed() {
        return summed;
    }

    /** The series named; every one for none; INVALID_REQUEST naming the valid ones for an unknown name. */
    static List<NodeSeries> named(List<String> labels) {
        if (labels.isEmpty()) {
            return List.of(values());
        }
        return labels.stream().map(label -> Arrays.stream(values()).filter(s -> s.label.equals(label)).findFirst()
                .orElseThrow(() -> new InvalidRequestException("No series '" + label + "': choose from "
                        + Arrays.stream(values()).map(NodeSeries::label).toList()))).distinct().toList();
    }
}
