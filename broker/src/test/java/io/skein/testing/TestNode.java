package io.skein.testing;

import io.skein.broker.replica.Partition;
import io.skein.log.MetaProperties;
import io.skein.log.PartitionLog;
import io.skein.metadata.image.MetadataImage;
import io.skein.node.NodeConfig;
import io.skein.node.NodeStorage;
import io.skein.server.SkeinNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;

/**
 * A real single combined node in this JVM: formatted storage in a test directory, its Kafka listener
 * on a free port of 127.0.0.1, its controller on two more.
 */
public final class TestNode implements AutoCloseable {
    /** A test node's HTTP server takes any free port of loopback: {@link #httpPort()} tells which. */
    public static final String ANY_HTTP_PORT = "127.0.0.1:0";

    private final Map<String, String> settings;
    private SkeinNode node;

    private TestNode(Map<String, String> settings) {
        this.settings = settings;
    }

    public static TestNode start(Path dir) throws IOException, InterruptedException {
        return start(dir, Map.of());
    }

    /** Starts a node with {@code overrides} on top of the test settings. */
    public static TestNode start(Path dir, Map<String, String> overrides) throws IOException, InterruptedException {
        return start(dir, overrides, List.of());
    }

    /**
     * Starts a node with {@code overrides} and, after its PLAINTEXT listener, {@code extraListeners}
     * ({@code NAME://127.0.0.1:0}: port 0 binds any free port; see {@link #bootstrap(String)}).
     */
    public static TestNode start(Path dir, Map<String, String> overrides, List<String> extraListeners)
            throws IOException, InterruptedException {
        TestNode node = new TestNode(settings(dir, overrides, extraListeners));
        NodeConfig config = node.config();
        NodeStorage.format(config, NodeStorage.randomClusterId(), false);
        node.node = SkeinNode.start(config);
        return node;
    }

    /** Starts a broker-only node {@code nodeId} in the cluster whose controller is {@code controller}. */
    public static TestNode startBroker(Path dir, TestNode controller, int nodeId) throws IOException, InterruptedException {
        return startBroker(dir, controller, nodeId, Map.of());
    }

    /** {@link #startBroker(Path, TestNode, int)} with {@code overrides} on top of its settings. */
    public static TestNode startBroker(Path dir, TestNode controller, int nodeId, Map<String, String> overrides)
            throws IOException, InterruptedException {
        Map<String, String> settings = new HashMap<>();
        settings.put(NodeConfig.PROCESS_ROLES, "broker");
        settings.put(NodeConfig.NODE_ID, Integer.toString(nodeId));
        settings.put(NodeConfig.LISTENERS, "PLAINTEXT://127.0.0.1:" + FreePorts.one());
        settings.put(NodeConfig.ADMIN_LISTENER, "127.0.0.1:" + FreePorts.one());
        settings.put(NodeConfig.HTTP_LISTENER, ANY_HTTP_PORT);
        settings.put(NodeConfig.CONTROLLER_QUORUM_VOTERS, controller.settings.get(NodeConfig.CONTROLLER_QUORUM_VOTERS));
        settings.put(NodeConfig.LOG_DIRS, dir.resolve("data").toString());
        settings.putAll(overrides);
        TestNode node = new TestNode(settings);
        String clusterId = MetaProperties.read(controller.config().logDirs().get(0)).orElseThrow().clusterId();
        NodeStorage.format(node.config(), clusterId, false);
        node.node = SkeinNode.start(node.config());
        // It returns once the controller has unfenced it; the other broker learns that a moment later.
        List<TestNode> brokers = Stream.of(controller, node).filter(n -> n.node().broker().isPresent()).toList();
        List<Integer> ids = brokers.stream().map(n -> n.config().nodeId()).toList();
        try {
            awaitAll(brokers, "brokers " + ids + " registered and unfenced",
                    image -> image.unfencedBrokerIds().containsAll(ids));
        } catch (RuntimeException | AssertionError e) {
            node.close();
            throw e;
        }
        return node;
    }

    /**
     * Waits until each of {@code nodes} (brokers) shows {@code what} in the metadata it answers
     * clients from; fails at {@link EveryBroker#WITHIN}.
     */
    public static void awaitAll(List<TestNode> nodes, String what, Predicate<MetadataImage> shows) {
        EveryBroker.await(what, nodes, TestNode::image, shows);
    }

    /** The metadata this node's broker answers clients from. */
    public MetadataImage image() {
        return node.broker().orElseThrow().metadata().image();
    }

    /**
     * Holds this node's metadata where it is, as on a broker that lags behind the metadata log:
     * changes committed meanwhile reach it only once the returned hold is closed.
     */
    public MetadataHold holdMetadata() throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        // A publisher is first given the current image on the loader's only thread: blocking there holds the rest.
        node.broker().orElseThrow().metadataLoader().addPublisher((delta, image) -> {
            held.countDown();
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        if (!held.await(EveryBroker.WITHIN.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError(this + " did not hold its metadata");
        }
        return released::countDown;
    }

    /** A hold on a node's metadata; closing it lets the node catch up. */
    public interface MetadataHold extends AutoCloseable {
        @Override
        void close();
    }

    /** A combined node's settings, with every port chosen now. */
    public static Map<String, String> settings(Path dir, Map<String, String> overrides) {
        return settings(dir, overrides, List.of());
    }

    /** {@link #settings(Path, Map)} with {@code extraListeners} after the PLAINTEXT listener. */
    static Map<String, String> settings(Path dir, Map<String, String> overrides, List<String> extraListeners) {
        int controllerPort = FreePorts.pair();
        Map<String, String> settings = new HashMap<>();
        settings.put(NodeConfig.PROCESS_ROLES, "broker,controller");
        settings.put(NodeConfig.NODE_ID, "1");
        settings.put(NodeConfig.LISTENERS, listeners(FreePorts.one(), extraListeners)
                + ",CONTROLLER://127.0.0.1:" + controllerPort);
        settings.put(NodeConfig.CONTROLLER_QUORUM_VOTERS, "1@127.0.0.1:" + controllerPort);
        settings.put(NodeConfig.ADMIN_LISTENER, "127.0.0.1:" + FreePorts.one());
        settings.put(NodeConfig.HTTP_LISTENER, ANY_HTTP_PORT);
        settings.put(NodeConfig.LOG_DIRS, dir.resolve("data").toString());
        settings.putAll(overrides);
        return settings;
    }

    /** A PLAINTEXT listener on {@code port} and {@code extraListeners} after it, as {@code listeners} lists them. */
    static String listeners(int port, List<String> extraListeners) {
        return Stream.concat(Stream.of("PLAINTEXT://127.0.0.1:" + port), extraListeners.stream())
                .collect(Collectors.joining(","));
    }

    /** The port this node serves HTTP on (metrics). */
    public int httpPort() {
        return node.httpPort();
    }

    public NodeConfig config() {
        return NodeConfig.of(settings);
    }

    public SkeinNode node() {
        return node;
    }

    public String bootstrap() {
        return "127.0.0.1:" + node.broker().orElseThrow().boundPorts().get(0);
    }

    /** The address of this node's listener named {@code listenerName}. */
    public String bootstrap(String listenerName) {
        List<String> names = config().clientListeners().stream().map(l -> l.name()).toList();
        return "127.0.0.1:" + node.broker().orElseThrow().boundPorts().get(names.indexOf(listenerName));
    }

    /** This node's replica of {@code tp}, if it is running and hosts one. */
    public Optional<PartitionLog> replica(TopicPartition tp) {
        return isRunning() ? node.broker().orElseThrow().replicaManager().partition(tp).map(Partition::log)
                : Optional.empty();
    }

    /** The node's admin API, as {@code host:port}. */
    public String adminAddress() {
        return "127.0.0.1:" + node.broker().orElseThrow().adminPort();
    }

    /** Stops the node cleanly and starts it again on the same storage and ports. */
    public void restart() throws IOException, InterruptedException {
        close();
        start();
    }

    /** Starts the node (again) on its storage, which must be formatted. */
    public void start() throws IOException, InterruptedException {
        node = SkeinNode.start(config());
    }

    public boolean isRunning() {
        return node != null;
    }

    @Override
    public String toString() {
        return "node " + settings.get(NodeConfig.NODE_ID);
    }

    @Override
    public void close() {
        if (node != null) {
            node.close();
            node = null;
        }
    }

    /** A node of a cluster, not started yet: {@link #start()} it once its storage is formatted. */
    static TestNode of(Map<String, String> settings) {
        return new TestNode(settings);
    }
}
