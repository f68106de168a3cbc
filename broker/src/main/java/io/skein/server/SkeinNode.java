package io.skein.server;

import io.skein.broker.BrokerServer;
import io.skein.broker.tls.NodeTls;
import io.skein.http.HttpCallers;
import io.skein.http.HttpServer;
import io.skein.server.console.Console;
import io.skein.server.history.History;
import io.skein.server.metrics.NodeMetrics;
import io.skein.node.Listener;
import io.skein.node.NodeConfig;
import io.skein.node.NodeConfigValidator;
import io.skein.node.NodeLock;
import io.skein.node.NodeStorage;
import io.skein.log.MetaProperties;
import io.skein.metadata.controller.ControllerServer;
import io.skein.metadata.controller.MonotonicClock;
import io.skein.metadata.quorum.QuorumSettings;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Skein node: a controller (a voter of the metadata quorum with its controller service), a
 * broker, or both, as {@code process.roles} says. It starts on formatted storage only.
 */
public final class SkeinNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SkeinNode.class);

    private final int nodeId;
    private final NodeLock lock;
    private final NodeTls tls;
    private final HttpServer http;
    private final ControllerServer controller;
    private final BrokerServer broker;
    private final History history;
    private final Console console;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private SkeinNode(int nodeId, NodeLock lock, NodeTls tls, HttpServer http, ControllerServer controller,
                      BrokerServer broker, History history, Console console) {
        this.nodeId = nodeId;
        this.lock = lock;
        this.tls = tls;
        this.http = http;
        this.controller = controller;
        this.broker = broker;
        this.history = history;
        this.console = console;
    }

    /**
     * Starts every role of {@code config} and returns once the node serves.
     *
     * @throws IOException naming the command to run, if the storage is not formatted for this node;
     *                     naming the node, if another node runs on its directories; naming the port and
     *                     its key, if a port is taken; or if a directory cannot be used
     */
    public static SkeinNode start(NodeConfig config) throws IOException, InterruptedException {
        MetaProperties identity = NodeStorage.verify(config);
        String clusterId = identity.clusterId();
        Clock clock = Clock.systemUTC();
        // First: another node running on these directories is named before anything else can fail.
        NodeLock lock = NodeLock.acquire(config);
        NodeTls tls = null;
        HttpServer http;
        try {
            // TLS settings that make no TLS context, and ports other processes hold, fail the node before anything starts.
            tls = NodeTls.of(config);
            PortCheck.ensureFree(config);
            http = HttpServer.start(config.httpListener(), tls.http());
        } catch (IOException | RuntimeException e) {
            if (tls != null) {
                tls.close();
            }
            lock.close();
            throw e;
        }
        log.info("Node {} serves {} on {}:{}", config.nodeId(), tls.http().isPresent() ? "HTTPS" : "HTTP",
                config.httpListener().host(), http.port());
        NodeMetrics metrics = new NodeMetrics(http);
        ControllerServer controller = null;
        BrokerServer broker = null;
        History history = null;
        Console console = null;
        try {
            if (config.hasRole(NodeConfig.Role.CONTROLLER)) {
                Listener listener = config.controllerListener().orElseThrow();
                QuorumSettings quorum = config.quorumSettings(clusterId);
                controller = ControllerServer.start(tls.controller().map(quorum::withTls).orElse(quorum),
                        config.controllerSettings(clusterId).withBootstrap(NodeStorage.bootstrap(config)),
                        listener.host().isEmpty() ? "0.0.0.0" : listener.host(),
                        listener.port() + BrokerServer.CONTROLLER_SERVICE_PORT_OFFSET, new NodeConfigValidator(),
                        new MonotonicClock());
                log.info("Controller {} of cluster {} is a voter of {}", config.nodeId(), clusterId, config.voters());
                metrics.addController(controller);
            }
            if (config.hasRole(NodeConfig.Role.BROKER)) {
                broker = BrokerServer.start(config, clusterId, clock, metrics.brokerMeters(), http.address(), tls);
                HttpCallers callers = new HttpCallers(broker.httpLogins());
                history = History.start(config.nodeId(), config.historySampleIntervalMs(), http, callers,
                        metrics.registry(), broker, clock);
                metrics.addBroker(broker, history::latestGroupLag);
                // The console calls the admin API's services: a controller-only node has none.
                console = Console.serve(http, callers, broker.admin(), history.cluster(), clock, clusterId,
                        config.nodeId(), broker.selfClient());
            }
            return new SkeinNode(config.nodeId(), lock, tls, http, controller, broker, history, console);
        } catch (IOException | InterruptedException | RuntimeException e) {
            new SkeinNode(config.nodeId(), lock, tls, http, controller, broker, history, console).close(); // what started stops
            throw e;
        }
    }

    public Optional<BrokerServer> broker() {
        return Optional.ofNullable(broker);
    }

    public Optional<ControllerServer> controller() {
        return Optional.ofNullable(controller);
    }

    /** The port the HTTP server is bound to. */
    public int httpPort() {
        return http.port();
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops the HTTP server, the broker (after a controlled shutdown) and then the controller. */
    @Override
    public void close() {
        log.info("Node {} is stopping", nodeId);
        try {
            http.close(); // first, as the admin API: nothing reads the parts while they stop
            if (console != null) {
                console.close();
            }
            if (history != null) {
                history.close();
            }
            if (broker != null) {
                broker.close();
            }
            if (controller != null) {
                try {
                    controller.close();
                } catch (IOException e) {
                    log.error("Cannot stop the controller cleanly", e);
                }
            }
            tls.close(); // every part that used its stores has stopped
            try {
                lock.close(); // last: nothing writes the directories any more
            } catch (IOException e) {
                log.error("Cannot release the node's lock files", e);
            }
            log.info("Node {} has stopped", nodeId);
        } finally {
            stopped.countDown();
        }
    }
}
