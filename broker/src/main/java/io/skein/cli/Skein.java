package io.skein.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code skein} command: every subcommand of the node and its storage. */
@Command(name = "skein", mixinStandardHelpOptions = true, version = "skein 0.1.0",
        description = "A ZooKeeper-free, Kafka-compatible message broker.",
        subcommands = {ServerCommand.class, StorageCommand.class})
public final class Skein {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Skein()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }
}
