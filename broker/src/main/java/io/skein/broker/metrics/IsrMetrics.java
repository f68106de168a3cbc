package io.skein.broker.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Kafka's {@code kafka.server:type=ReplicaManager} ISR meters, as jmx_exporter names them:
 * {@code kafka_server_replicamanager_isrshrinks_total} and {@code ..._isrexpands_total}, counted by
 * the leader when the metadata log shows the ISR of a partition it leads shrunk or grew.
 */
public final class IsrMetrics {
    private final Counter shrinks;
    private final Counter expands;

    public IsrMetrics(PrometheusRegistry registry) {
        shrinks = Counter.builder().name("kafka_server_replicamanager_isrshrinks")
                .help("ISR changes that removed replicas of partitions led here (Kafka's IsrShrinksPerSec)")
                .withoutExemplars().register(registry);
        expands = Counter.builder().name("kafka_server_replicamanager_isrexpands")
                .help("ISR changes that added replicas to partitions led here (Kafka's IsrExpandsPerSec)")
                .withoutExemplars().register(registry);
    }

    public void shrunk() {
        shrinks.inc();
    }

    public void expanded() {
        expands.inc();
    }
}
