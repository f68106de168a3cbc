package io.skein.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.cli.CliRun;
import io.skein.testing.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/local-cluster} as people use it, three real node processes on this test's classes
 * ({@code SKEIN_CLASSPATH}, so nothing is built): {@code up} says where each node serves, {@code restart}
 * returns once the node serves again or fails with the node's own reason, {@code status} shows every node.
 */
@Timeout(2400)
class LocalClusterTest {
    private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().resolve("scripts/local-cluster");
    /** Node N's ports are BASE+10N..BASE+10N+6, so nodes 1-3 take 27 ports from BASE+10. */
    private static final int PORTS = 27;
    private static final String SERVES = "serves Kafka clients";

    @TempDir
    Path dir;

    private final int base = FreePorts.range(PORTS) - 10;
    private Path cluster;

    private record Run(int exitCode, String out, String err) {
    }

    private Run localCluster(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("SKEIN_CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().put("SKEIN_HEAP_OPTS", "-Xms64m -Xmx384m");
        builder.environment().put("SKEIN_BASE_PORT", Integer.toString(base));
        // Generous: three JVMs with a Ratis quorum on a busy 2-core machine. The script's deadline comes first.
        builder.environment().put("SKEIN_START_TIMEOUT", "600");
        Process process = builder.start();
        if (!process.waitFor(1200, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("local-cluster " + String.join(" ", args) + " did not finish: "
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @AfterEach
    void down() throws Exception {
        if (cluster != null) {
            localCluster("down", cluster.toString());
        }
    }

    private String address(int node, int offset) {
        return "127.0.0.1:" + (base + 10 * node + offset);
    }

    private static long count(Path log, String text) throws Exception {
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(line -> line.contains(text)).count();
    }

    /** The pid {@code up} or {@code restart} printed for {@code node}, checking the rest of its line. */
    private long printedPid(Run run, int node) {
        Matcher line = Pattern.compile("(?m)^node " + node + ": pid (\\d+), Kafka " + Pattern.quote(address(node, 0))
                + ", admin " + Pattern.quote(address(node, 3)) + ", console " + Pattern.quote("http://" + address(node, 6))
                + "/$").matcher(run.out());
        assertTrue(line.find(), run.out());
        return Long.parseLong(line.group(1));
    }

    private void assertStatus(Run status, String... alive) {
        for (int node = 1; node <= 3; node++) {
            String row = "(?m)^" + node + " +(\\d+|-) +" + alive[node - 1] + " +broker,controller +" + Pattern.quote(address(node, 0))
                    + " +" + Pattern.quote(address(node, 4)) + " +" + Pattern.quote(address(node, 3)) + " +"
                    + Pattern.quote("http://" + address(node, 6) + "/") + "$";
            assertTrue(Pattern.compile(row).matcher(status.out()).find(), "node " + node + " " + alive[node - 1] + ":\n"
                    + status.out());
        }
    }

    @Test
    void upSaysWhereNodesServeRestartReturnsOnceTheNodeServesAndStatusShowsEveryNode() throws Exception {
        cluster = dir.resolve("cluster");
        String bootstrap = IntStream.rangeClosed(1, 3).mapToObj(node -> address(node, 0)).collect(Collectors.joining(","));
        Run up = localCluster("up", cluster.toString());
        assertEquals(0, up.exitCode(), up.err());
        assertEquals(bootstrap, up.out().lines().reduce((first, second) -> second).orElseThrow(), "the last line");
        IntStream.rangeClosed(1, 3).forEach(node -> printedPid(up, node));
        // The addresses printed are where the nodes serve.
        assertEquals(0, CliRun.atAdmin(address(1, 3), "quorum", "describe").exitCode());
        HttpResponse<String> console = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build()
                .send(HttpRequest.newBuilder(URI.create("http://" + address(2, 6) + "/")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, console.statusCode());

        Run status = localCluster("status", cluster.toString());
        assertEquals(0, status.exitCode(), status.err());
        assertStatus(status, "yes", "yes", "yes");

        // restart returns once node 2 serves again: by then its second start has said so.
        Path log = cluster.resolve("node-2.log");
        assertEquals(1, count(log, SERVES));
        Run restarted = localCluster("restart", cluster.toString(), "2");
        assertEquals(0, restarted.exitCode(), restarted.err());
        assertEquals(2, count(log, SERVES), "restart returned before the node served");
        assertNotEquals(printedPid(up, 2), printedPid(restarted, 2));
        assertEquals(0, CliRun.atAdmin(address(2, 3), "topics", "list").exitCode());

        // A node that cannot start: restart fails with the node's own one-line reason.
        Path config = cluster.resolve("node-2.properties");
        String settings = Files.readString(config, StandardCharsets.UTF_8);
        Files.writeString(config, "log.retention.hour=1\n", StandardOpenOption.APPEND);
        Run broken = localCluster("restart", cluster.toString(), "2");
        assertEquals(1, broken.exitCode(), broken.out());
        assertTrue(broken.err().startsWith("node 2 exited: Invalid configuration: " + config + ": Unknown configuration "
                + "key 'log.retention.hour'") && broken.err().endsWith("; see " + log + "\n"), broken.err());
        Run oneDown = localCluster("status", cluster.toString());
        assertEquals(1, oneDown.exitCode(), oneDown.out());
        assertStatus(oneDown, "yes", "no", "yes");

        Files.writeString(config, settings, StandardCharsets.UTF_8);
        assertEquals(0, localCluster("restart", cluster.toString(), "2").exitCode());
        assertEquals(0, localCluster("down", cluster.toString()).exitCode());
        Run stopped = localCluster("status", cluster.toString());
        assertEquals(1, stopped.exitCode(), stopped.out());
        assertStatus(stopped, "no", "no", "no");
    }
}
