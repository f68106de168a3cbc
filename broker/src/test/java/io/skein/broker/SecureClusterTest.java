package io.skein.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.cli.CliRun;
import io.skein.node.NodeConfig;
import io.skein.testing.ChildJvm;
import io.skein.testing.EveryBroker;
import io.skein.testing.FreePorts;
import io.skein.testing.ProcessCluster;
import io.skein.testing.StringClients;
import io.skein.testing.TlsFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three node processes with every listener on TLS, started from the README's "TLS on every listener"
 * text as written there (its certificates command, node 1's server.properties and the others made as
 * it says, its client.properties and its commands), with only its addresses and directories swapped
 * for this machine's: Kafka clients over TLS, the admin API through {@code skein --command-config},
 * Raft and the controller service over mutual TLS while the active controller is killed, HTTPS, and
 * the refusals of clients and nodes without a trusted certificate.
 */
@Timeout(600)
class SecureClusterTest {
    private static final Path README = Path.of("..", "README.md");
    private static final String SECTION = "### TLS on every listener";
    private static final Pattern ADDRESS = Pattern.compile("10\\.0\\.0\\.(\\d+):(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Each README address ({@code 10.0.0.N:PORT}) as a free port of loopback; a controller's with the next one free. */
    private final Map<String, Integer> ports = new HashMap<>();

    @Test
    void threeNodesFromTheReadmeServeEveryListenerOverTls() throws Exception {
        List<String> blocks = readmeBlocks();
        Path certs = dir.resolve("tls");
        String certsCommand = blocks.get(0).strip();
        CliRun made = CliRun.skein(args(certsCommand.substring("./scripts/skein ".length()), certs));
        assertEquals(0, made.exitCode(), made.err());

        List<Map<String, String>> nodes = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            nodes.add(properties(nodeFile(blocks.get(1), id, certs)));
        }
        Path clientFile = dir.resolve("client.properties");
        Files.writeString(clientFile, swap(blocks.get(2), certs));
        List<String> commands = blocks.get(3).lines().toList();

        try (ProcessCluster cluster = ProcessCluster.combined(dir, nodes)) {
            String admin1 = address(1, 9093);
            // The README's commands: a topic through the admin API, records in through skein, out through Kafka's tool.
            CliRun created = CliRun.skein(args(after(commands.get(0), "./scripts/skein "), certs, clientFile));
            assertEquals(0, created.exitCode(), created.err());
            String produce = commands.get(1);
            CliRun produced = CliRun.withInput("first\nsecond\n", args(after(produce, "| ./scripts/skein "), certs,
                    clientFile));
            assertEquals(0, produced.exitCode(), produced.err());
            ChildJvm.Result consumed = ChildJvm.run(System.getProperty("skein.kafka.tools.version"), null,
                    Duration.ofSeconds(90), "org.apache.kafka.tools.consumer.ConsoleConsumer",
                    args(after(commands.get(2), "kafka-console-consumer.sh "), certs, clientFile));
            assertEquals(0, consumed.exitCode(), consumed.output());
            assertEquals(List.of("first", "second"), ChildJvm.printed(consumed.output()).stream()
                    .filter(line -> line.equals("first") || line.equals("second")).toList(), consumed.output());
            // The README's curl: metrics over HTTPS, checked against the CA; the console too.
            String[] curl = args(after(commands.get(3), "curl "), certs);
            TlsFiles ca = TlsFiles.in(certs);
            assertEquals("--cacert", curl[0]);
            assertEquals(ca.directory().caCertificate().toString(), curl[1]);
            HttpResponse<String> metrics = get(ca.clientContext(null), curl[2]);
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("kafka_server_"), metrics.body());
            assertEquals(200, get(ca.clientContext(null), "https://" + address(2, 9096) + "/ui/").statusCode());

            // A plaintext client on the admin API's TLS port fails cleanly; the node serves on.
            CliRun plaintext = CliRun.skein("topics", "list", "--admin", admin1);
            assertEquals(1, plaintext.exitCode(), plaintext.out());
            assertTrue(plaintext.err().contains("Cannot reach the admin API at " + admin1), plaintext.err());
            CliRun listed = CliRun.skein("topics", "list", "--admin", admin1, "--command-config", clientFile.toString());
            assertEquals(0, listed.exitCode(), listed.err());
            assertTrue(listed.out().contains("orders"), listed.out());

            refusesCertificatesOfAnotherCa(cluster, certs, nodes.get(0), clientFile);
            electsANewLeaderWhenTheActiveControllerIsKilled(cluster, clientFile);
        }
    }

    /**
     * Raft and the controller service refuse a certificate of another CA, and a broker with one
     * cannot register; the cluster's own certificates are let in (so the refusals are the certificate's).
     */
    private void refusesCertificatesOfAnotherCa(ProcessCluster cluster, Path certs, Map<String, String> node1,
                                                Path clientFile) throws Exception {
        TlsFiles ours = TlsFiles.in(certs);
        TlsFiles other = TlsFiles.in(dir.resolve("other-ca"));
        InetSocketAddress raft = new InetSocketAddress("127.0.0.1", ports.get("1:9094"));
        InetSocketAddress service = new InetSocketAddress("127.0.0.1", ports.get("1:9094") + 1);
        for (InetSocketAddress port : List.of(raft, service)) {
            assertTrue(speaksAfterHandshake(ours.clientContext("prober"), port), "the cluster's certificate at " + port);
            assertThrows(IOException.class, () -> speaksAfterHandshake(other.clientContext("mallory", ours), port),
                    "a certificate of another CA at " + port);
        }

        Map<String, String> intruder = new HashMap<>();
        intruder.put(NodeConfig.PROCESS_ROLES, "broker");
        intruder.put(NodeConfig.NODE_ID, "4");
        intruder.put(NodeConfig.LISTENERS, "SSL://127.0.0.1:" + FreePorts.one());
        intruder.put(NodeConfig.LISTENER_SECURITY_PROTOCOL_MAP, node1.get(NodeConfig.LISTENER_SECURITY_PROTOCOL_MAP));
        intruder.put(NodeConfig.INTER_BROKER_LISTENER_NAME, "SSL");
        intruder.put(NodeConfig.CONTROLLER_QUORUM_VOTERS, node1.get(NodeConfig.CONTROLLER_QUORUM_VOTERS));
        intruder.put(NodeConfig.ADMIN_LISTENER, "127.0.0.1:" + FreePorts.one());
        intruder.put(NodeConfig.HTTP_LISTENER, "127.0.0.1:" + FreePorts.one());
        intruder.put(NodeConfig.LOG_DIRS, dir.resolve("node-4").toString());
        // Its own Kafka listener has a certificate of the cluster's CA, which it trusts, so it could check the
        // controllers: only the certificate it presents to them is another CA's.
        ours.issue("n4");
        intruder.put("ssl.keystore.type", "PEM");
        intruder.put("ssl.keystore.location", ours.directory().pem("n4").toString());
        intruder.put("ssl.truststore.type", "PEM");
        intruder.put("ssl.truststore.location", ours.directory().caCertificate().toString());
        other.issue("n4");
        intruder.put("listener.name.controller.ssl.keystore.type", "PEM");
        intruder.put("listener.name.controller.ssl.keystore.location", other.directory().pem("n4").toString());
        ProcessCluster.Node node4 = cluster.extraBroker(dir, intruder);
        node4.launch();
        try {
            await("broker 4's registration refused").atMost(EveryBroker.WITHIN).untilAsserted(() ->
                    assertTrue(node4.log().contains("Broker 4: no active controller yet")
                            && node4.log().contains("Received fatal alert: bad_certificate"), node4.log()));
            assertFalse(node4.log().contains("Broker 4 registered"), node4.log());
            JsonNode described = json(CliRun.skein("cluster", "describe", "-o", "json", "--admin", address(1, 9093),
                    "--command-config", clientFile.toString()));
            List<Integer> brokers = new ArrayList<>();
            described.path("brokers").forEach(broker -> brokers.add(broker.path("id").asInt()));
            assertEquals(List.of(1, 2, 3), brokers.stream().sorted().toList(), described.toString());
        } finally {
            node4.kill();
        }
    }

    private void electsANewLeaderWhenTheActiveControllerIsKilled(ProcessCluster cluster, Path clientFile)
            throws Exception {
        int leader = leaderSeenBy(1, clientFile);
        assertTrue(leader >= 1 && leader <= 3, "leader " + leader);
        cluster.broker(leader).kill();
        int survivor = leader == 1 ? 2 : 1;
        await("a new active controller").atMost(EveryBroker.WITHIN).until(() -> {
            int now = leaderSeenBy(survivor, clientFile);
            return now > 0 && now != leader;
        });
        // Metadata writes go on: a topic created through a survivor, written and read over TLS.
        CliRun created = CliRun.skein("topics", "create", "after-failover", "-p", "1", "-r", "2",
                "--admin", address(survivor, 9093), "--command-config", clientFile.toString());
        assertEquals(0, created.exitCode(), created.err());
        assertNotEquals(-1, leaderSeenBy(survivor, clientFile));
        Map<String, String> client = properties(Files.readString(clientFile));
        String bootstrap = address(survivor, 9092);
        try (KafkaProducer<String, String> producer = StringClients.producer(bootstrap, with(client, "acks", "all"))) {
            producer.send(new ProducerRecord<>("after-failover", "k", "written after the failover")).get();
        }
        try (KafkaConsumer<String, String> consumer = StringClients.consumer(bootstrap,
                with(client, "group.id", "after-failover", "auto.offset.reset", "earliest"))) {
            consumer.subscribe(List.of("after-failover"));
            List<String> values = new ArrayList<>();
            await("the record written after the failover").atMost(EveryBroker.WITHIN).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                return !values.isEmpty();
            });
            assertEquals(List.of("written after the failover"), values);
        }
    }

    private int leaderSeenBy(int node, Path clientFile) throws IOException {
        CliRun run = CliRun.skein("quorum", "describe", "-o", "json", "--admin", address(node, 9093),
                "--command-config", clientFile.toString());
        return run.exitCode() == 0 ? json(run).path("leaderId").asInt(-1) : -1;
    }

    /** Whether a TLS connection to {@code port} completes and the server then says something (HTTP/2's settings). */
    private static boolean speaksAfterHandshake(SSLContext context, InetSocketAddress port) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(port.getHostString(),
                port.getPort())) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"}); // gRPC's servers take HTTP/2 only
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            // TLS 1.3 ends the client's handshake before the server has checked its certificate: the refusal
            // comes as an alert on the first read.
            InputStream in = socket.getInputStream();
            return in.read() >= 0;
        }
    }

    // ---------------------------------------------------------------- the README's text

    /** The fenced blocks of the README's TLS section, in order: certs command, server.properties, client.properties, commands. */
    private static List<String> readmeBlocks() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int start = readme.indexOf(SECTION);
        assertTrue(start >= 0, "README has no " + SECTION);
        // Up to the next heading of its level or above (a properties comment is "# ", a single #).
        int end = Stream.of("\n## ", "\n### ").mapToInt(heading -> readme.indexOf(heading, start + 1))
                .filter(at -> at >= 0).min().orElse(readme.length());
        Matcher block = Pattern.compile("```[a-z]*\n(.*?)```", Pattern.DOTALL).matcher(readme.substring(start, end));
        List<String> blocks = new ArrayList<>();
        while (block.find()) {
            blocks.add(block.group(1));
        }
        assertEquals(4, blocks.size(), "the section's blocks: " + blocks);
        return blocks;
    }

    /** Node {@code id}'s server.properties, made from node 1's as the README says. */
    private String nodeFile(String node1, int id, Path certs) {
        StringBuilder file = new StringBuilder();
        for (String line : node1.lines().toList()) {
            String own = line.startsWith(NodeConfig.CONTROLLER_QUORUM_VOTERS) ? line
                    : line.replace("10.0.0.1", "10.0.0." + id).replace("n1.pem", "n" + id + ".pem")
                    .replace(NodeConfig.NODE_ID + "=1", NodeConfig.NODE_ID + "=" + id);
            file.append(own.replace("/var/lib/skein", dir.resolve("node-" + id).toString())).append('\n');
        }
        return swap(file.toString(), certs);
    }

    /** The README's addresses and certificate directory swapped for this test's. */
    private String swap(String text, Path certs) {
        Matcher address = ADDRESS.matcher(text.replace("/etc/skein/tls", certs.toString()));
        StringBuilder swapped = new StringBuilder();
        while (address.find()) {
            address.appendReplacement(swapped, address(Integer.parseInt(address.group(1)),
                    Integer.parseInt(address.group(2))));
        }
        address.appendTail(swapped);
        return swapped.toString().replaceAll("10\\.0\\.0\\.\\d+", "127.0.0.1");
    }

    /** The test's address for the README's {@code 10.0.0.node:port}. */
    private String address(int node, int port) {
        return "127.0.0.1:" + ports.computeIfAbsent(node + ":" + port, key -> port == 9094 ? FreePorts.pair()
                : FreePorts.one());
    }

    /** A command line's arguments, with the README's addresses and paths swapped (and its client.properties). */
    private String[] args(String line, Path certs, Path clientFile) {
        return args(line.replace("client.properties", clientFile.toString()), certs);
    }

    private String[] args(String line, Path certs) {
        return swap(line, certs).strip().split("\\s+");
    }

    private static String after(String line, String prefix) {
        int at = line.indexOf(prefix);
        assertTrue(at >= 0, "\"" + line + "\" has no " + prefix);
        return line.substring(at + prefix.length());
    }

    private static Map<String, String> properties(String text) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return stringMap(properties);
    }

    private static Map<String, String> stringMap(Map<?, ?> properties) {
        Map<String, String> map = new HashMap<>();
        properties.forEach((key, value) -> map.put(key.toString(), value.toString().trim()));
        return map;
    }

    private static Map<String, String> with(Map<String, String> settings, String... more) {
        Map<String, String> all = new HashMap<>(settings);
        for (int i = 0; i < more.length; i += 2) {
            all.put(more[i], more[i + 1]);
        }
        return all;
    }

    private static JsonNode json(CliRun run) throws IOException {
        assertEquals(0, run.exitCode(), run.err());
        return JSON.readTree(run.out());
    }

    private static HttpResponse<String> get(SSLContext tls, String uri) throws IOException, InterruptedException {
        return HttpClient.newBuilder().sslContext(tls).build()
                .send(HttpRequest.newBuilder(URI.create(uri)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
