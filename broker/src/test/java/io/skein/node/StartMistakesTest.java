package io.skein.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.ChildJvm;
import io.skein.testing.FreePorts;
import io.skein.testing.ProcessCluster.Node;
import io.skein.testing.TestNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A newcomer's first mistakes with nodes, as real node processes meet them, each answered in one line:
 * a second node on the directories of a running one, and a port another process holds.
 */
@Timeout(1200)
class StartMistakesTest {
    /** Generous: a JVM took minutes just to start on a 2-core machine running several builds' tests. */
    private static final Duration REFUSED_WITHIN = Duration.ofSeconds(300);

    @TempDir
    Path dir;

    private final List<Node> nodes = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Node node : nodes) {
            if (node.isRunning()) {
                node.kill();
            }
        }
    }

    /** A combined node's config file, with its storage formatted. */
    private Path formattedConfig(Map<String, String> overrides) throws IOException {
        Map<String, String> settings = TestNode.settings(dir, overrides);
        Path config = dir.resolve("server.properties");
        Files.writeString(config, settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n")));
        NodeStorage.format(NodeConfig.of(settings), NodeStorage.randomClusterId(), false);
        return config;
    }

    private Node node(Path config, String name) throws IOException {
        Node node = Node.of(config, dir.resolve(name + ".out"));
        nodes.add(node);
        return node;
    }

    /** Runs a node that is to be refused, and returns what it printed apart from log lines. */
    private List<String> refused(Path config, String name) throws Exception {
        Node node = node(config, name);
        node.launch();
        assertEquals(1, node.awaitExit(REFUSED_WITHIN), node.log());
        return ChildJvm.printed(node.log());
    }

    @Test
    void aSecondNodeOnTheDirectoriesOfARunningOneIsRefusedNamingItAndAKilledOnesLockIsTakenOver() throws Exception {
        Path config = formattedConfig(Map.of());
        Path data = NodeConfig.load(config).logDirs().get(0);
        Path lockFile = data.resolve(NodeLock.FILE_NAME);
        Node first = node(config, "first");
        first.start();
        assertEquals(first.pid() + "\n", Files.readString(lockFile, StandardCharsets.US_ASCII));

        assertEquals(List.of("Cannot start: a node is already running on " + data + " (pid " + first.pid()
                + "): stop it, or give this one another log.dirs"), refused(config, "second"));
        assertTrue(first.isRunning(), "the first node serves on");

        first.kill(); // SIGKILL: the lock file stays behind, naming a process that is gone
        assertEquals(first.pid() + "\n", Files.readString(lockFile, StandardCharsets.US_ASCII));
        Node third = node(config, "third");
        third.start();
        assertEquals(third.pid() + "\n", Files.readString(lockFile, StandardCharsets.US_ASCII));
    }

    @Test
    void aPortAnotherProcessHoldsIsNamedWithTheKeyThatSetIt() throws Exception {
        Path config = formattedConfig(Map.of(NodeConfig.HTTP_LISTENER, "127.0.0.1:" + FreePorts.one()));
        NodeConfig node = NodeConfig.load(config);
        int kafka = node.clientListeners().get(0).port();
        int controller = node.controllerListener().orElseThrow().port();
        int admin = node.adminListener().port();
        int http = node.httpListener().port();
        String quorumKeys = "choose another port in listeners and controller.quorum.voters";
        Map<Integer, String> answers = new LinkedHashMap<>();
        answers.put(kafka, "(listeners: PLAINTEXT://127.0.0.1:" + kafka + "): stop what listens there, or choose "
                + "another port in listeners");
        answers.put(controller, "(listeners: CONTROLLER://127.0.0.1:" + controller + ", the metadata quorum's port): "
                + "stop what listens there, or " + quorumKeys);
        answers.put(controller + 1, "(listeners: CONTROLLER://127.0.0.1:" + controller + ", whose next port serves the "
                + "controller service): stop what listens there, or " + quorumKeys);
        answers.put(admin, "(admin.listener: 127.0.0.1:" + admin + "): stop what listens there, or choose another port "
                + "in admin.listener");
        answers.put(http, "(http.listener: 127.0.0.1:" + http + "): stop what listens there, or choose another port "
                + "in http.listener");
        for (Map.Entry<Integer, String> answer : answers.entrySet()) {
            try (ServerSocket taken = new ServerSocket(answer.getKey(), 50, InetAddress.getLoopbackAddress())) {
                assertEquals(List.of("Cannot start: port " + answer.getKey() + " is in use " + answer.getValue()),
                        refused(config, "port-" + answer.getKey()));
            }
        }
        Node free = node(config, "free");
        free.start(); // every refusal let go of the directories and the ports it checked
        free.stop();
    }
}
