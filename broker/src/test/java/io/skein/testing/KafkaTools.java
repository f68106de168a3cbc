package io.skein.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kafka's own command-line tools, each run as {@code kafka-topics.sh} and friends would: their main
 * class, in a JVM of their own with the kafka-clients release they were built with.
 */
public final class KafkaTools {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** The scripts of a Kafka distribution's bin/ that {@link #distributionBin} writes, with the tool each runs. */
    private static final Map<String, String> SCRIPTS = Map.of(
            "kafka-topics.sh", "org.apache.kafka.tools.TopicCommand",
            "kafka-console-producer.sh", "org.apache.kafka.tools.ConsoleProducer",
            "kafka-console-consumer.sh", "org.apache.kafka.tools.consumer.ConsoleConsumer",
            "kafka-configs.sh", "kafka.admin.ConfigCommand",
            "kafka-acls.sh", "org.apache.kafka.tools.AclCommand",
            "kafka-consumer-groups.sh", "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand");

    private KafkaTools() {
    }

    /** Runs {@code mainClass} with {@code --bootstrap-server bootstrap} and {@code args}; {@code stdin} may be null. */
    public static ChildJvm.Result run(String bootstrap, Path stdin, String mainClass, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", bootstrap));
        all.addAll(List.of(args));
        return ChildJvm.run(System.getProperty("skein.kafka.tools.version"), stdin, TIMEOUT, mainClass,
                all.toArray(String[]::new));
    }

    /**
     * A stand-in for a Kafka distribution's {@code bin/} in {@code dir}: {@code kafka-topics.sh} and the
     * others, each running its tool as {@link #run} does, so that commands written for a reader (the
     * README's) run as written with {@code dir} on the PATH.
     */
    public static Path distributionBin(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, String> script : SCRIPTS.entrySet()) {
            Executables.script(dir.resolve(script.getKey()),
                    ChildJvm.command(System.getProperty("skein.kafka.tools.version"), script.getValue()));
        }
        return dir;
    }

    /** What a run printed, once it is known to have exited 0. */
    public static String succeeded(ChildJvm.Result result) {
        assertEquals(0, result.exitCode(), result.output());
        return result.output();
    }
}
