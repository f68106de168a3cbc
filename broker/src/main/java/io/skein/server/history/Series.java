package io.skein.server.history;

import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.errors.InvalidRequestException;

/**
 * What the brokers sample: each broker its own figures ({@link Kind#BROKER}), and the coordinator of
 * each group that group's ({@link Kind#GROUP}). A rate is the increase of a {@code /metrics} counter
 * between two samples over the time between them; a latency is the {@code /metrics} summary's 99th
 * percentile (over its last five minutes) when sampled; a count is the gauge then. {@code summed}:
 * the cluster's value is the brokers' sum (rates, counts of what each leads), else their largest
 * (latencies; counts every broker makes of the whole cluster; a group, which one broker samples at a
 * time).
 */
enum Series {
    BYTES_IN(Kind.BROKER, "bytes_in", "bytes/s", true),
    BYTES_OUT(Kind.BROKER, "bytes_out", "bytes/s", true),
    MESSAGES_IN(Kind.BROKER, "messages_in", "messages/s", true),
    REQUESTS(Kind.BROKER, "requests", "requests/s", true),
    PRODUCE_P99_MS(Kind.BROKER, "produce_p99_ms", "ms", false),
    FETCH_P99_MS(Kind.BROKER, "fetch_p99_ms", "ms", false),
    UNDER_REPLICATED(Kind.BROKER, "under_replicated", "partitions", true),
    UNDER_MIN_ISR(Kind.BROKER, "under_min_isr", "partitions", true),
    /** Every broker counts the cluster's, from its metadata. */
    OFFLINE(Kind.BROKER, "offline", "partitions", false),
    /** Records not consumed, over the group's partitions. */
    LAG(Kind.GROUP, "lag", "records", false),
    /** The age of the oldest record not consumed, its largest over the group's partitions. */
    LAG_SECONDS(Kind.GROUP, "lag_seconds", "s", false),
    /** The committed offsets' advance per second since the sample before, over the group's partitions. */
    CONSUME_RATE(Kind.GROUP, "consume_rate", "records/s", false);

    enum Kind { BROKER, GROUP }

    private final Kind kind;
    private final String label;
    private final String unit;
    private final boolean summed;

    Series(Kind kind, String label, String unit, boolean summed) {
        this.kind = kind;
        this.label = label;
        this.unit = unit;
        this.summed = summed;
    }

    /** The name queries use and answers carry (as in docs/metrics.md). */
    String label() {
        return label;
    }

    String unit() {
        return unit;
    }

    boolean summed() {
        return summed;
    }

    /** Its place in a sample of its kind, and in a ring of them. */
    int index() {
        return ordinal() - of(kind).get(0).ordinal();
    }

    /** Every series of {@code kind}, in sample order. */
    static List<Series> of(Kind kind) {
        return Arrays.stream(values()).filter(s -> s.kind == kind).toList();
    }

    /** The broker series named; every one for none; INVALID_REQUEST naming the valid ones for an unknown name. */
    static List<Series> named(List<String> labels) {
        List<Series> broker = of(Kind.BROKER);
        if (labels.isEmpty()) {
            return broker;
        }
        return labels.stream().map(label -> broker.stream().filter(s -> s.label.equals(label)).findFirst()
                .orElseThrow(() -> new InvalidRequestException("No series '" + label + "': choose from "
                        + broker.stream().map(Series::label).toList()))).distinct().toList();
    }
}
