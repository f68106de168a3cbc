package io.skein.server.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.skein.broker.BrokerServer;
import io.skein.broker.admin.GroupLag.PartitionLag;
import io.skein.broker.metrics.BrokerMetrics;
import io.skein.http.HttpServer;
import io.skein.metadata.controller.ControllerServer;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;

/**
 * A node's metrics: one registry (each node its own, so that nodes sharing a JVM in tests do not
 * mix), served on {@code /metrics} of the node's HTTP listener, which each role fills as it starts:
 * the meters its parts update, and collectors that read its state when scraped. Every node serves
 * the JVM's series too.
 */
public final class NodeMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();

    public NodeMetrics(HttpServer http) {
        registry.register(new JvmCollector());
        http.route("/metrics", new MetricsEndpoint(registry), "GET", "HEAD");
    }

    /** The registry, which the node's history samples from. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** A controller's gauges and election counts. */
    public void addController(ControllerServer controller) {
        registry.register(new ControllerCollector(controller));
        controller.quorum().addPublisher(new LeaderElections(registry, controller.controller()::isActive));
    }

    /** The meters a broker about to start will update. */
    public BrokerMetrics brokerMeters() {
        return BrokerMetrics.register(registry);
    }

    /**
     * A started broker's partitions and coordinators, and the lag of the groups it coordinates as its
     * history last sampled it ({@code groupLag}).
     */
    public void addBroker(BrokerServer broker, Supplier<Map<String, Map<TopicPartition, PartitionLag>>> groupLag) {
        registry.register(new PartitionCollector(broker.replicaManager()));
        registry.register(new CoordinatorCollector(broker.groupCoordinator(), broker.transactionCoordinator()));
        registry.register(new GroupLagCollector(groupLag));
    }
}
