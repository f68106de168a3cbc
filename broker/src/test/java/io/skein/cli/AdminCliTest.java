package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.testing.FreePorts;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin commands of {@code skein} as a script uses them, against a real node: arguments in,
 * tables and JSON out, and exit codes 0 (done), 1 (failed) and 2 (bad usage).
 */
@Timeout(120)
class AdminCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestNode node;
    static String admin;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of("group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "2"));
        admin = node.adminAddress();
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static CliRun skein(String... args) {
        return CliRun.skein(withAdmin(args));
    }

    private static String[] withAdmin(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--admin=" + admin);
        return all.toArray(String[]::new);
    }

    private static JsonNode json(CliRun run) throws IOException {
        assertEquals(0, run.exitCode(), run.err() + run.out());
        return JSON.readTree(run.out());
    }

    @Test
    void topicsAreCreatedListedDescribedAlteredAndDeleted() throws Exception {
        CliRun created = skein("topics", "create", "events", "-p", "3", "-c", "retention.ms=60000");
        assertEquals(0, created.exitCode(), created.err());
        assertTrue(created.out().matches("(?s)NAME +PARTITIONS +REPLICAS +ID\nevents +3 +1 +\\S+\n"), created.out());
        assertTrue(created.err().contains("waiting for leaders"), "a progress line on stderr: " + created.err());

        CliRun exists = skein("topics", "create", "events");
        assertEquals(1, exists.exitCode());
        assertTrue(exists.err().contains("Error: TOPIC_ALREADY_EXISTS: "), exists.err());
        JsonNode error = JSON.readTree(skein("topics", "create", "events", "-o", "json").out()).get("error");
        assertEquals("ALREADY_EXISTS", error.get("code").asText());
        assertEquals("TOPIC_ALREADY_EXISTS", error.get("reason").asText());
        assertEquals(1, skein("topics", "create", "bad", "-p", "-5").exitCode());
        // Zero is no count, as Kafka's controller answers it (kafka-topics refuses it before asking).
        CliRun noPartitions = skein("topics", "create", "bad", "-p", "0");
        assertEquals(1, noPartitions.exitCode(), noPartitions.out());
        assertTrue(noPartitions.err().endsWith("\nError: INVALID_PARTITIONS: Topic 'bad': the number of partitions must "
                + "be larger than 0, not 0\n"), noPartitions.err());
        CliRun noReplicas = skein("topics", "create", "bad", "-r", "0");
        assertEquals(1, noReplicas.exitCode(), noReplicas.out());
        assertTrue(noReplicas.err().endsWith("\nError: INVALID_REPLICATION_FACTOR: Topic 'bad': the replication factor "
                + "must be larger than 0, not 0\n"), noReplicas.err());
        CliRun defaults = skein("topics", "create", "defaults", "--validate-only", "-o", "json");
        JsonNode defaulted = json(defaults).get("topics").get(0);
        assertEquals(List.of(1, 1), List.of(defaulted.get("partitions").asInt(), defaulted.get("replicationFactor").asInt()),
                "without -p and -r: num.partitions and default.replication.factor");

        JsonNode listed = json(skein("topics", "list", "-o", "json"));
        assertEquals("events", listed.get("topics").get(0).get("name").asText());
        JsonNode described = json(skein("topics", "describe", "events", "-o", "json")).get("topics").get(0);
        assertEquals(3, described.get("partitions").size());
        assertEquals("60000", described.get("configs").get("retention.ms").asText());
        assertEquals(1, described.get("partitions").get(0).get("leader").asInt());
        assertTrue(skein("topics", "describe", "events").out().contains("Configs: retention.ms=60000"));

        JsonNode altered = json(skein("topics", "alter", "events", "-p", "4", "--set", "retention.ms=120000",
                "-o", "json"));
        assertEquals(4, altered.get("createPartitions").get("topic").get("partitions").asInt());
        assertEquals("120000", altered.get("alterTopicConfigs").get("configs").get("retention.ms").asText());
        CliRun shrink = skein("topics", "alter", "events", "-p", "2");
        assertEquals(1, shrink.exitCode());
        assertTrue(shrink.err().contains("INVALID_PARTITIONS"), shrink.err());
        assertEquals(2, skein("topics", "alter", "events").exitCode(), "nothing to alter is a usage error");

        assertEquals(0, skein("topics", "delete", "events").exitCode());
        CliRun gone = skein("topics", "describe", "events");
        assertEquals(1, gone.exitCode());
        assertTrue(gone.err().contains("UNKNOWN_TOPIC_OR_PARTITION"), gone.err());
    }

    @Test
    void recordsGoInWithKeysAndHeadersAndComeOutAsJson() throws Exception {
        assertEquals(0, skein("topics", "create", "greetings", "-p", "2").exitCode());
        CliRun produced = CliRun.withInput("alice:hello\nbob:hi\nalice:bye\n", "produce", "greetings",
                "--bootstrap", node.bootstrap(), "--key-separator", ":", "-H", "lang=en", "-o", "json");
        assertEquals(0, produced.exitCode(), produced.err());
        assertEquals(3, produced.out().lines().count());
        assertTrue(produced.err().contains("Produced 3 of 3 records"), produced.err());

        CliRun consumed = CliRun.skein("consume", "greetings", "--bootstrap", node.bootstrap(), "--from-beginning",
                "--group", "readers", "--max-messages", "3", "-o", "json");
        assertEquals(0, consumed.exitCode(), consumed.err());
        List<JsonNode> records = new ArrayList<>();
        for (String line : consumed.out().lines().toList()) {
            records.add(JSON.readTree(line));
        }
        assertEquals(3, records.size());
        List<String> alice = records.stream().filter(r -> r.get("key").asText().equals("alice"))
                .map(r -> r.get("value").asText()).toList();
        assertEquals(List.of("hello", "bye"), alice, "same key, same partition, in order");
        assertTrue(records.stream().allMatch(r -> r.get("headers").get("lang").asText().equals("en")));

        CliRun text = CliRun.skein("consume", "greetings", "--bootstrap", node.bootstrap(), "--from-beginning",
                "--max-messages", "3", "--print-keys");
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().lines().toList().containsAll(List.of("alice\thello", "bob\thi", "alice\tbye")),
                text.out());

        JsonNode group = json(skein("groups", "describe", "readers", "-o", "json")).get("groups").get(0);
        assertEquals("Empty", group.get("state").asText());
        long committed = 0;
        for (JsonNode offset : group.get("offsets")) {
            committed += offset.get("committedOffset").asLong();
            assertEquals(0, offset.get("lag").asLong());
        }
        assertEquals(3, committed);
        assertTrue(skein("groups", "list").out().contains("readers"));

        JsonNode reset = json(skein("groups", "reset-offsets", "readers", "--to-earliest", "-o", "json"));
        long lag = 0;
        for (JsonNode offset : reset.get("offsets")) {
            assertEquals(0, offset.get("committedOffset").asLong());
            lag += offset.get("lag").asLong();
        }
        assertEquals(3, lag);
        assertEquals(2, skein("groups", "reset-offsets", "readers").exitCode(), "a target is required");
        assertEquals(2, skein("groups", "reset-offsets", "readers", "--to-earliest", "--to-latest").exitCode());
        assertEquals(0, skein("groups", "delete", "readers").exitCode());
        CliRun unknown = skein("groups", "describe", "readers");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.err().contains("GROUP_ID_NOT_FOUND"), unknown.err());
    }

    @Test
    void messagesAreFoundByOffsetTimeAndTextAndGroupsShowLagInTime() throws Exception {
        assertEquals(0, skein("topics", "create", "shelf", "-p", "1").exitCode());
        long base = System.currentTimeMillis() - 60_000;
        String[] values = {"{\"kind\":\"click\",\"n\":0}", "two\nlines", "{\"kind\":\"view\"}", "plain"};
        try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(), Map.of())) {
            for (int i = 0; i < values.length; i++) {
                ProducerRecord<String, String> record = new ProducerRecord<>("shelf", 0, base + i * 1000L, "k" + i,
                        values[i]);
                record.headers().add("source", "cli".getBytes(StandardCharsets.UTF_8));
                producer.send(record).get();
            }
        }
        CliRun all = skein("messages", "shelf");
        assertEquals(0, all.exitCode(), all.err());
        List<String> rows = all.out().lines().toList();
        assertEquals(5, rows.size(), all.out());
        assertTrue(rows.get(0).matches("OFFSET +TIMESTAMP +KEY +HEADERS +VALUE"), rows.get(0));
        assertTrue(rows.get(2).matches("1 +" + Instant.ofEpochMilli(base + 1000) + " +k1 +source=cli +two\\\\nlines"),
                "one line per record: " + rows.get(2));
        assertTrue(all.err().contains("4 records; no more before the end (offsets 0 to 4)"), all.err());

        CliRun newest = skein("messages", "shelf", "--newest", "-n", "2");
        assertEquals(List.of("3", "2"), firstColumn(newest));
        assertTrue(newest.err().contains("the next page: --offset 2 --newest"), newest.err());
        assertEquals(List.of("2"), firstColumn(skein("messages", "shelf", "-n", "1", "--time",
                Instant.ofEpochMilli(base + 1500).toString())));
        assertEquals(List.of("1", "3"), firstColumn(skein("messages", "shelf", "--key", "^k[13]$", "--regex")));
        assertTrue(skein("messages", "shelf", "--offset", "3", "--format", "hex").out().contains(" 706c61696e\n"));
        assertTrue(skein("messages", "shelf", "--offset", "3", "--max-value-bytes", "2").out()
                .contains(" pl...[cut from 5 bytes]\n"));

        JsonNode clicks = json(skein("messages", "shelf", "--value", "\"kind\"", "--format", "json", "-o", "json"));
        assertEquals(2, clicks.get("records").size(), clicks.toString());
        JsonNode click = clicks.get("records").get(0);
        assertEquals("click", click.get("value").get("data").get("kind").asText(), "JSON values stay JSON");
        assertEquals("k0", click.get("key").get("data").asText());
        assertEquals("cli", click.get("headers").get(0).get("value").get("data").asText());
        assertEquals(base, click.get("timestampMs").asLong());
        assertEquals("END", clicks.get("ended").asText());

        CliRun badRegex = skein("messages", "shelf", "--value", "(", "--regex");
        assertEquals(1, badRegex.exitCode());
        assertTrue(badRegex.err().contains("Error: INVALID_REQUEST: "), badRegex.err());
        CliRun outOfRange = skein("messages", "shelf", "--offset", "99");
        assertEquals(1, outOfRange.exitCode());
        assertTrue(outOfRange.err().contains("Error: OFFSET_OUT_OF_RANGE: ") && outOfRange.err().contains("0 to 4"),
                outOfRange.err());
        assertTrue(skein("messages", "nothing").err().contains("UNKNOWN_TOPIC_OR_PARTITION"));
        assertEquals(2, skein("messages", "shelf", "--offset", "1", "--time", "5").exitCode());
        assertEquals(2, skein("messages", "shelf", "--time", "yesterday").exitCode());

        CliRun consumed = CliRun.skein("consume", "shelf", "--bootstrap", node.bootstrap(), "--from-beginning",
                "--group", "behind", "--max-messages", "2");
        assertEquals(0, consumed.exitCode(), consumed.err());
        long before = System.currentTimeMillis();
        JsonNode offset = json(skein("groups", "describe", "behind", "-o", "json")).get("groups").get(0)
                .get("offsets").get(0);
        long after = System.currentTimeMillis();
        assertEquals(2, offset.get("lag").asLong());
        long lagMs = offset.get("lagMs").asLong();
        long age = base + 2000; // the record at the committed offset 2
        assertTrue(lagMs >= before - age && lagMs <= after - age, lagMs + " ms");
        CliRun table = skein("groups", "describe", "behind");
        assertTrue(table.out().contains("  Lag: 2  Max lag: ") && table.out().contains(" LAG-SECONDS "), table.out());
    }

    /** The first column of a table's rows. */
    private static List<String> firstColumn(CliRun run) {
        assertEquals(0, run.exitCode(), run.err());
        return run.out().lines().skip(1).map(line -> line.split(" +")[0]).toList();
    }

    @Test
    void clusterQuorumAndLeadersReportAHealthyNode() throws Exception {
        JsonNode cluster = json(skein("cluster", "describe", "-o", "json"));
        assertEquals(1, cluster.get("activeController").asInt());
        assertEquals("UNFENCED", cluster.get("brokers").get(0).get("state").asText());

        CliRun health = skein("cluster", "health");
        assertEquals(0, health.exitCode(), health.out() + health.err());
        assertTrue(health.out().matches("(?s)CHECK +RESULT\nhealthy +true\n.*"), health.out());
        assertTrue(json(skein("cluster", "health", "-o", "json")).get("healthy").asBoolean());

        JsonNode quorum = json(skein("quorum", "describe", "-o", "json"));
        assertEquals(1, quorum.get("leaderId").asInt());
        assertEquals("LEADER", quorum.get("voters").get(0).get("role").asText());

        CliRun elect = skein("leaders", "elect", "--all");
        assertEquals(0, elect.exitCode(), elect.err());
        assertTrue(elect.out().contains("were already led by their preferred replica"), elect.out());
        CliRun unclean = skein("leaders", "elect", "--all", "--unclean");
        assertEquals(0, unclean.exitCode(), unclean.err());
        assertTrue(unclean.out().contains("partitions had a leader"), unclean.out());
        assertEquals(2, skein("leaders", "elect").exitCode(), "--all or --topic is required");
        CliRun unknown = skein("leaders", "elect", "--topic", "nothing");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.err().contains("UNKNOWN_TOPIC_OR_PARTITION"), unknown.err());
    }

    @Test
    void anUnreachableAdminApiFailsWithExitCodeOne() {
        CliRun run = CliRun.skein("topics", "list", "--admin", "127.0.0.1:" + FreePorts.one());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("Cannot reach the admin API"), run.err());
        assertEquals(2, CliRun.skein("topics", "list", "--no-such-option").exitCode());
    }

    /** A real {@code skein} process, which finds the cluster through SKEIN_ADMIN. */
    @Test
    void theAdminEnvironmentVariableChoosesTheCluster() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Skein.class.getName(), "cluster", "describe", "-o", "json");
        builder.environment().put("SKEIN_ADMIN", admin);
        // Into a file, so that the wait below bounds the run: reading a pipe to its end would wait for ever.
        Path outputFile = dir.resolve("cluster-describe.out");
        builder.redirectErrorStream(true).redirectOutput(outputFile.toFile());
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("skein cluster describe did not finish within 60 s; it printed:\n"
                    + Files.readString(outputFile, StandardCharsets.UTF_8));
        }
        String output = Files.readString(outputFile, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        assertEquals("UNFENCED", JSON.readTree(output).get("brokers").get(0).get("state").asText());
    }
}
