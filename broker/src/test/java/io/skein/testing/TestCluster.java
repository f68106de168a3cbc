package io.skein.testing;

import io.skein.metadata.image.MetadataImage;
import io.skein.node.NodeConfig;
import io.skein.node.NodeStorage;
import io.skein.proto.metadata.MetadataRecordBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;

/**
 * A cluster of combined nodes (broker and controller) in this JVM, each on its own ports and
 * storage: its controllers form one metadata quorum, so that any single node can stop while the
 * others go on.
 */
public final class TestCluster implements AutoCloseable {
    private final List<TestNode> nodes;

    private TestCluster(List<TestNode> nodes) {
        this.nodes = nodes;
    }

    /** Formats and starts {@code size} nodes (ids 1..size) with {@code overrides} on each. */
    public static TestCluster start(Path dir, int size, Map<String, String> overrides) throws Exception {
        return start(dir, size, "PLAINTEXT", id -> overrides);
    }

    /**
     * Formats and starts {@code size} nodes whose client listener is named {@code clientListener}, with
     * {@code overrides.apply(id)} on node {@code id}: a TLS cluster gives each node its own keystore.
     */
    public static TestCluster start(Path dir, int size, String clientListener,
                                    IntFunction<Map<String, String>> overrides) throws Exception {
        return start(dir, size, clientListener, overrides, MetadataRecordBatch.getDefaultInstance());
    }

    /**
     * {@link #start(Path, int, String, IntFunction)} with {@code bootstrap} as the new cluster's first
     * metadata records, as {@code skein storage format --add-scram} gives them.
     */
    public static TestCluster start(Path dir, int size, String clientListener,
                                    IntFunction<Map<String, String>> overrides, MetadataRecordBatch bootstrap)
            throws Exception {
        String clusterId = NodeStorage.randomClusterId();
        List<TestNode> nodes = new ArrayList<>();
        for (Map<String, String> settings : combinedSettings(dir, size, clientListener, overrides)) {
            TestNode node = TestNode.of(settings);
            NodeStorage.format(node.config(), clusterId, false, bootstrap);
            nodes.add(node);
        }
        TestCluster cluster = new TestCluster(nodes);
        try {
            // Together: a node's broker waits for the quorum, which needs a majority of the nodes.
            cluster.startAll(nodes);
            // Each node returns once the controller has unfenced it; the others learn that a moment later.
            List<Integer> ids = IntStream.rangeClosed(1, size).boxed().toList();
            cluster.awaitAll("brokers " + ids + " registered and unfenced",
                    image -> image.unfencedBrokerIds().containsAll(ids));
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * The settings of {@code size} combined nodes (ids 1..size) of one quorum, each on its own ports with
     * its data in {@code dir}/node-ID and {@code overrides} of its id on top: for this class, and for
     * tests that run such nodes as processes ({@link ProcessCluster#combined}).
     */
    public static List<Map<String, String>> combinedSettings(Path dir, int size, String clientListener,
                                                             IntFunction<Map<String, String>> overrides) {
        List<Integer> clientPorts = new ArrayList<>();
        List<Integer> controllerPorts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            clientPorts.add(FreePorts.one());
            controllerPorts.add(FreePorts.pair());
        }
        String voters = IntStream.range(0, size)
                .mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts.get(i)).collect(Collectors.joining(","));
        List<Map<String, String>> all = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Map<String, String> settings = new HashMap<>();
            settings.put(NodeConfig.PROCESS_ROLES, "broker,controller");
            settings.put(NodeConfig.NODE_ID, Integer.toString(i + 1));
            settings.put(NodeConfig.LISTENERS, clientListener + "://127.0.0.1:" + clientPorts.get(i)
                    + ",CONTROLLER://127.0.0.1:" + controllerPorts.get(i));
            settings.put(NodeConfig.CONTROLLER_QUORUM_VOTERS, voters);
            settings.put(NodeConfig.ADMIN_LISTENER, "127.0.0.1:" + FreePorts.one());
            settings.put(NodeConfig.HTTP_LISTENER, TestNode.ANY_HTTP_PORT);
            settings.put(NodeConfig.LOG_DIRS, dir.resolve("node-" + (i + 1)).toString());
            settings.putAll(overrides.apply(i + 1));
            all.add(settings);
        }
        return all;
    }

    /**
     * Waits until every running node shows {@code what} in the metadata it answers clients from:
     * for a test that changes something through one node and then asks another. Fails at
     * {@link EveryBroker#WITHIN}.
     */
    public void awaitAll(String what, Predicate<MetadataImage> shows) {
        TestNode.awaitAll(nodes.stream().filter(TestNode::isRunning).toList(), what, shows);
    }

    private void startAll(List<TestNode> starting) throws IOException, InterruptedException {
        List<CompletableFuture<Void>> started = starting.stream().map(node -> CompletableFuture.runAsync(() -> {
            try {
                node.start();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        })).toList();
        try {
            CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("A node did not start", e.getCause());
        }
    }

    /** Node {@code id} (1-based). */
    public TestNode node(int id) {
        return nodes.get(id - 1);
    }

    public List<TestNode> nodes() {
        return nodes;
    }

    /** An admin client of the running nodes; close it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
    }

    /** The topic as the running nodes describe it to a Kafka admin client. */
    public TopicDescription describe(String topic) throws Exception {
        try (Admin admin = admin()) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        }
    }

    /** The client listeners of the running nodes. */
    public String bootstrap() {
        return nodes.stream().filter(TestNode::isRunning).map(TestNode::bootstrap).collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        nodes.forEach(TestNode::close);
    }
}
