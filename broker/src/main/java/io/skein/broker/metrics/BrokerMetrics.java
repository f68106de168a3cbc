package io.skein.broker.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The meters a broker's parts update as they work, registered in the node's registry: what Kafka
 * counts in its request path, replica manager and partitions. What is read from the broker's state
 * when scraped is collected apart (see {@code io.skein.server.metrics}).
 */
public record BrokerMetrics(BrokerTopicMetrics topics, RequestMetrics requests, IsrMetrics isr) {
    public static BrokerMetrics register(PrometheusRegistry registry) {
        BrokerTopicMetrics topics = new BrokerTopicMetrics();
        registry.register(topics);
        return new BrokerMetrics(topics, new RequestMetrics(registry), new IsrMetrics(registry));
    }
}
