package io.skein.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.cli.CliRun;
import io.skein.cli.Skein;
import io.skein.testing.EveryBroker;
import io.skein.testing.Executables;
import io.skein.testing.FreePorts;
import io.skein.testing.KafkaTools;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/local-cluster up --secure}: three node processes with TLS on every listener, clients
 * and brokers logging in with SCRAM-SHA-512 over TLS, and ACLs, started and driven by the README's
 * "A secure cluster" text as written there (each of its command blocks run by bash, Kafka's tools from
 * a stand-in for a distribution's bin/), with only its directory and ports swapped for this test's;
 * then clients that are not Java against the same cluster, as its admin user: kcat (librdkafka) and
 * kafkajs produce, consume in a group and administer, and a wrong password gets neither in.
 */
@Timeout(900)
class SecureLocalClusterTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String SECTION = "## A secure cluster";
    private static final String README_DIR = "/tmp/skein-secure";
    private static final Pattern README_ADDRESS = Pattern.compile("127\\.0\\.0\\.1:(19\\d\\d\\d)");
    /** The script's default SKEIN_BASE_PORT, which the README's addresses follow. */
    private static final int README_BASE = 19_000;
    private static final Pattern PASSWORD = Pattern.compile("password=\"([^\"]*)\"");
    private static final Duration BLOCK_WITHIN = Duration.ofMinutes(12);
    private static final Duration CLIENT_WITHIN = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static List<String> blocks;
    static Path cluster;
    static Path skein;
    static int base;
    static Map<String, String> environment;
    static String bootstrap;
    static String adminPassword;
    static Admin admin;

    @BeforeAll
    static void startTheClusterAsTheReadmeSays() throws Exception {
        blocks = readmeBlocks();
        cluster = dir.resolve("skein-secure");
        // Node N's ports are base + 10N to base + 10N + 6.
        base = FreePorts.range(27) - 10;
        skein = Executables.script(dir.resolve("skein"), List.of(Path.of(System.getProperty("java.home"), "bin",
                "java").toString(), "-Xms64m", "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                Skein.class.getName()));
        Path kafkaBin = KafkaTools.distributionBin(dir.resolve("kafka").resolve("bin"));
        environment = Map.of("PATH", kafkaBin + ":" + System.getenv("PATH"), "SKEIN", skein.toString(),
                "SKEIN_BASE_PORT", Integer.toString(base));

        Executables.Result up = bash(blocks.get(0));
        List<String> printed = up.output().lines().toList();
        bootstrap = IntStream.rangeClosed(1, 3).mapToObj(id -> "127.0.0.1:" + (base + 10 * id))
                .collect(Collectors.joining(","));
        Path clientProperties = cluster.resolve("client.properties");
        assertEquals(List.of(bootstrap, clientProperties.toString()), printed.subList(printed.size() - 2,
                printed.size()), "the bootstrap list, then the client properties");
        Map<String, Object> settings = new HashMap<>(properties(Files.readString(clientProperties)));
        Matcher password = PASSWORD.matcher((String) settings.get("sasl.jaas.config"));
        assertTrue(password.find(), settings.toString());
        adminPassword = password.group(1);
        settings.put("bootstrap.servers", bootstrap);
        admin = Admin.create(settings);
    }

    @AfterAll
    static void stopTheClusterAsTheReadmeSays() throws Exception {
        if (admin != null) {
            admin.close();
        }
        try {
            if (blocks != null) {
                bash(blocks.get(blocks.size() - 1)); // status exits 1 unless every node still runs, then down
            }
        } finally {
            if (cluster != null) { // whatever the README's block did, no node outlives the test
                run(List.of(ROOT.resolve("scripts").resolve("local-cluster").toString(), "down", cluster.toString()));
            }
        }
    }

    @Test
    void theReadmesWalkthroughWorksAsWritten() throws Exception {
        // As admin: a topic, two records in with Kafka's console producer and out with its console consumer.
        Executables.Result asAdmin = bash(blocks.get(1));
        assertEquals(List.of("first order", "second order"), lines(asAdmin, "first order", "second order"));
        assertEquals(2, endOffsets("orders"));

        // alice, a SCRAM user made with kafka-configs, may read orders in group billing (kafka-acls).
        bash(blocks.get(2));
        assertTrue(admin.describeUserScramCredentials().users().get().contains("alice"));
        AclBindingFilter alices = new AclBindingFilter(ResourcePatternFilter.ANY, new AccessControlEntryFilter(
                "User:alice", null, AclOperation.ANY, AclPermissionType.ANY));
        assertEquals(Set.of("TOPIC:orders:READ", "GROUP:billing:READ"), admin.describeAcls(alices).values().get()
                .stream().map(SecureLocalClusterTest::acl).collect(Collectors.toSet()));
        // alice's clients may reach any broker: each must have applied her user and ACLs first. Each broker's
        // admin API answers from its own metadata.
        String adminApiLogin = cluster.resolve("admin-api.properties").toString();
        for (int id = 1; id <= 3; id++) {
            String adminApi = "127.0.0.1:" + (base + 10 * id + 3);
            await("broker " + id + " has alice and her ACLs").atMost(EveryBroker.WITHIN).until(() ->
                    CliRun.skein("users", "list", "alice", "--admin", adminApi, "--command-config", adminApiLogin)
                            .exitCode() == 0
                    && CliRun.skein("acls", "list", "--principal", "User:alice", "--admin", adminApi,
                            "--command-config", adminApiLogin).out().contains("billing"));
        }

        // alice logs in with her properties, reads in her group, and is refused a write.
        Executables.Result asAlice = bash(blocks.get(3));
        assertEquals(List.of("first order", "second order"), lines(asAlice, "first order", "second order"));
        assertTrue(asAlice.output().contains("ClusterAuthorizationException"), asAlice.output());
        assertEquals(2, endOffsets("orders"), "nothing of alice's was written");
        assertEquals(2, committed("billing"), "alice's group committed what she read");

        // skein's admin commands, over mutual TLS with the admin certificate.
        Executables.Result adminApi = bash(blocks.get(4));
        assertTrue(adminApi.output().contains("User:alice"), adminApi.output());
        for (String user : List.of("admin", "alice", "broker")) {
            assertTrue(adminApi.output().lines().anyMatch(line -> line.startsWith(user + " ")), adminApi.output());
        }
    }

    @Test
    void kcatProducesConsumesInAGroupAndListsTheClusterOverSaslSsl() throws Exception {
        Path kcat = NonJavaClients.kcat();
        admin.createTopics(List.of(new NewTopic("kcat-orders", 3, (short) 3))).all().get();
        List<String> asAdmin = kcat(kcat, adminPassword);

        // The broker kcat asks may apply the new topic a moment after the one that created it.
        JsonNode[] seen = new JsonNode[1];
        await("kcat sees kcat-orders' three partitions").atMost(EveryBroker.WITHIN).until(() -> {
            seen[0] = lastJson(client(asAdmin, "", "-L", "-J", "-t", "kcat-orders")); // after any of librdkafka's logs
            return seen[0].path("topics").path(0).path("partitions").size() == 3;
        });
        JsonNode metadata = seen[0];
        List<Integer> brokers = new ArrayList<>();
        metadata.path("brokers").forEach(broker -> brokers.add(broker.path("id").asInt()));
        assertEquals(List.of(1, 2, 3), brokers.stream().sorted().toList(), metadata.toString());
        JsonNode topic = metadata.path("topics").get(0);
        assertEquals("kcat-orders", topic.path("topic").asText(), metadata.toString());
        assertEquals(3, topic.path("partitions").size(), metadata.toString());
        topic.path("partitions").forEach(partition -> assertEquals(3, partition.path("replicas").size(),
                partition.toString()));

        int count = 10;
        String records = IntStream.range(0, count).mapToObj(i -> "k" + i + ":v" + i + "\n").collect(Collectors.joining());
        client(asAdmin, records, "-P", "-t", "kcat-orders", "-K", ":");
        assertEquals(count, endOffsets("kcat-orders"));
        Executables.Result consumed = client(asAdmin, "", "-G", "kcat-group", "-X", "auto.offset.reset=earliest",
                "-c", Integer.toString(count), "-f", "%k=%s\\n", "kcat-orders");
        Set<String> expected = IntStream.range(0, count).mapToObj(i -> "k" + i + "=v" + i)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, consumed.output().lines().filter(expected::contains)
                .collect(Collectors.toCollection(TreeSet::new)), consumed.output());
        await("kcat's group commits what it read").atMost(EveryBroker.WITHIN)
                .until(() -> committed("kcat-group") == count);

        Executables.Result refused = run(concat(kcat(kcat, "not-" + adminPassword), "-L", "-t", "kcat-orders"));
        assertNotEquals(0, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("Authentication failed during authentication due to invalid "
                + "credentials with SASL mechanism SCRAM-SHA-512"), refused.output());
    }

    @Test
    void kafkajsAdministersProducesAndConsumesInAGroupOverSaslSsl() throws Exception {
        Path node = NonJavaClients.node();
        String script = NonJavaClients.NODE_PROJECT.resolve("kafkajs-client.js").toAbsolutePath().toString();
        String ca = cluster.resolve("tls").resolve("ca.crt").toString();
        int count = 10;
        JsonNode done = lastJson(run(List.of(node.toString(), script, "round-trip", bootstrap, ca, "admin",
                adminPassword, "kafkajs-orders", "kafkajs-group", Integer.toString(count))));
        assertTrue(done.path("created").asBoolean(), done.toString());
        List<String> topics = new ArrayList<>();
        done.path("topics").forEach(topic -> topics.add(topic.asText()));
        assertTrue(topics.contains("kafkajs-orders"), done.toString());
        List<String> values = new ArrayList<>();
        done.path("values").forEach(value -> values.add(value.asText()));
        assertEquals(IntStream.range(0, count).mapToObj(i -> "kafkajs-" + i).sorted().toList(), values);
        long offsets = 0;
        for (JsonNode partition : done.path("offsets").get(0).path("partitions")) {
            offsets += partition.path("offset").asLong();
        }
        assertEquals(count, offsets, "the group's offsets as kafkajs reads them back");

        TopicDescription created = admin.describeTopics(List.of("kafkajs-orders")).allTopicNames().get()
                .get("kafkajs-orders");
        assertEquals(3, created.partitions().size());
        created.partitions().forEach(partition -> assertEquals(3, partition.replicas().size(), partition.toString()));
        assertEquals(count, endOffsets("kafkajs-orders"));
        assertEquals(count, committed("kafkajs-group"));

        JsonNode refused = lastJson(run(List.of(node.toString(), script, "login", bootstrap, ca, "admin",
                "not-" + adminPassword)));
        assertEquals("KafkaJSSASLAuthenticationError", refused.path("error").asText(), refused.toString());
        assertEquals(count, endOffsets("kafkajs-orders"));
    }

    // ---------------------------------------------------------------- the README's text

    /** The section's sh blocks, in order: up, as admin, alice made, as alice, skein's admin commands, status and down. */
    private static List<String> readmeBlocks() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf(SECTION + "\n");
        assertTrue(start >= 0, "README has no " + SECTION);
        int end = readme.indexOf("\n## ", start + 1);
        Matcher block = Pattern.compile("```sh\n(.*?)```", Pattern.DOTALL)
                .matcher(readme.substring(start, end < 0 ? readme.length() : end));
        List<String> found = new ArrayList<>();
        while (block.find()) {
            found.add(block.group(1));
        }
        assertEquals(6, found.size(), "the section's sh blocks: " + found);
        return found;
    }

    /** Runs one of the README's blocks with bash, its directory, ports and scripts swapped for this test's. */
    private static Executables.Result bash(String block) throws Exception {
        Matcher address = README_ADDRESS.matcher(block.replace(README_DIR, cluster.toString())
                .replace("./scripts/skein ", skein + " ").replace("./scripts/", ROOT.resolve("scripts") + "/"));
        StringBuilder swapped = new StringBuilder();
        while (address.find()) {
            address.appendReplacement(swapped, "127.0.0.1:" + (base + Integer.parseInt(address.group(1)) - README_BASE));
        }
        address.appendTail(swapped);
        ProcessBuilder bash = new ProcessBuilder("bash", "-e", "-o", "pipefail", "-c", swapped.toString())
                .directory(dir.toFile());
        bash.environment().putAll(environment);
        Executables.Result result = Executables.run(bash, "", BLOCK_WITHIN);
        assertEquals(0, result.exitCode(), () -> swapped + "\n" + result.output() + nodeLogs());
        return result;
    }

    /** The end of each node's log, for a failure's message: the directory goes with the test. */
    private static String nodeLogs() {
        StringBuilder tails = new StringBuilder();
        for (int id = 1; id <= 3; id++) {
            Path log = cluster.resolve("node-" + id + ".log");
            try {
                List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
                tails.append("\n--- the end of ").append(log).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
            } catch (IOException e) {
                tails.append("\n").append(log).append(": ").append(e);
            }
        }
        return tails.toString();
    }

    private static List<String> lines(Executables.Result result, String... wanted) {
        return result.output().lines().filter(List.of(wanted)::contains).toList();
    }

    // ---------------------------------------------------------------- clients and the cluster

    /** kcat's command line up to its mode: this cluster, SASL_SSL, SCRAM-SHA-512 as admin with {@code password}. */
    private static List<String> kcat(Path kcat, String password) {
        return List.of(kcat.toString(), "-b", bootstrap, "-X", "security.protocol=SASL_SSL",
                "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=admin", "-X", "sasl.password=" + password,
                "-X", "ssl.ca.location=" + cluster.resolve("tls").resolve("ca.crt"));
    }

    private static Executables.Result client(List<String> command, String input, String... more) throws Exception {
        Executables.Result result = Executables.run(new ProcessBuilder(concat(command, more)), input, CLIENT_WITHIN);
        assertEquals(0, result.exitCode(), result.output());
        return result;
    }

    private static Executables.Result run(List<String> command) throws Exception {
        return Executables.run(new ProcessBuilder(command), "", CLIENT_WITHIN);
    }

    private static List<String> concat(List<String> command, String... more) {
        return Stream.concat(command.stream(), Stream.of(more)).toList();
    }

    private static JsonNode lastJson(Executables.Result result) throws IOException {
        List<String> lines = result.output().lines().filter(line -> line.startsWith("{")).toList();
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(!lines.isEmpty(), result.output());
        return JSON.readTree(lines.get(lines.size() - 1));
    }

    private static long endOffsets(String topic) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        IntStream.range(0, partitions).forEach(p -> latest.put(new TopicPartition(topic, p), OffsetSpec.latest()));
        return admin.listOffsets(latest).all().get().values().stream().mapToLong(info -> info.offset()).sum();
    }

    private static long committed(String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values().stream()
                .mapToLong(OffsetAndMetadata::offset).sum();
    }

    private static String acl(AclBinding binding) {
        return binding.pattern().resourceType() + ":" + binding.pattern().name() + ":" + binding.entry().operation();
    }

    private static Map<String, String> properties(String text) throws IOException {
        Properties properties = new Properties();
        properties.load(new StringReader(text));
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> map.put(key, properties.getProperty(key)));
        return map;
    }
}
