package io.skein.broker.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The meters a broker's parts update as they work, registered in the node's registry: what Kafka
 * counts in its request path, replica manager, partitions and logs. What is read from the broker's
 * state when scraped is collected apart (see {@code io.skein.server.metrics}).
 */
public record BrokerMetrics(BrokerTopicMetrics topics, RequestMetrics requests, IsrMetrics isr,
                            LogFlushStats logFlushes) {
    public static BrokerMetrics register(PrometheusRegistry registry) {
        BrokerTopicMetrics topics = new BrokerTopicMetrics();
        registry.register(topics);
        return new BrokerMetrics(topics, new RequestMetrics(registry), new IsrMetrics(registry),
                new LogFlushStats(registry));
    }
}
