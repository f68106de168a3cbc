package io.skein.cli;

import io.skein.log.MetaProperties;
import io.skein.node.NodeConfig;
import io.skein.node.NodeStorage;
import io.skein.server.SkeinNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code skein server start}: runs a node in the foreground until SIGTERM or Ctrl-C. */
@Command(name = "server", description = "Run a node.", subcommands = ServerCommand.Start.class,
        mixinStandardHelpOptions = true)
final class ServerCommand {
    /** The single combined node of the quickstart: Kafka clients on 127.0.0.1:9092, data in ./data. */
    static final Map<String, String> EMBEDDED_DEFAULTS = Map.of(
            NodeConfig.PROCESS_ROLES, "broker,controller",
            NodeConfig.NODE_ID, "1",
            NodeConfig.LISTENERS, "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9094",
            NodeConfig.CONTROLLER_QUORUM_VOTERS, "1@127.0.0.1:9094",
            NodeConfig.LOG_DIRS, "data");

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Start a node in the foreground; SIGTERM or Ctrl-C stops it cleanly.",
                    "Without --config: a single combined node on 127.0.0.1:9092 (the admin API on 9093, its "
                            + "controller on 9094 and 9095, metrics on http://127.0.0.1:9096/metrics) with data in ./data, formatted on first start."})
    static final class Start implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE",
                description = "server.properties, with Kafka's broker config names")
        Path configFile;

        /** The node to run without --config: {@link #EMBEDDED_DEFAULTS}, or a test's, on ports and a directory of its own. */
        Map<String, String> quickstart = EMBEDDED_DEFAULTS;

        @Override
        public Integer call() throws Exception {
            if (configFile != null && !Files.isRegularFile(configFile)) {
                System.err.println("No such config file: " + configFile);
                return 1;
            }
            NodeConfig config;
            try {
                config = configFile == null ? NodeConfig.of(quickstart) : NodeConfig.load(configFile);
            } catch (ConfigException e) {
                System.err.println("Invalid configuration: " + e.getMessage());
                return 1;
            }
            Path data = config.logDirs().get(0);
            // A data directory this start creates goes again if the start fails: no stray ./data after a mistake.
            boolean created = configFile == null && !Files.exists(data);
            if (configFile == null && MetaProperties.read(data).isEmpty()) {
                String clusterId = NodeStorage.randomClusterId();
                NodeStorage.format(config, clusterId, false);
                System.out.println("Formatted " + data + " for new cluster " + clusterId);
            }
            SkeinNode node;
            try {
                node = SkeinNode.start(config);
            } catch (ConfigException e) { // TLS settings are tried when the node starts: stores that cannot be read
                System.err.println("Invalid configuration: " + e.getMessage());
                removeIf(created, data);
                return 1;
            } catch (IOException | IllegalStateException e) {
                System.err.println("Cannot start: " + e.getMessage());
                removeIf(created, data);
                return 1;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(node::close, "skein-shutdown"));
            node.awaitStop();
            return 0;
        }

        private static void removeIf(boolean created, Path dir) throws IOException {
            if (created) {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(file);
                    }
                }
            }
        }
    }
}
