package io.skein.cli;

import io.skein.node.NodeConfig;
import io.skein.node.NodeStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code skein storage}: prepares a node's directories before its first start. */
@Command(name = "storage", description = "Prepare a node's storage.", mixinStandardHelpOptions = true,
        subcommands = {StorageCommand.Format.class, StorageCommand.RandomUuid.class})
final class StorageCommand {
    @Command(name = "format", mixinStandardHelpOptions = true,
            description = "Write meta.properties (cluster id, node id, directory id) into every log dir and "
                    + "the metadata log dir.")
    static final class Format implements Callable<Integer> {
        @Option(names = "--cluster-id", required = true, paramLabel = "ID",
                description = "The cluster's id, the same on every node (see `skein storage random-uuid`)")
        String clusterId;

        @Option(names = "--config", required = true, paramLabel = "FILE", description = "The node's server.properties")
        Path configFile;

        @Option(names = "--ignore-formatted", description = "Skip directories already formatted for this cluster and node")
        boolean ignoreFormatted;

        @Override
        public Integer call() {
            try {
                NodeConfig config = NodeConfig.load(configFile);
                List<Path> formatted = NodeStorage.format(config, clusterId, ignoreFormatted);
                formatted.forEach(dir -> System.out.println("Formatting " + dir + " with cluster.id " + clusterId));
                if (formatted.isEmpty()) {
                    System.out.println("All of the log directories are already formatted.");
                }
                return 0;
            } catch (ConfigException | IllegalArgumentException | IOException e) {
                System.err.println(e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "random-uuid", mixinStandardHelpOptions = true, description = "Print a new cluster id.")
    static final class RandomUuid implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println(NodeStorage.randomClusterId());
            return 0;
        }
    }
}
