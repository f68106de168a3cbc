package io.skein.cli;

import picocli.CommandLine.Option;

/** The options of the commands that are Kafka clients ({@code produce}, {@code consume}). */
final class KafkaClientOptions {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT[,...]",
            defaultValue = "${env:SKEIN_BOOTSTRAP:-127.0.0.1:9092}",
            description = "Kafka listeners to start from (default: $SKEIN_BOOTSTRAP, else ${DEFAULT-VALUE})")
    String bootstrap;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (for people) or json (one object per record, for scripts)")
    Output.Format output;

    boolean json() {
        return output == Output.Format.JSON;
    }
}
