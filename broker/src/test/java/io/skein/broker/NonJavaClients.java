package io.skein.broker;

import io.skein.testing.Executables;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Kafka clients that are not Java, run as processes: Debian's {@code kcat} (librdkafka) and kafkajs
 * under Node.js, installed by {@code .ci/run} ({@code apt-get install kcat nodejs npm}, then
 * {@code npm ci --prefix broker/src/test/node}, which puts kafkajs in that directory's node_modules,
 * where {@code kafkajs-client.js} beside it finds it). Where one is missing its test is skipped,
 * saying how to get it; with {@code -Dskein.clients.required=true} (CI) it fails instead.
 */
final class NonJavaClients {
    static final String REQUIRED = "skein.clients.required";
    /** The Node.js project of the kafkajs client, relative to the broker module (the tests' directory). */
    static final Path NODE_PROJECT = Path.of("src", "test", "node");

    private NonJavaClients() {
    }

    /** Debian's kcat. */
    static Path kcat() {
        return Executables.onPath("kcat").orElseGet(() -> missing("kcat is not on the PATH: install Debian's kcat "
                + "(apt-get install -y kcat) to test librdkafka against Skein"));
    }

    /** Node.js, with kafkajs installed in {@link #NODE_PROJECT}. */
    static Path node() {
        Path node = Executables.onPath("node", "nodejs").orElseGet(() -> missing("node is not on the PATH: install "
                + "Debian's nodejs and npm (apt-get install -y nodejs npm) to test kafkajs against Skein"));
        if (!Files.isDirectory(NODE_PROJECT.resolve(Path.of("node_modules", "kafkajs")))) {
            missing("kafkajs is not installed in broker/" + NODE_PROJECT + ": run npm ci --prefix broker/"
                    + NODE_PROJECT + " (from the repository's root)");
        }
        return node;
    }

    private static Path missing(String why) {
        if (Boolean.getBoolean(REQUIRED)) {
            throw new AssertionError(why + " (" + REQUIRED + "=true)");
        }
        Assumptions.abort(why);
        return null;
    }
}
