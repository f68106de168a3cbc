package io.skein.server.metrics;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.function.Predicate;

/**
 * The JVM's series ({@code jvm_*}: memory and its pools, GC, threads, classes, buffer pools, JIT;
 * {@code process_*}: CPU, open and maximum file descriptors, memory, start time), from Prometheus'
 * JVM instrumentation, the series jmx_exporter's Java agent serves beside Kafka's.
 *
 * <p>They describe the process, not a node, so one registry per JVM holds them and every node's
 * scrape reads it (nodes sharing a test JVM report the same figures). Each node's own registry
 * could not hold them: the library keeps every registry it filled, to fill each once, so it would
 * keep every node a test JVM ever ran.
 */
final class JvmCollector implements MultiCollector {
    private static final PrometheusRegistry JVM = new PrometheusRegistry();

    static {
        JvmMetrics.builder().register(JVM);
    }

    @Override
    public MetricSnapshots collect() {
        return JVM.scrape();
    }

    /** Only what is asked for: the history's sampler asks for none of these. */
    @Override
    public MetricSnapshots collect(Predicate<String> included) {
        return JVM.scrape(included);
    }
}
