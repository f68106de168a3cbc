package io.skein.server.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.skein.broker.BrokerServer;
import io.skein.broker.metrics.BrokerMetrics;
import io.skein.http.HttpServer;
import io.skein.metadata.controller.ControllerServer;
import java.time.Clock;

/**
 * A node's metrics: one registry (each node its own, so that nodes sharing a JVM in tests do not
 * mix), served on {@code /metrics} of the node's HTTP listener, which each role fills as it starts:
 * the meters its parts update, and collectors that read its state when scraped.
 */
public final class NodeMetrics implements AutoCloseable {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final int nodeId;
    private LeaderEnds leaderEnds;

    public NodeMetrics(HttpServer http, int nodeId) {
        this.nodeId = nodeId;
        http.route("/metrics", new MetricsEndpoint(registry), "GET", "HEAD");
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

    /** A started broker's partitions, coordinators and the lag of the groups it coordinates. */
    public synchronized void addBroker(BrokerServer broker, Clock clock) {
        registry.register(new PartitionCollector(broker.replicaManager()));
        registry.register(new CoordinatorCollector(broker.groupCoordinator(), broker.transactionCoordinator()));
        leaderEnds = new LeaderEnds(broker.selfAddress(), nodeId);
        registry.register(new GroupLagCollector(broker.groupCoordinator(), broker.replicaManager(), leaderEnds, clock));
    }

    @Override
    public synchronized void close() {
        if (leaderEnds != null) {
            leaderEnds.close();
        }
    }
}
