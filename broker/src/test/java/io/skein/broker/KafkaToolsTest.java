package io.skein.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.testing.ChildJvm;
import io.skein.testing.KafkaTools;
import io.skein.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Kafka's own command-line tools against a real node, each run as a Kafka distribution's scripts run it ({@link KafkaTools}). */
@Timeout(300)
class KafkaToolsTest {
    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir);
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static ChildJvm.Result tool(Path stdin, String mainClass, String... args) throws Exception {
        return KafkaTools.run(node.bootstrap(), stdin, mainClass, args);
    }

    private static ChildJvm.Result topics(String... args) throws Exception {
        return tool(null, "org.apache.kafka.tools.TopicCommand", args);
    }

    /** Creates {@code topic} with kafka-topics and writes {@code count} lines to it with the console producer. */
    private static List<String> createAndProduce(String topic, int partitions, String prefix, int count)
            throws Exception {
        succeeded(topics("--create", "--topic", topic, "--partitions", Integer.toString(partitions),
                "--replication-factor", "1"));
        List<String> lines = IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
        Path input = dir.resolve(topic + ".txt");
        Files.write(input, lines);
        succeeded(tool(input, "org.apache.kafka.tools.ConsoleProducer", "--topic", topic));
        return lines;
    }

    private static String succeeded(ChildJvm.Result result) {
        return KafkaTools.succeeded(result);
    }

    @Test
    void kafkaTopicsCreatesListsDescribesAltersAndDeletes() throws Exception {
        assertTrue(succeeded(topics("--create", "--topic", "t01", "--partitions", "3", "--replication-factor", "1"))
                .contains("Created topic t01."));
        assertTrue(ChildJvm.printed(succeeded(topics("--list"))).contains("t01"));

        String described = succeeded(topics("--describe", "--topic", "t01"));
        assertTrue(described.contains("PartitionCount: 3"), described);
        for (int p = 0; p < 3; p++) {
            assertTrue(described.contains("Partition: " + p + "\tLeader: 1\tReplicas: 1\tIsr: 1"), described);
        }

        succeeded(topics("--alter", "--topic", "t01", "--partitions", "4"));
        assertTrue(succeeded(topics("--describe", "--topic", "t01")).contains("PartitionCount: 4"));

        ChildJvm.Result fewer = topics("--alter", "--topic", "t01", "--partitions", "2");
        assertNotEquals(0, fewer.exitCode(), fewer.output());
        assertTrue(fewer.output().contains("The number of partitions for a topic can only be increased. Topic t01 "
                + "currently has 4 partitions, 2 would not be an increase."), fewer.output());

        ChildJvm.Result twice = topics("--create", "--topic", "t01", "--partitions", "1");
        assertNotEquals(0, twice.exitCode(), twice.output());
        assertTrue(twice.output().contains("Topic 't01' already exists."), twice.output());

        succeeded(topics("--delete", "--topic", "t01"));
        assertTrue(!ChildJvm.printed(succeeded(topics("--list"))).contains("t01"));
    }

    @Test
    void consoleProducerToConsoleConsumer() throws Exception {
        List<String> lines = createAndProduce("console", 1, "line ", 50);

        String consumed = succeeded(tool(null, "org.apache.kafka.tools.consumer.ConsoleConsumer", "--topic", "console",
                "--partition", "0", "--from-beginning", "--max-messages", "50", "--timeout-ms", "30000"));
        assertEquals(lines, ChildJvm.printed(consumed).stream().filter(line -> line.startsWith("line ")).toList(),
                consumed);
        assertTrue(consumed.contains("Processed a total of 50 messages"), consumed);
    }

    @Test
    void kafkaGetOffsetsPrintsEachPartitionsLatestAndEarliestOffsets() throws Exception {
        createAndProduce("counted", 1, "line ", 12);
        assertEquals(List.of("counted:0:12"), ChildJvm.printed(succeeded(tool(null,
                "org.apache.kafka.tools.GetOffsetShell", "--topic", "counted"))));
        assertEquals(List.of("counted:0:0"), ChildJvm.printed(succeeded(tool(null,
                "org.apache.kafka.tools.GetOffsetShell", "--topic", "counted", "--time", "earliest"))));
    }

    @Test
    void kafkaLogDirsDescribesEachReplicasSizeInItsLogDir() throws Exception {
        createAndProduce("sized", 2, "a line of some length ", 40);
        String printed = succeeded(tool(null, "org.apache.kafka.tools.LogDirsCommand", "--describe",
                "--broker-list", "1", "--topic-list", "sized"));
        JsonNode brokers = new ObjectMapper().readTree(printed.substring(printed.indexOf('{'))).get("brokers");
        assertEquals(1, brokers.size());
        JsonNode logDir = brokers.get(0).get("logDirs").get(0);
        assertEquals(node.config().logDirs().get(0).toAbsolutePath().normalize().toString(), logDir.get("logDir").asText());
        assertEquals("null", logDir.get("error").asText());
        long sizes = 0;
        for (JsonNode partition : logDir.get("partitions")) {
            TopicPartition tp = new TopicPartition("sized", Integer.parseInt(partition.get("partition").asText()
                    .substring("sized-".length())));
            assertEquals(node.replica(tp).orElseThrow().size(), partition.get("size").asLong(), tp.toString());
            assertEquals(0, partition.get("offsetLag").asLong());
            sizes += partition.get("size").asLong();
        }
        assertEquals(2, logDir.get("partitions").size(), "only the topic asked for");
        assertTrue(sizes > 40 * "a line of some length ".length(), "the records' bytes: " + sizes);
    }

    @Test
    void kafkaDeleteRecordsDeletesBelowTheOffsetsOfItsJsonFile() throws Exception {
        createAndProduce("trimmed", 1, "line ", 20);
        Path offsets = dir.resolve("delete-records.json");
        Files.writeString(offsets, "{\"partitions\": [{\"topic\": \"trimmed\", \"partition\": 0, \"offset\": 5}],"
                + " \"version\": 1}");

        String deleted = succeeded(tool(null, "org.apache.kafka.tools.DeleteRecordsCommand", "--offset-json-file",
                offsets.toString()));
        assertTrue(deleted.contains("Records delete operation completed:"), deleted);
        assertTrue(deleted.contains("partition: trimmed-0\tlow_watermark: 5"), deleted);

        String consumed = succeeded(consoleConsumer("--topic", "trimmed", "--partition", "0", "--from-beginning",
                "--max-messages", "15", "--timeout-ms", "30000"));
        assertEquals(IntStream.range(5, 20).mapToObj(i -> "line " + i).toList(),
                ChildJvm.printed(consumed).stream().filter(line -> line.startsWith("line ")).toList(), consumed);
    }

    private static ChildJvm.Result consumerGroups(String... args) throws Exception {
        return tool(null, "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", args);
    }

    private static ChildJvm.Result consoleConsumer(String... args) throws Exception {
        return tool(null, "org.apache.kafka.tools.consumer.ConsoleConsumer", args);
    }

    /** The rows of a kafka-consumer-groups table for {@code topic}, split into columns. */
    private static List<List<String>> rows(String output, String group, String topic) {
        return output.lines().map(String::trim).map(line -> List.of(line.split("\\s+")))
                .filter(cols -> cols.size() >= 3 && cols.get(0).equals(group) && cols.get(1).equals(topic)).toList();
    }

    @Test
    void consoleConsumerInGroupsAndKafkaConsumerGroups() throws Exception {
        createAndProduce("grouped", 2, "record ", 20);

        // Without --group the console consumer joins a group of its own; with it, it commits what it read.
        String anonymous = succeeded(consoleConsumer("--topic", "grouped", "--from-beginning", "--max-messages", "20",
                "--timeout-ms", "30000"));
        assertEquals(20, ChildJvm.printed(anonymous).stream().filter(l -> l.startsWith("record ")).count(), anonymous);
        String grouped = succeeded(consoleConsumer("--topic", "grouped", "--group", "tools-group", "--from-beginning",
                "--max-messages", "20", "--timeout-ms", "30000"));
        assertEquals(20, ChildJvm.printed(grouped).stream().filter(l -> l.startsWith("record ")).count(), grouped);

        List<String> listed = ChildJvm.printed(succeeded(consumerGroups("--list")));
        assertTrue(listed.contains("tools-group"), listed.toString());
        assertTrue(listed.stream().anyMatch(g -> g.startsWith("console-consumer-")), listed.toString());

        String described = succeeded(consumerGroups("--describe", "--group", "tools-group"));
        assertTrue(described.contains("Consumer group 'tools-group' has no active members."), described);
        assertTrue(described.matches("(?s).*GROUP\\s+TOPIC\\s+PARTITION\\s+CURRENT-OFFSET\\s+LOG-END-OFFSET\\s+LAG"
                + "\\s+CONSUMER-ID\\s+HOST\\s+CLIENT-ID.*"), described);
        List<List<String>> rows = rows(described, "tools-group", "grouped");
        assertEquals(2, rows.size(), described);
        long total = 0;
        for (List<String> row : rows) {
            assertEquals(row.get(3), row.get(4), "everything read was committed: " + row);
            assertEquals("0", row.get(5), "lag: " + row);
            total += Long.parseLong(row.get(4));
        }
        assertEquals(20, total);

        String reset = succeeded(consumerGroups("--reset-offsets", "--to-earliest", "--execute", "--group",
                "tools-group", "--topic", "grouped"));
        List<List<String>> resetRows = rows(reset, "tools-group", "grouped");
        assertEquals(2, resetRows.size(), reset);
        resetRows.forEach(row -> assertEquals("0", row.get(3), reset));
        long lag = rows(succeeded(consumerGroups("--describe", "--group", "tools-group")), "tools-group", "grouped")
                .stream().mapToLong(row -> Long.parseLong(row.get(5))).sum();
        assertEquals(20, lag, "after the reset the whole topic is lag");

        assertTrue(succeeded(consumerGroups("--delete", "--group", "tools-group"))
                .contains("Deletion of requested consumer groups ('tools-group') was successful."));
        assertTrue(!ChildJvm.printed(succeeded(consumerGroups("--list"))).contains("tools-group"));
        ChildJvm.Result gone = consumerGroups("--describe", "--group", "tools-group");
        assertTrue(gone.output().contains("GroupIdNotFoundException: Group tools-group not found."), gone.output());
    }

    @Test
    void kafkaConsumerGroupsDescribesActiveMembers() throws Exception {
        succeeded(topics("--create", "--topic", "live", "--partitions", "1", "--replication-factor", "1"));
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "live-group");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "live-client");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of("live"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(100));
                return !consumer.assignment().isEmpty();
            });
            consumer.commitSync(Map.of(new TopicPartition("live", 0), new OffsetAndMetadata(0)));
            // The tool runs while this member is alive; a background thread keeps its heartbeats going.
            String described = succeeded(consumerGroups("--describe", "--group", "live-group"));
            List<List<String>> rows = rows(described, "live-group", "live");
            assertEquals(1, rows.size(), described);
            List<String> row = rows.get(0);
            assertTrue(row.get(6).startsWith("live-client-"), described);
            assertEquals("/127.0.0.1", row.get(7), described);
            assertEquals("live-client", row.get(8), described);
        }
    }
}
