package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.MetaProperties;
import io.skein.testing.TestNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code skein} command as a user types it: arguments in, text and an exit code out. */
class SkeinCliTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @BeforeEach
    void captureOutput() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreOutput() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    private int skein(String... args) {
        return Skein.commandLine().execute(args);
    }

    private Path configFile() throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, TestNode.settings(dir, Map.of()).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n")));
        return file;
    }

    @Test
    void randomUuidPrintsAKafkaClusterId() {
        assertEquals(0, skein("storage", "random-uuid"));
        Uuid.fromString(out.toString(StandardCharsets.UTF_8).trim());
    }

    @Test
    void formatWritesEveryDirectoryOnceAndRefusesBadIds() throws Exception {
        Path config = configFile();
        String clusterId = Uuid.randomUuid().toString();
        assertEquals(0, skein("storage", "format", "--cluster-id", clusterId, "--config", config.toString()));
        assertEquals(clusterId, MetaProperties.read(dir.resolve("data")).orElseThrow().clusterId());

        assertEquals(1, skein("storage", "format", "--cluster-id", clusterId, "--config", config.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("already formatted. Use --ignore-formatted"), err.toString());
        assertEquals(0, skein("storage", "format", "--cluster-id", clusterId, "--config", config.toString(),
                "--ignore-formatted"));
        assertEquals(1, skein("storage", "format", "--cluster-id", Uuid.randomUuid().toString(), "--config",
                config.toString(), "--ignore-formatted"));
        assertEquals(1, skein("storage", "format", "--cluster-id", "not-a-uuid", "--config", config.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("skein storage random-uuid"), err.toString());
        assertEquals(2, skein("storage", "format", "--config", config.toString()), "--cluster-id is required");
    }

    @Test
    void serverStartRefusesUnformattedStorageNamingTheCommand() throws Exception {
        assertEquals(1, skein("server", "start", "--config", configFile().toString()));
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("not formatted") && message.contains("skein storage format"), message);
    }

    @Test
    void serverStartRefusesABadConfigNamingTheKey() throws Exception {
        Path config = configFile();
        Files.writeString(config, "\nlog.retention.hour=1\n", StandardOpenOption.APPEND);
        assertEquals(1, skein("server", "start", "--config", config.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("'log.retention.hour'"), err.toString());
        assertEquals(1, skein("server", "start", "--config", dir.resolve("missing.properties").toString()));
    }
}
