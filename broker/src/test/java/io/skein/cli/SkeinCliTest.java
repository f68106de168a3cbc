package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.MetaProperties;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.node.NodeConfig;
import io.skein.node.NodeStorage;
import io.skein.proto.metadata.ScramMechanism;
import io.skein.testing.ChildJvm;
import io.skein.testing.FreePorts;
import io.skein.testing.TestNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code skein} command as a user types it: arguments in, text and an exit code out. */
class SkeinCliTest {
    @TempDir
    Path dir;

    private static int skein(String... args) {
        return CliRun.skein(args).exitCode();
    }

    private Path configFile() throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, TestNode.settings(dir, Map.of()).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n")));
        return file;
    }

    @Test
    void randomUuidPrintsAKafkaClusterId() {
        CliRun run = CliRun.skein("storage", "random-uuid");
        assertEquals(0, run.exitCode());
        Uuid.fromString(run.out().trim());
    }

    @Test
    void formatWritesEveryDirectoryOnceAndRefusesBadIds() throws Exception {
        Path config = configFile();
        String clusterId = Uuid.randomUuid().toString();
        assertEquals(0, skein("storage", "format", "--cluster-id", clusterId, "--config", config.toString()));
        assertEquals(clusterId, MetaProperties.read(dir.resolve("data")).orElseThrow().clusterId());

        CliRun again = CliRun.skein("storage", "format", "--cluster-id", clusterId, "--config", config.toString());
        assertEquals(1, again.exitCode());
        assertTrue(again.err().contains("already formatted. Use --ignore-formatted"), again.err());
        assertEquals(0, skein("storage", "format", "--cluster-id", clusterId, "--config", config.toString(),
                "--ignore-formatted"));
        assertEquals(1, skein("storage", "format", "--cluster-id", Uuid.randomUuid().toString(), "--config",
                config.toString(), "--ignore-formatted"));
        CliRun badId = CliRun.skein("storage", "format", "--cluster-id", "not-a-uuid", "--config", config.toString());
        assertEquals(1, badId.exitCode());
        assertTrue(badId.err().contains("skein storage random-uuid"), badId.err());
        assertEquals(2, skein("storage", "format", "--config", config.toString()), "--cluster-id is required");
    }

    @Test
    void formatWithAddScramGivesANewClustersControllerItsFirstUsers() throws Exception {
        Path config = configFile();
        String clusterId = Uuid.randomUuid().toString();
        assertEquals(2, skein("storage", "format", "--cluster-id", clusterId, "--config", config.toString(),
                "--add-scram", "SCRAM-SHA-512=[name=admin]"), "a user needs a password");
        assertEquals(2, skein("storage", "format", "--cluster-id", clusterId, "--config", config.toString(),
                "--add-scram", "SCRAM-SHA-512=[name=admin,password=x,iterations=100]"), "too few iterations");
        assertEquals(0, skein("storage", "format", "--cluster-id", clusterId, "--config", config.toString(),
                "--add-scram", "SCRAM-SHA-512=[name=admin,password=admin-secret]",
                "--add-scram", "SCRAM-SHA-256=[name=\"ops, the team\",password=\"a,b\",iterations=8192]"));

        MetadataImage image = MetadataDelta.replayed(MetadataImage.EMPTY,
                NodeStorage.bootstrap(NodeConfig.load(config)).getRecordsList());
        assertEquals(4096, image.scramCredential("admin", ScramMechanism.SCRAM_SHA_512).iterations());
        assertEquals(8192, image.scramCredential("ops, the team", ScramMechanism.SCRAM_SHA_256).iterations());
    }

    @Test
    void aQuickstartThatCannotStartLeavesNoDataDirectoryBehind() throws Exception {
        Path data = dir.resolve("data");
        Map<String, String> quickstart = new HashMap<>(TestNode.settings(dir, Map.of()));
        int http = FreePorts.one();
        quickstart.put(NodeConfig.HTTP_LISTENER, "127.0.0.1:" + http);
        ServerCommand.Start start = new ServerCommand.Start();
        start.quickstart = quickstart;
        try (ServerSocket taken = new ServerSocket(http, 50, InetAddress.getLoopbackAddress())) {
            CliRun run = CliRun.of(start);
            assertEquals(1, run.exitCode(), run.err());
            assertTrue(run.out().startsWith("Formatted " + data + " for new cluster "), run.out());
            assertTrue(ChildJvm.printed(run.err()).contains("Cannot start: port " + http + " is in use (http.listener: "
                    + "127.0.0.1:" + http + "): stop what listens there, or choose another port in http.listener"),
                    run.err());
        }
        assertFalse(Files.exists(data), "the start formatted it, and took it away again when it failed");

        Files.createDirectories(data);
        start = new ServerCommand.Start();
        start.quickstart = quickstart;
        try (ServerSocket taken = new ServerSocket(http, 50, InetAddress.getLoopbackAddress())) {
            assertEquals(1, CliRun.of(start).exitCode());
        }
        assertTrue(Files.isDirectory(data), "a directory that was there before stays");
    }

    @Test
    void serverStartRefusesUnformattedStorageNamingTheCommand() throws Exception {
        CliRun run = CliRun.skein("server", "start", "--config", configFile().toString());
        assertEquals(1, run.exitCode());
        String message = run.err();
        assertTrue(message.contains("not formatted") && message.contains("skein storage format"), message);
    }

    @Test
    void serverStartRefusesABadConfigNamingTheKey() throws Exception {
        Path config = configFile();
        Files.writeString(config, "\nlog.retention.hour=1\n", StandardOpenOption.APPEND);
        CliRun run = CliRun.skein("server", "start", "--config", config.toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("Unknown configuration key 'log.retention.hour': Skein takes Kafka's broker config "
                + "names. Did you mean log.retention.hours? `skein config list --scope node` and docs/configuration.md "
                + "list every key."), run.err());
        assertEquals(1, skein("server", "start", "--config", dir.resolve("missing.properties").toString()));
    }
}
