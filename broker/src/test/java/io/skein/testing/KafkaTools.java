package io.skein.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Kafka's own command-line tools, each run as {@code kafka-topics.sh} and friends would: their main
 * class, in a JVM of their own with the kafka-clients release they were built with.
 */
public final class KafkaTools {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private KafkaTools() {
    }

    /** Runs {@code mainClass} with {@code --bootstrap-server bootstrap} and {@code args}; {@code stdin} may be null. */
    public static ChildJvm.Result run(String bootstrap, Path stdin, String mainClass, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", bootstrap));
        all.addAll(List.of(args));
        return ChildJvm.run(System.getProperty("skein.kafka.tools.version"), stdin, TIMEOUT, mainClass,
                all.toArray(String[]::new));
    }

    /** What a run printed, once it is known to have exited 0. */
    public static String succeeded(ChildJvm.Result result) {
        assertEquals(0, result.exitCode(), result.output());
        return result.output();
    }
}
