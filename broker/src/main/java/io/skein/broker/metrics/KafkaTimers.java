package io.skein.broker.metrics;

import io.prometheus.metrics.core.metrics.Summary;
import java.util.concurrent.TimeUnit;

/**
 * Kafka's timers (a rate and a histogram of milliseconds in one MBean) as jmx_exporter's Kafka rules
 * render them: a summary whose quantiles are the MBean's percentiles (50th to 999th) and whose
 * {@code _count} is its {@code Count}.
 */
final class KafkaTimers {
    /** Kafka's histogram reservoir weighs about the last five minutes; the summary's window is as long. */
    private static final long WINDOW_SECONDS = 300;
    private static final double NANOS_PER_MS = TimeUnit.MILLISECONDS.toNanos(1);

    private KafkaTimers() {
    }

    /** A timer's summary, to be given its labels, if any, and registered. */
    static Summary.Builder summary(String name, String help) {
        return Summary.builder().name(name).help(help)
                .quantile(0.5).quantile(0.75).quantile(0.95).quantile(0.98).quantile(0.99).quantile(0.999)
                .maxAgeSeconds(WINDOW_SECONDS).withoutExemplars();
    }

    static double millis(long nanos) {
        return nanos / NANOS_PER_MS;
    }
}
