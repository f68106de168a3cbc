package io.skein.distribution;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.node.NodeConfig;
import io.skein.testing.FreePorts;
import io.skein.testing.StringClients;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tarball as a user gets it: unpacked in a directory of its own, away from the source tree, and run
 * from yet another directory with what it ships: bin/skein, lib/, config/. Every command is a real
 * process of the unpacked launcher.
 */
@Timeout(900)
class TarballIT {
    private static final String VERSION = System.getProperty("skein.version");
    private static final Duration COMMAND_WITHIN = Duration.ofSeconds(120);
    /** A node on a loaded two-core machine has taken over 90 s to serve. */
    private static final Duration SERVING_WITHIN = Duration.ofSeconds(180);
    private static final String READY = "serves Kafka clients";

    @TempDir
    static Path dir;
    /** skein-VERSION/, as unpacked. */
    static Path home;
    /** Where every command runs: neither the source tree nor the installation. */
    static Path elsewhere;

    private Process node;

    /** What a finished command printed, apart. */
    record Result(int exitCode, String out, String err) {
    }

    @BeforeAll
    static void unpack() throws Exception {
        Path tarball = Path.of(System.getProperty("skein.tarball"));
        assertTrue(Files.isRegularFile(tarball), tarball + " is missing: the package phase makes it");
        Path install = Files.createDirectories(dir.resolve("install"));
        Result untar = run(install, Map.of(), "tar", "xzf", tarball.toString());
        assertEquals(0, untar.exitCode(), untar.err());
        home = install.resolve("skein-" + VERSION);
        elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    }

    @AfterEach
    void killLeftover() throws InterruptedException {
        if (node != null && node.isAlive()) {
            node.destroyForcibly().waitFor();
        }
    }

    @Test
    void itHoldsTheLauncherTheJarsTheExampleConfigsAndTheLicense() throws Exception {
        assertTrue(Files.isExecutable(home.resolve("bin/skein")));
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            List<String> names = jars.map(jar -> jar.getFileName().toString()).toList();
            assertTrue(names.contains("skein-broker-" + VERSION + ".jar"), names.toString());
            assertTrue(names.stream().anyMatch(name -> name.startsWith("log4j-core-")), names.toString());
            assertFalse(names.stream().anyMatch(name -> name.startsWith("slf4j-simple")), names.toString());
        }
        for (String example : List.of("server", "combined-cluster", "controller", "broker")) {
            NodeConfig.load(home.resolve("config/" + example + ".properties")); // every key known and valid
        }
        assertTrue(Files.readString(home.resolve("config/log4j2.xml")).contains("RollingFile"));
        assertTrue(Files.readString(home.resolve("LICENSE")).contains("Apache License"));
        assertTrue(Files.isRegularFile(home.resolve("README.md")));
    }

    @Test
    void versionNamesTheReleaseAndTheCommitItWasBuiltFrom() throws Exception {
        // The build's own commit, as git names it in 12 characters; "unknown" for sources outside git.
        String commit;
        try {
            Result head = run(Path.of(System.getProperty("skein.source.dir")), Map.of(), "git", "rev-parse",
                    "--short=12", "HEAD");
            commit = head.exitCode() == 0 ? head.out().strip() : "unknown";
        } catch (IOException noGit) {
            commit = "unknown";
        }
        Result version = skein(Map.of(), "--version");
        assertEquals(0, version.exitCode(), version.err());
        assertEquals("skein " + VERSION + " (commit " + commit + ")", version.out().strip());
        assertEquals("", version.err());
    }

    /** A java that prints the options it was given, in place of the real one. */
    @Test
    void commandsStartWithASmallHeapAndANodeWithItsGigabyte() throws Exception {
        Path echoJava = dir.resolve("echo-java");
        Files.writeString(echoJava, "#!/bin/sh\necho \"$@\"\n");
        assertTrue(echoJava.toFile().setExecutable(true));
        String command = skein(Map.of("JAVA", echoJava.toString()), "topics", "list").out();
        assertTrue(command.startsWith("-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto "), command);
        assertTrue(command.strip().endsWith("-cp " + home.resolve("lib") + "/* io.skein.cli.Skein topics list"),
                command);
        String server = skein(Map.of("JAVA", echoJava.toString()), "server", "start", "--config", "x").out();
        assertTrue(server.startsWith("-Xms1g -Xmx1g -Dskein.log.dir=" + home.resolve("logs") + " "), server);
    }

    @Test
    void aNodeFromTheShippedConfigServesKafkaClientsAndLogsToTheConsoleOrToRollingFiles() throws Exception {
        int kafkaPort = FreePorts.one();
        int adminPort = FreePorts.one();
        int controllerPort = FreePorts.pair();
        int httpPort = FreePorts.one();
        Path config = home.resolve("config/server.properties");
        // The shipped file with free ports in place of its own: tests never take fixed ones.
        String shipped = Files.readString(config);
        String text = replace(shipped, "127.0.0.1:9092", kafkaPort, 1);
        text = replace(text, "127.0.0.1:9093", adminPort, 1);
        text = replace(text, "127.0.0.1:9094", controllerPort, 2);
        text = replace(text, "127.0.0.1:9096", httpPort, 1);
        Files.writeString(config, text);

        Result uuid = skein(Map.of(), "storage", "random-uuid");
        assertEquals(0, uuid.exitCode(), uuid.err());
        assertEquals("", uuid.err(), "a command logs nothing but warnings");
        Result format = skein(Map.of(), "storage", "format", "--cluster-id", uuid.out().strip(), "--config",
                config.toString());
        assertEquals(0, format.exitCode(), format.err());
        assertTrue(Files.isRegularFile(elsewhere.resolve("data/meta.properties")),
                "log.dirs=data is the directory the command runs in");

        String bootstrap = "127.0.0.1:" + kafkaPort;
        Path console = dir.resolve("console-1.out");
        start(Map.of(), console, true);
        String consoleLog = Files.readString(console);
        assertTrue(consoleLog.lines().anyMatch(line -> line.matches("\\d{4}-\\d\\d-\\d\\d .* INFO BrokerServer - .*"
                + READY + ".*")), consoleLog);
        assertFalse(consoleLog.contains("jetty-"), "Jetty's start-up INFO is kept out: " + consoleLog);
        produce(bootstrap, List.of("first", "second"));
        assertEquals(List.of("first", "second"), consume(bootstrap, 2));
        Result topics = skein(Map.of("SKEIN_ADMIN", "127.0.0.1:" + adminPort), "topics", "list");
        assertEquals(0, topics.exitCode(), topics.err());
        assertTrue(topics.out().contains("shipped"), topics.out());
        assertEquals("", topics.err());
        stop();
        assertTrue(read(console).contains("Node 1 has stopped"), "it logs its shutdown to the end: " + read(console));

        // The shipped log4j2.xml: the node's lines go to server.log in SKEIN_LOG_DIR, none to the console.
        Path logDir = dir.resolve("logs");
        Path quiet = dir.resolve("console-2.out");
        start(Map.of("SKEIN_JVM_OPTS", "-Dskein.log.config=" + home.resolve("config/log4j2.xml"),
                "SKEIN_LOG_DIR", logDir.toString()), quiet, false);
        await().atMost(SERVING_WITHIN).until(() -> Files.isRegularFile(logDir.resolve("server.log"))
                && Files.readString(logDir.resolve("server.log")).contains(READY));
        assertEquals(List.of("first", "second"), consume(bootstrap, 2));
        stop();
        assertTrue(read(logDir.resolve("server.log")).contains("Node 1 has stopped"));
        assertEquals("", read(quiet));
    }

    private static String replace(String text, String address, int port, int times) {
        int found = text.split(Pattern.quote(address), -1).length - 1;
        assertEquals(times, found, address + " in the shipped server.properties");
        return text.replace(address, "127.0.0.1:" + port);
    }

    /**
     * Starts {@code bin/skein server start} with the shipped config, its output in {@code console}; if
     * {@code awaitConsole}, waits until that says it serves (else it logs elsewhere: the caller waits).
     */
    private void start(Map<String, String> env, Path console, boolean awaitConsole) throws IOException {
        ProcessBuilder builder = launcher(env, "server", "start", "--config",
                home.resolve("config/server.properties").toString());
        node = builder.redirectErrorStream(true).redirectOutput(console.toFile()).start();
        if (awaitConsole) {
            await().atMost(SERVING_WITHIN).until(() -> {
                assertTrue(node.isAlive(), () -> "the node exited: " + read(console));
                return read(console).contains(READY);
            });
        }
    }

    /** SIGTERM, as Ctrl-C or a service manager stops it. */
    private void stop() throws InterruptedException {
        node.destroy();
        assertTrue(node.waitFor(90, TimeUnit.SECONDS), "the node did not stop");
    }

    private static void produce(String bootstrap, List<String> values) throws Exception {
        try (KafkaProducer<String, String> producer = StringClients.producer(bootstrap, Map.of())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>("shipped", value)).get(60, TimeUnit.SECONDS);
            }
        }
    }

    private static List<String> consume(String bootstrap, int count) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = StringClients.consumer(bootstrap,
                Map.of("group.id", "tarball-" + System.nanoTime(), "auto.offset.reset", "earliest"))) {
            consumer.subscribe(List.of("shipped"));
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
                return values.size() >= count;
            });
        }
        return values;
    }

    private static Result skein(Map<String, String> env, String... args) throws Exception {
        return finish(launcher(env, args));
    }

    /** bin/skein in {@code elsewhere}, with this JVM's java and no SKEIN_ settings but {@code env}. */
    private static ProcessBuilder launcher(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/skein").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(elsewhere.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("SKEIN_") || name.equals("JAVA"));
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.putAll(env);
        return builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }

    private static Result run(Path directory, Map<String, String> env, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
        builder.environment().putAll(env);
        return finish(builder);
    }

    /** Runs {@code builder} to its end, its output in files so that the wait bounds the run. */
    private static Result finish(ProcessBuilder builder) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(COMMAND_WITHIN.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(builder.command() + " did not finish within " + COMMAND_WITHIN + ": "
                    + read(out) + read(err));
        }
        return new Result(process.exitValue(), read(out), read(err));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
