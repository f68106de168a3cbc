package io.skein.testing;

import static org.awaitility.Awaitility.await;

import io.skein.cli.Skein;
import io.skein.metadata.image.MetadataImage;
import io.skein.node.NodeConfig;
import io.skein.node.NodeStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;

/**
 * Nodes as real processes ({@code skein server start --config}), so that tests can crash them with
 * SIGKILL and freeze them with SIGSTOP. Either broker processes around one controller in this JVM
 * that the tests leave alone ({@link #start}), split roles with the controllers as processes too
 * ({@link #splitRoles}), or combined nodes from whole config files ({@link #combined}).
 */
public final class ProcessCluster implements AutoCloseable {
    private static final int IN_PROCESS_CONTROLLER_ID = 100;
    private static final int FIRST_CONTROLLER_PROCESS_ID = 101;
    private static final short METADATA_VERSION = 12;

    private static final Pattern ACTIVE = Pattern.compile("Node (\\d+) is the active controller at term (\\d+)");

    private final TestNode inProcessController;
    private final List<Node> controllers;
    private final List<Node> brokers;
    private final String clusterId;
    /** The controller quorum's voters, as the brokers of {@link #splitRoles} and {@link #combined} have them. */
    private String voters;

    /** One node process: its config, its log output, and the signals a test sends it. */
    public static final class Node {
        private final int id;
        private final int port;
        private final int httpPort;
        private final Path config;
        private final Path output;
        private final String readyLine;
        private Process process;

        private Node(int id, int port, int httpPort, Path config, Path output, String readyLine) {
            this.id = id;
            this.port = port;
            this.httpPort = httpPort;
            this.config = config;
            this.output = output;
            this.readyLine = readyLine;
        }

        /**
         * A node process of {@code config}, a whole config file whose storage is formatted, writing its
         * output to {@code output}; not started.
         */
        public static Node of(Path config, Path output) throws IOException {
            NodeConfig settings = NodeConfig.load(config);
            boolean broker = settings.hasRole(NodeConfig.Role.BROKER);
            int port = broker ? settings.clientListeners().get(0).port() : settings.controllerListener().orElseThrow().port();
            return new Node(settings.nodeId(), port, settings.httpListener().port(), config, Files.createFile(output),
                    broker ? "serves Kafka clients" : "is a voter of");
        }

        public int id() {
            return id;
        }

        public long pid() {
            return process.pid();
        }

        /** Waits for a process that is to end by itself, such as one refused at start, and returns its exit code. */
        public int awaitExit(Duration within) throws InterruptedException, IOException {
            if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(this + " still runs after " + within + ": " + log());
            }
            return process.exitValue();
        }

        /** Its Kafka listener if it is a broker, its controller listener otherwise. */
        public String address() {
            return "127.0.0.1:" + port;
        }

        /** Its HTTP listener: {@code /metrics}, and a broker's console and history. */
        public String httpAddress() {
            return "127.0.0.1:" + httpPort;
        }

        public boolean isRunning() {
            return process != null && process.isAlive();
        }

        /**
         * Starts the process and returns once it serves. The deadline is generous: a JVM with a Ratis
         * quorum took over 90 s to serve on a 2-core machine running a chaos soak beside the build,
         * and over 180 s after a SIGKILL (recovery) with several builds' tests beside it.
         */
        public void start() throws IOException {
            long startedAt = Files.size(output);
            launch();
            await().atMost(Duration.ofSeconds(300)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Node " + id + " exited: " + log());
                }
                return log().substring((int) Math.min(startedAt, log().length())).contains(readyLine);
            });
        }

        /** Starts the process and returns at once, for a node that is not expected to serve. */
        public void launch() throws IOException {
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xms128m", "-Xmx384m", "-cp", System.getProperty("java.class.path"), Skein.class.getName(),
                    "server", "start", "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                    .start();
        }
        /** SIGKILL: a crash, nothing flushed or checkpointed. */
        public void kill() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }

        /** SIGTERM: a clean shutdown, which waits for the process to end. */
        public void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }

        /** SIGSTOP: the process freezes, connections stay open. */
        public void pause() throws IOException, InterruptedException {
            signal("STOP");
        }

        /** SIGCONT. */
        public void resume() throws IOException, InterruptedException {
            signal("CONT");
        }

        private void signal(String name) throws IOException, InterruptedException {
            new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
        }

        public String log() throws IOException {
            return Files.readString(output, StandardCharsets.UTF_8);
        }

        public Path logDir() {
            return config.resolveSibling("node-" + id);
        }

        /** Partition {@code partition} of {@code topic} as this broker's Metadata answer shows it (it must exist). */
        MetadataResponsePartition partition(String topic, int partition) throws IOException {
            try (RawKafkaClient client = new RawKafkaClient(address())) {
                MetadataResponseData metadata = client.call(new MetadataRequestData().setTopics(List.of(
                        new MetadataRequestTopic().setName(topic))).setAllowAutoTopicCreation(false), METADATA_VERSION);
                return metadata.topics().find(topic).partitions().stream()
                        .filter(p -> p.partitionIndex() == partition).findFirst().orElseThrow();
            }
        }

        @Override
        public String toString() {
            return "node " + id;
        }
    }

    private ProcessCluster(TestNode inProcessController, List<Node> controllers, List<Node> brokers, String clusterId) {
        this.inProcessController = inProcessController;
        this.controllers = controllers;
        this.brokers = brokers;
        this.clusterId = clusterId;
    }

    /**
     * Starts the controller here and {@code count} broker processes (ids 1..count), each with
     * {@code brokerOverrides}; the controller gets {@code controllerOverrides}.
     */
    public static ProcessCluster start(Path dir, int count, Map<String, String> controllerOverrides,
                                       Map<String, String> brokerOverrides) throws Exception {
        return start(dir, count, controllerOverrides, brokerOverrides, (brokerId, service) -> service);
    }

    /** Where a broker process reaches the controller service, e.g. through a proxy a test controls. */
    public interface ControllerRoute {
        InetSocketAddress forBroker(int brokerId, InetSocketAddress controllerService);
    }

    /** {@link #start}, with each broker reaching the controller service where {@code route} says. */
    public static ProcessCluster start(Path dir, int count, Map<String, String> controllerOverrides,
                                       Map<String, String> brokerOverrides, ControllerRoute route) throws Exception {
        int controllerPort = FreePorts.pair();
        String voters = IN_PROCESS_CONTROLLER_ID + "@127.0.0.1:" + controllerPort;
        InetSocketAddress service = new InetSocketAddress("127.0.0.1", controllerPort + 1);
        Map<String, String> controllerSettings = new HashMap<>(controllerOverrides);
        controllerSettings.putAll(controllerSettings(IN_PROCESS_CONTROLLER_ID, controllerPort, voters, dir));
        TestNode controller = TestNode.of(controllerSettings);
        String clusterId = NodeStorage.randomClusterId();
        NodeStorage.format(controller.config(), clusterId, false);
        controller.start();
        ProcessCluster cluster = new ProcessCluster(controller, List.of(), new ArrayList<>(), clusterId);
        try {
            for (int id = 1; id <= count; id++) {
                // Brokers derive the controller service's port from the voter's: one below it.
                InetSocketAddress routed = route.forBroker(id, service);
                String brokerVoters = IN_PROCESS_CONTROLLER_ID + "@" + routed.getHostString() + ":"
                        + (routed.getPort() - 1);
                cluster.brokers.add(brokerProcess(id, brokerVoters, brokerOverrides, clusterId, dir));
            }
            cluster.startAll(cluster.brokers);
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * Starts {@code controllerCount} controller processes (ids 101..) and {@code brokerCount} broker
     * processes (ids 1..), each with {@code overrides}.
     */
    public static ProcessCluster splitRoles(Path dir, int controllerCount, int brokerCount,
                                            Map<String, String> overrides) throws Exception {
        Map<Integer, Integer> controllerPorts = new HashMap<>();
        for (int i = 0; i < controllerCount; i++) {
            controllerPorts.put(FIRST_CONTROLLER_PROCESS_ID + i, FreePorts.pair());
        }
        String voters = controllerPorts.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "@127.0.0.1:" + e.getValue()).collect(Collectors.joining(","));
        String clusterId = NodeStorage.randomClusterId();
        ProcessCluster cluster = new ProcessCluster(null, new ArrayList<>(), new ArrayList<>(), clusterId);
        cluster.voters = voters;
        try {
            for (int i = 0; i < controllerCount; i++) {
                int id = FIRST_CONTROLLER_PROCESS_ID + i;
                Map<String, String> settings = new HashMap<>(overrides);
                settings.putAll(controllerSettings(id, controllerPorts.get(id), voters, dir));
                // A process cannot tell the test which port it took: it is given one.
                settings.put(NodeConfig.HTTP_LISTENER, "127.0.0.1:" + FreePorts.one());
                cluster.controllers.add(process(id, controllerPorts.get(id), settings, clusterId, dir,
                        "is a voter of"));
            }
            for (int id = 1; id <= brokerCount; id++) {
                cluster.brokers.add(brokerProcess(id, voters, overrides, clusterId, dir));
            }
            cluster.startAll(cluster.controllers);
            cluster.startAll(cluster.brokers);
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * Formats storage for one new cluster and starts a combined node (broker and controller) process for
     * each of {@code settings}, each a whole config file with its own node id, ports and log dir (which
     * should be {@code dir/node-<id>}). They are {@link #brokers()}, in the order given.
     */
    public static ProcessCluster combined(Path dir, List<Map<String, String>> settings) throws Exception {
        String clusterId = NodeStorage.randomClusterId();
        ProcessCluster cluster = new ProcessCluster(null, List.of(), new ArrayList<>(), clusterId);
        cluster.voters = settings.get(0).get(NodeConfig.CONTROLLER_QUORUM_VOTERS);
        try {
            for (Map<String, String> node : settings) {
                NodeConfig config = NodeConfig.of(node);
                cluster.brokers.add(process(config.nodeId(), config.clientListeners().get(0).port(), node, clusterId,
                        dir, "serves Kafka clients"));
            }
            cluster.startAll(cluster.brokers);
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private static Map<String, String> controllerSettings(int id, int port, String voters, Path dir) {
        return Map.of(NodeConfig.PROCESS_ROLES, "controller", NodeConfig.NODE_ID, Integer.toString(id),
                NodeConfig.LISTENERS, "CONTROLLER://127.0.0.1:" + port, NodeConfig.CONTROLLER_QUORUM_VOTERS, voters,
                NodeConfig.HTTP_LISTENER, TestNode.ANY_HTTP_PORT, NodeConfig.LOG_DIRS, dir.resolve("node-" + id).toString());
    }

    private static Node brokerProcess(int id, String voters, Map<String, String> overrides, String clusterId,
                                      Path dir) throws IOException {
        int port = FreePorts.one();
        Map<String, String> settings = new HashMap<>(overrides);
        settings.put(NodeConfig.PROCESS_ROLES, "broker");
        settings.put(NodeConfig.NODE_ID, Integer.toString(id));
        settings.put(NodeConfig.LISTENERS, "PLAINTEXT://127.0.0.1:" + port);
        settings.put(NodeConfig.ADMIN_LISTENER, "127.0.0.1:" + FreePorts.one());
        settings.put(NodeConfig.HTTP_LISTENER, "127.0.0.1:" + FreePorts.one());
        settings.put(NodeConfig.CONTROLLER_QUORUM_VOTERS, voters);
        settings.put(NodeConfig.LOG_DIRS, dir.resolve("node-" + id).toString());
        return process(id, port, settings, clusterId, dir, "serves Kafka clients");
    }

    /** Formats the node's storage and writes its config file; does not start it. */
    private static Node process(int id, int port, Map<String, String> settings, String clusterId, Path dir,
                                String readyLine) throws IOException {
        NodeStorage.format(NodeConfig.of(settings), clusterId, false);
        Path config = dir.resolve("node-" + id + ".properties");
        Properties properties = new Properties();
        properties.putAll(settings);
        try (Writer out = Files.newBufferedWriter(config)) {
            properties.store(out, "node " + id);
        }
        Path output = Files.createFile(dir.resolve("node-" + id + ".out"));
        return new Node(id, port, NodeConfig.of(settings).httpListener().port(), config, output, readyLine);
    }

    /**
     * One more broker of this cluster from {@code settings} (a whole config file, its log dir
     * {@code dir/node-<id>}): its storage formatted and its config written, not started. It is not
     * among {@link #brokers()}: kill it when done.
     */
    public Node extraBroker(Path dir, Map<String, String> settings) throws IOException {
        NodeConfig config = NodeConfig.of(settings);
        return process(config.nodeId(), config.clientListeners().get(0).port(), settings, clusterId, dir,
                "serves Kafka clients");
    }

    /**
     * Starts one more broker process of a {@link #splitRoles} or {@link #combined} cluster, id {@code id} with
     * {@code overrides}, and returns once it serves; it is among {@link #brokers()} from then on.
     */
    public Node addBroker(Path dir, int id, Map<String, String> overrides) throws IOException {
        Node broker = brokerProcess(id, voters, overrides, clusterId, dir);
        brokers.add(broker);
        broker.start();
        return broker;
    }

    /** A controller taking over, as its log says: the node and the Raft term. */
    public record ControllerTerm(int nodeId, long term) {
    }

    /**
     * The controller process ({@link #splitRoles}) or combined node ({@link #combined}) that logged taking
     * over at the highest term.
     *
     * @throws java.util.NoSuchElementException if none has yet
     */
    public ControllerTerm activeController() throws IOException {
        List<ControllerTerm> terms = new ArrayList<>();
        for (Node controller : Stream.concat(controllers.stream(), brokers.stream()).toList()) {
            Matcher matcher = ACTIVE.matcher(controller.log());
            while (matcher.find()) {
                terms.add(new ControllerTerm(Integer.parseInt(matcher.group(1)), Long.parseLong(matcher.group(2))));
            }
        }
        return terms.stream().max(Comparator.comparingLong(ControllerTerm::term)).orElseThrow();
    }

    /** The controller process ({@link #splitRoles}) or combined node ({@link #combined}) {@code id}. */
    public Node controller(int id) {
        return Stream.concat(controllers.stream(), brokers.stream()).filter(node -> node.id() == id).findFirst()
                .orElseThrow();
    }

    /** Starts the nodes together: a quorum of controller processes needs a majority up to serve any. */
    private void startAll(List<Node> nodes) throws Exception {
        List<CompletableFuture<Void>> started = new ArrayList<>();
        for (Node node : nodes) {
            started.add(CompletableFuture.runAsync(() -> {
                try {
                    node.start();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).get();
    }

    /** The committed metadata as the controller in this JVM ({@link #start}) has applied it. */
    public MetadataImage controllerImage() {
        return inProcessController.node().controller().orElseThrow().quorum().image();
    }

    /** Broker {@code id} (1-based). */
    public Node broker(int id) {
        return brokers.get(id - 1);
    }

    public List<Node> brokers() {
        return brokers;
    }

    /** The controller processes of {@link #splitRoles}, in id order. */
    public List<Node> controllers() {
        return controllers;
    }

    /**
     * Waits until every running broker but {@code excluded} (null: none) shows {@code what} of
     * partition {@code partition} of {@code topic} in its own Metadata answer; fails at
     * {@link EveryBroker#WITHIN}.
     */
    public void awaitAll(String what, Node excluded, String topic, int partition,
                         Predicate<MetadataResponsePartition> shows) {
        List<Node> asked = brokers.stream().filter(b -> b != excluded && b.isRunning()).toList();
        EveryBroker.await(what + " of " + topic + "-" + partition, asked, broker -> {
            try {
                return broker.partition(topic, partition);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, shows);
    }

    /** The client listeners of the running brokers. */
    public String bootstrap() {
        return bootstrapWithout(null);
    }

    /** The client listeners of the running brokers but {@code excluded} (a frozen one, say); null for none. */
    public String bootstrapWithout(Node excluded) {
        return brokers.stream().filter(b -> b != excluded && b.isRunning()).map(Node::address)
                .collect(Collectors.joining(","));
    }

    /** An Admin client of the running brokers but {@code excluded}, with timeouts that ride out a failover. */
    public Admin admin(Node excluded) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapWithout(excluded),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000));
    }


    @Override
    public void close() {
        for (Node node : brokers) {
            if (node.isRunning()) {
                node.process.destroyForcibly();
            }
        }
        for (Node node : controllers) {
            if (node.isRunning()) {
                node.process.destroyForcibly();
            }
        }
        if (inProcessController != null) {
            inProcessController.close();
        }
    }
}
