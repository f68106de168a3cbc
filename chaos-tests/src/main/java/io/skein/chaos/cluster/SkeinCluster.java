package io.skein.chaos.cluster;

import com.github.dockerjava.api.model.Network.Ipam;
import io.skein.metadata.tls.TlsSettings;
import io.skein.node.NodeStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Skein nodes ({@link Topology}: combined, or controllers apart from brokers) in containers on an
 * internal Docker network of their own, with fixed addresses: nothing leaves the network, and this machine reaches the nodes
 * through the network's bridge. The image ({@code scripts/build-test-image}) holds only a JDK; the
 * Skein build ({@code broker/target}) is mounted read-only, so it is always the code under test.
 */
public final class SkeinCluster implements AutoCloseable {
    public static final String IMAGE = "skein-test:jdk";
    private static final Pattern ACTIVE = Pattern.compile("Node (\\d+) is the active controller at term (\\d+)");
    static final int CLIENT_PORT = 9092;
    static final int CONTROLLER_PORT = 9094;

    private final Network network;
    private final Path dataRoot;
    private final List<ChaosNode> nodes;
    /** Null for a plaintext cluster. */
    private final SecureSettings secure;

    private SkeinCluster(Network network, Path dataRoot, List<ChaosNode> nodes, SecureSettings secure) {
        this.network = network;
        this.dataRoot = dataRoot;
        this.nodes = nodes;
        this.secure = secure;
    }

    /** Whether a Docker engine answers and the test image exists; if not, why, and how to get them. */
    public static String unavailableBecause() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return "no Docker engine: run `scripts/docker-engine up DIR && scripts/build-test-image` (as root), "
                    + "or `.ci/run`, to enable the chaos scenarios";
        }
        if (DockerClientFactory.instance().client().listImagesCmd().withImageNameFilter(IMAGE).exec().isEmpty()) {
            return "no image " + IMAGE + ": run `scripts/build-test-image` to enable the chaos scenarios";
        }
        return null;
    }

    /**
     * Starts the nodes of {@code topology} with Skein's built jars from {@code brokerTarget} and
     * {@code overrides} on top of an RF 3 / min.insync 2 / no unclean election configuration.
     *
     * @param clockOffsets node id to a fixed offset of its clocks, in libfaketime's notation ("+90s",
     *                     "-2m"). The monotonic clock moves by the same fixed offset, which keeps it
     *                     steady: leaving it alone (FAKETIME_DONT_FAKE_MONOTONIC) made timed waits
     *                     disagree with System.nanoTime() and gRPC deadlines expire at once
     * @param jvmOptions   added to every node's {@code java} command (test-only switches of a negative control)
     * @param security     plaintext, or TLS on every listener with SASL for Kafka's clients
     */
    public static SkeinCluster start(Topology topology, Path brokerTarget, Map<String, String> overrides,
                                     Map<Integer, String> clockOffsets, List<String> jvmOptions, Security security)
            throws IOException {
        if (!Files.exists(brokerTarget.resolve("skein-broker.jar"))) {
            throw new IllegalStateException("No " + brokerTarget.resolve("skein-broker.jar") + ": build Skein first");
        }
        String chosen = null;
        Network network = null;
        // A subnet per cluster, so that a cluster left behind by a killed run cannot collide; another
        // one if Docker finds it taken (by a cluster of a run beside this one).
        for (int attempt = 1; network == null; attempt++) {
            String subnet = "10.201." + ThreadLocalRandom.current().nextInt(1, 255);
            Network candidate = Network.builder().createNetworkCmdModifier(cmd -> cmd.withInternal(true)
                    .withIpam(new Ipam().withConfig(new Ipam.Config().withSubnet(subnet + ".0/24")))).build();
            try {
                candidate.getId(); // creates it now, not when the first container starts
                network = candidate;
                chosen = subnet;
            } catch (RuntimeException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
        String prefix = chosen;
        String voters = topology.voterIds().mapToObj(id -> id + "@" + ip(prefix, id) + ":" + CONTROLLER_PORT)
                .collect(Collectors.joining(","));
        String clusterId = NodeStorage.randomClusterId();
        // Each node's disk is a directory here, so that a fault can damage its files while it is down.
        Path dataRoot = Files.createTempDirectory("skein-chaos-");
        List<ChaosNode> nodes = new ArrayList<>();
        SecureSettings secure;
        try {
            secure = security == Security.SASL_SSL ? SecureSettings.make(dataRoot.resolve("certs"), IntStream
                    .rangeClosed(1, topology.size()).boxed().collect(Collectors.toMap(id -> id, id -> ip(prefix, id))))
                    : null;
        } catch (RuntimeException e) {
            new SkeinCluster(network, dataRoot, nodes, null).close();
            throw e;
        }
        SkeinCluster cluster = new SkeinCluster(network, dataRoot, nodes, secure);
        Optional<TlsSettings> controllerTls = Optional.ofNullable(secure).map(SecureSettings::controllerClient);
        try {
            for (int id = 1; id <= topology.size(); id++) {
                Path data = Files.createDirectories(dataRoot.resolve("node-" + id));
                ChaosNode node = node(id, topology, ip(prefix, id), voters, clusterId, brokerTarget, data, overrides,
                        jvmOptions, network, secure, controllerTls);
                String offset = clockOffsets.get(id);
                if (offset != null) {
                    node.container().withEnv("LD_PRELOAD", "/opt/faketime/libfaketime.so.1").withEnv("FAKETIME", offset);
                }
                nodes.add(node);
            }
            // All at once: a quorum that forms with two of three voters on busy cores is needlessly fragile.
            cluster.atOnce(node -> node.container().start());
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private static String ip(String prefix, int id) {
        return prefix + "." + (10 + id);
    }

    private static ChaosNode node(int id, Topology topology, String ip, String voters, String clusterId,
                                  Path brokerTarget, Path data, Map<String, String> overrides, List<String> jvmOptions,
                                  Network network, SecureSettings secure, Optional<TlsSettings> controllerTls) {
        boolean broker = topology.isBroker(id);
        boolean voter = topology.isVoter(id);
        List<String> listeners = new ArrayList<>();
        if (broker) {
            listeners.add((secure == null ? "PLAINTEXT" : secure.kafkaListener()) + "://" + ip + ":" + CLIENT_PORT);
        }
        if (voter) {
            listeners.add("CONTROLLER://" + ip + ":" + CONTROLLER_PORT);
        }
        // Controllers too take the topic defaults: they place replicas and elect leaders.
        Map<String, String> config = new HashMap<>(Map.of(
                "process.roles", broker && voter ? "broker,controller" : broker ? "broker" : "controller",
                "node.id", Integer.toString(id),
                "listeners", String.join(",", listeners),
                "controller.quorum.voters", voters,
                "log.dirs", "/data/node",
                "default.replication.factor", "3",
                "offsets.topic.replication.factor", "3",
                "min.insync.replicas", "2",
                "unclean.leader.election.enable", "false"));
        if (secure != null) {
            config.putAll(secure.node(id, ip));
        }
        config.putAll(overrides);
        String properties = config.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\\n"));
        String java = "java -Xms256m -Xmx384m " + jvmOptions.stream().map(option -> option + " ").collect(Collectors.joining())
                + "-cp '/skein/skein-broker.jar:/skein/lib/*' io.skein.cli.Skein";
        String scramUsers = secure == null ? "" : secure.scramUsers().stream().map(user -> " --add-scram '" + user + "'")
                .collect(Collectors.joining());
        String script = "printf '" + properties + "\\n' > /data/node.properties"
                + " && " + java + " storage format --ignore-formatted --cluster-id " + clusterId
                + " --config /data/node.properties" + scramUsers
                + " && exec " + java + " server start --config /data/node.properties";
        String ready = broker ? ChaosNode.BROKER_READY : ChaosNode.CONTROLLER_READY;
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withImagePullPolicy(name -> false)
                .withNetwork(network)
                .withCreateContainerCmdModifier(cmd -> cmd.withIpv4Address(ip).withHostName("node" + id))
                .withFileSystemBind(brokerTarget.resolve("skein-broker.jar").toString(), "/skein/skein-broker.jar",
                        BindMode.READ_ONLY)
                .withFileSystemBind(brokerTarget.resolve("lib").toString(), "/skein/lib", BindMode.READ_ONLY)
                .withFileSystemBind(data.toString(), "/data", BindMode.READ_WRITE)
                .withCommand("sh", "-c", script)
                .waitingFor(Wait.forLogMessage(".*" + ready + ".*", 1).withStartupTimeout(Duration.ofSeconds(300)));
        if (secure != null) {
            container.withFileSystemBind(secure.dir().toString(), SecureSettings.MOUNT, BindMode.READ_ONLY);
        }
        return new ChaosNode(id, ip, broker, voter, ready, data.resolve("node"), container, controllerTls);
    }

    public List<ChaosNode> nodes() {
        return nodes;
    }

    public ChaosNode node(int id) {
        return nodes.get(id - 1);
    }

    /** The nodes that are brokers. */
    public List<ChaosNode> brokers() {
        return nodes.stream().filter(ChaosNode::isBroker).toList();
    }

    /** The nodes that are voters of the metadata quorum, in voter order. */
    public List<ChaosNode> voters() {
        return nodes.stream().filter(ChaosNode::isVoter).toList();
    }

    public String bootstrap() {
        return brokers().stream().map(ChaosNode::bootstrap).collect(Collectors.joining(","));
    }

    /**
     * What a Kafka client of this cluster starts from: the bootstrap servers and, for a secured cluster,
     * how it logs in and which CA it trusts.
     */
    public Map<String, Object> kafkaClient() {
        Map<String, Object> settings = new HashMap<>();
        settings.put("bootstrap.servers", bootstrap());
        if (secure != null) {
            settings.putAll(secure.kafkaClient());
        }
        return settings;
    }

    /** The node that logged taking over as active controller at the highest term, if any has. */
    public Optional<ChaosNode> activeController() {
        ChaosNode active = null;
        long highest = -1;
        for (ChaosNode node : nodes) {
            Matcher matcher = ACTIVE.matcher(node.logs());
            while (matcher.find()) {
                long term = Long.parseLong(matcher.group(2));
                if (term > highest) {
                    highest = term;
                    active = node(Integer.parseInt(matcher.group(1)));
                }
            }
        }
        return Optional.ofNullable(active);
    }

    /** Stops every node cleanly and at once ({@link ChaosNode#shutDown}); their disks stay until {@link #close}. */
    public void shutDown() {
        atOnce(ChaosNode::shutDown);
    }

    /** Does {@code action} to every node, each on a thread of its own, and waits for all. */
    private void atOnce(Consumer<ChaosNode> action) {
        CompletableFuture.allOf(nodes.stream()
                .map(node -> CompletableFuture.runAsync(() -> action.accept(node), runnable -> new Thread(runnable).start()))
                .toArray(CompletableFuture[]::new)).join();
    }

    @Override
    public void close() throws IOException {
        nodes.forEach(ChaosNode::stop);
        network.close();
        try (Stream<Path> files = Files.walk(dataRoot)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
