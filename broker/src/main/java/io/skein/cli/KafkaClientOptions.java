package io.skein.cli;

import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of the commands that are Kafka clients ({@code produce}, {@code consume}). */
final class KafkaClientOptions {
    @Mixin
    CommandConfig commandConfig;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT[,...]",
            defaultValue = "${env:SKEIN_BOOTSTRAP:-127.0.0.1:9092}",
            description = "Kafka listeners to start from (default: $SKEIN_BOOTSTRAP, else ${DEFAULT-VALUE})")
    String bootstrap;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (for people) or json (one object per record, for scripts)")
    Output.Format output;

    /**
     * The client's properties: {@code --command-config}'s, under the bootstrap servers; the command
     * adds its own, which win.
     */
    Properties clientProperties() {
        Properties properties = new Properties();
        properties.putAll(commandConfig.properties());
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return properties;
    }

    boolean json() {
        return output == Output.Format.JSON;
    }
}
