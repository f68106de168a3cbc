package io.skein.cli;

import io.skein.node.NodeConfig;
import io.skein.node.NodeStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigException;
import io.skein.proto.metadata.MetadataRecordBatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

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

        @Option(names = "--add-scram", paramLabel = "MECHANISM=[name=USER,password=PASSWORD]",
                description = {"A SCRAM user the new cluster starts with, as Kafka's kafka-storage format --add-scram: "
                        + "e.g. 'SCRAM-SHA-512=[name=admin,password=admin-secret]', with iterations=N (default 4096) "
                        + "if wanted (repeatable).",
                        "Brokers that log in to each other with SCRAM need theirs before they can replicate. Written "
                                + "on controllers; the first active controller of the new cluster adds them."})
        List<String> scramUsers = List.of();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                NodeConfig config = NodeConfig.load(configFile);
                MetadataRecordBatch.Builder bootstrap = MetadataRecordBatch.newBuilder();
                for (String user : scramUsers) {
                    bootstrap.addRecords(ScramUserArgument.parse(user).orElseThrow(() -> new ParameterException(
                            spec.commandLine(), "--add-scram takes MECHANISM=[name=USER,password=PASSWORD], not "
                                    + user)).record());
                }
                List<Path> formatted = NodeStorage.format(config, clusterId, ignoreFormatted, bootstrap.build());
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
