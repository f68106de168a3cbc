package io.skein.testing;

import static org.awaitility.Awaitility.await;

import io.skein.cli.Skein;
import io.skein.node.NodeConfig;
import io.skein.node.NodeStorage;
import io.skein.log.MetaProperties;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Brokers as real processes ({@code skein server start --config}), so that tests can crash them with
 * SIGKILL and freeze them with SIGSTOP, around one controller in this JVM that the tests leave alone.
 */
public final class ProcessCluster implements AutoCloseable {
    private static final int CONTROLLER_ID = 100;

    private final TestNode controller;
    private final List<Broker> brokers;

    /** One broker process: its config, its log output, and the signals a test sends it. */
    public static final class Broker {
        private final int id;
        private final int port;
        private final Path config;
        private final Path output;
        private Process process;

        private Broker(int id, int port, Path config, Path output) {
            this.id = id;
            this.port = port;
            this.config = config;
            this.output = output;
        }

        public int id() {
            return id;
        }

        public String address() {
            return "127.0.0.1:" + port;
        }

        public boolean isRunning() {
            return process != null && process.isAlive();
        }

        /** Starts the process and returns once it serves clients. */
        public void start() throws IOException {
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xms128m", "-Xmx384m", "-cp", System.getProperty("java.class.path"), Skein.class.getName(),
                    "server", "start", "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                    .start();
            long startedAt = Files.size(output);
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Broker " + id + " exited: " + log());
                }
                return log().substring((int) Math.min(startedAt, log().length())).contains("serves Kafka clients");
            });
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
            return config.resolveSibling("broker-" + id);
        }
    }

    private ProcessCluster(TestNode controller, List<Broker> brokers) {
        this.controller = controller;
        this.brokers = brokers;
    }

    /**
     * Starts the controller here and {@code count} broker processes (ids 1..count), each with
     * {@code brokerOverrides}; the controller gets {@code controllerOverrides}.
     */
    public static ProcessCluster start(Path dir, int count, Map<String, String> controllerOverrides,
                                       Map<String, String> brokerOverrides) throws Exception {
        int controllerPort = FreePorts.pair();
        String voters = CONTROLLER_ID + "@127.0.0.1:" + controllerPort;
        Map<String, String> controllerSettings = new HashMap<>(controllerOverrides);
        controllerSettings.put(NodeConfig.PROCESS_ROLES, "controller");
        controllerSettings.put(NodeConfig.NODE_ID, Integer.toString(CONTROLLER_ID));
        controllerSettings.put(NodeConfig.LISTENERS, "CONTROLLER://127.0.0.1:" + controllerPort);
        controllerSettings.put(NodeConfig.CONTROLLER_QUORUM_VOTERS, voters);
        controllerSettings.put(NodeConfig.LOG_DIRS, dir.resolve("controller").toString());
        TestNode controller = TestNode.of(controllerSettings);
        String clusterId = NodeStorage.randomClusterId();
        NodeStorage.format(controller.config(), clusterId, false);
        controller.start();
        List<Broker> brokers = new ArrayList<>();
        ProcessCluster cluster = new ProcessCluster(controller, brokers);
        try {
            for (int id = 1; id <= count; id++) {
                int port = FreePorts.one();
                Map<String, String> settings = new HashMap<>(brokerOverrides);
                settings.put(NodeConfig.PROCESS_ROLES, "broker");
                settings.put(NodeConfig.NODE_ID, Integer.toString(id));
                settings.put(NodeConfig.LISTENERS, "PLAINTEXT://127.0.0.1:" + port);
                settings.put(NodeConfig.CONTROLLER_QUORUM_VOTERS, voters);
                settings.put(NodeConfig.LOG_DIRS, dir.resolve("broker-" + id).toString());
                NodeStorage.format(NodeConfig.of(settings), clusterId, false);
                Path config = dir.resolve("broker-" + id + ".properties");
                Properties properties = new Properties();
                properties.putAll(settings);
                try (Writer out = Files.newBufferedWriter(config)) {
                    properties.store(out, "broker " + id);
                }
                brokers.add(new Broker(id, port, config, dir.resolve("broker-" + id + ".out")));
                Files.createFile(dir.resolve("broker-" + id + ".out"));
            }
            for (Broker broker : brokers) {
                broker.start();
            }
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Broker {@code id} (1-based). */
    public Broker broker(int id) {
        return brokers.get(id - 1);
    }

    public List<Broker> brokers() {
        return brokers;
    }

    /** The client listeners of the running brokers. */
    public String bootstrap() {
        return brokers.stream().filter(Broker::isRunning).map(Broker::address).collect(Collectors.joining(","));
    }

    /** The cluster id every node was formatted with. */
    public String clusterId() throws IOException {
        return MetaProperties.read(controller.config().logDirs().get(0)).orElseThrow().clusterId();
    }

    @Override
    public void close() {
        for (Broker broker : brokers) {
            if (broker.process != null && broker.process.isAlive()) {
                broker.process.destroyForcibly();
            }
        }
        controller.close();
    }
}
