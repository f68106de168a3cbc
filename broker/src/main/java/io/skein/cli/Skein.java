package io.skein.cli;

import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code skein} command: the node and its storage, and the tools that administer a cluster
 * (through its admin API) and produce and consume (through the Kafka protocol).
 *
 * <p>Exit codes: 0 done, 1 failed (the cluster refused or could not be reached), 2 bad usage (bad
 * settings too, such as those of {@code --command-config}).
 */
@Command(name = "skein", mixinStandardHelpOptions = true, versionProvider = SkeinVersion.class,
        description = "A ZooKeeper-free, Kafka-compatible message broker.",
        subcommands = {ServerCommand.class, StorageCommand.class, TopicsCommand.class, ProduceCommand.class,
                ConsumeCommand.class, GroupsCommand.class, ClusterCommand.class, QuorumCommand.class,
                LeadersCommand.class, TransactionsCommand.class, MessagesCommand.class, TopCommand.class,
                CertsCommand.class, AclsCommand.class, UsersCommand.class, QuotasCommand.class, ConfigCommand.class,
                ReassignCommand.class})
public final class Skein {
    public static void main(String[] args) {
        Optional<String> badLogging = LogSetup.configure(args, System.getenv());
        if (badLogging.isPresent()) {
            System.err.println("Error: " + badLogging.get());
            System.exit(2);
        }
        System.exit(commandLine().execute(args));
    }

    /** The command line, with unexpected failures reported in one line and exit code 1. */
    public static CommandLine commandLine() {
        return new CommandLine(new Skein()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    if (e instanceof ConfigException) { // a setting given to the command, such as --command-config's
                        commandLine.getErr().println("Error: " + e.getMessage());
                        return 2;
                    }
                    commandLine.getErr().println("Error: " + e);
                    return 1;
                });
    }
}
