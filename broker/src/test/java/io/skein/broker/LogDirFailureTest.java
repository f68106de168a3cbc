package io.skein.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.node.NodeConfig;
import io.skein.testing.AcksAllWriter;
import io.skein.testing.EveryBroker;
import io.skein.testing.KafkaTools;
import io.skein.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with two log directories among three: its replicas spread over both (the one with fewer
 * partitions first, as Kafka), Kafka's {@code kafka-log-dirs.sh} describing them, and one directory
 * removed under the running node: it goes offline alone, the leaderships of its partitions move to
 * the other nodes, and the node goes on serving the partitions of the other.
 */
@Timeout(600)
class LogDirFailureTest {
    private static final String TOOL = "org.apache.kafka.tools.LogDirsCommand";
    private static final String TOPIC = "spread";
    private static final int PARTITIONS = 12;

    private static Admin admin(TestCluster cluster) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 120_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                30_000));
    }

    private static TopicDescription describe(TestCluster cluster) throws Exception {
        try (Admin admin = admin(cluster)) {
            return admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
        }
    }

    /** {@code kafka-log-dirs --describe} of broker 1: each directory's JSON, by its path. */
    private static Map<String, JsonNode> logDirs(TestCluster cluster) throws Exception {
        String output = KafkaTools.succeeded(KafkaTools.run(cluster.bootstrap(), null, TOOL, "--describe",
                "--broker-list", "1"));
        String json = output.lines().filter(line -> line.startsWith("{")).findFirst().orElseThrow(() ->
                new AssertionError("no JSON in: " + output));
        JsonNode broker = new ObjectMapper().readTree(json).get("brokers").get(0);
        assertEquals(1, broker.get("broker").asInt(), json);
        Map<String, JsonNode> dirs = new HashMap<>();
        broker.get("logDirs").forEach(dir -> dirs.put(dir.get("logDir").asText(), dir));
        return dirs;
    }

    private static Set<Integer> partitionsOf(JsonNode dir) {
        Set<Integer> partitions = new HashSet<>();
        dir.get("partitions").forEach(p -> partitions.add(Integer.parseInt(p.get("partition").asText()
                .substring(TOPIC.length() + 1))));
        return partitions;
    }

    private static void deleteRecursively(Path path) throws Exception {
        try (Stream<Path> tree = Files.walk(path)) {
            for (Path entry : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(entry);
            }
        }
    }

    /** Partition {@code p} of the topic, as {@code image} has it. */
    private static PartitionRegistration partition(MetadataImage image, int p) {
        return image.topic(TOPIC).partition(p);
    }

    @Test
    void aRemovedDirectoryGoesOfflineAloneAndItsPartitionsGetNewLeaders(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("node-1-a").toAbsolutePath();
        Path second = dir.resolve("node-1-b").toAbsolutePath();
        Map<String, String> twoDirs = Map.of(NodeConfig.LOG_DIRS, first + "," + second,
                "replica.high.watermark.checkpoint.interval.ms", "1000", "auto.leader.rebalance.enable", "false");
        try (TestCluster cluster = TestCluster.start(dir, 3, "PLAINTEXT",
                id -> id == 1 ? twoDirs : Map.of("auto.leader.rebalance.enable", "false"))) {
            try (Admin admin = admin(cluster)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3))).all().get();
            }
            cluster.awaitAll("every ISR of 3", image -> image.topic(TOPIC) != null
                    && image.topic(TOPIC).partitions().values().stream().allMatch(p -> p.isr().size() == 3));
            try (KafkaProducer<String, String> producer = AcksAllWriter.producer(cluster.bootstrap(), "all")) {
                for (int p = 0; p < PARTITIONS; p++) {
                    producer.send(new ProducerRecord<>(TOPIC, p, null, "before-" + p)).get();
                }
            }

            // Spread over both directories, the one with fewer partitions first; sizes as written, no lag.
            await().atMost(EveryBroker.WITHIN).ignoreExceptions().untilAsserted(() -> {
                Map<String, JsonNode> dirs = logDirs(cluster);
                assertEquals(Set.of(first.toString(), second.toString()), dirs.keySet());
                for (JsonNode logDir : dirs.values()) {
                    assertTrue(logDir.get("error").isNull(), logDir.toString());
                    assertEquals(PARTITIONS / 2, logDir.get("partitions").size(), logDir.toString());
                    logDir.get("partitions").forEach(p -> {
                        assertTrue(p.get("size").asLong() > 0, p.toString());
                        assertEquals(0, p.get("offsetLag").asLong(), p.toString());
                        assertFalse(p.get("isFuture").asBoolean(), p.toString());
                    });
                }
            });
            Map<String, JsonNode> before = logDirs(cluster);
            Set<Integer> inFirst = partitionsOf(before.get(first.toString()));
            Set<Integer> inSecond = partitionsOf(before.get(second.toString()));
            Map<Integer, Integer> leaders = new HashMap<>();
            describe(cluster).partitions().forEach(p -> leaders.put(p.partition(), p.leader().id()));
            assertTrue(inFirst.stream().anyMatch(p -> leaders.get(p) == 1)
                    && inSecond.stream().anyMatch(p -> leaders.get(p) == 1),
                    "broker 1 leads partitions in both directories: " + leaders + ", first " + inFirst);

            deleteRecursively(second); // as rm -rf under the running broker; its next checkpoint fails

            cluster.awaitAll("broker 1 out of the ISR of the second directory's partitions, which others lead",
                    image -> inSecond.stream().map(p -> partition(image, p)).allMatch(p -> p.hasLeader()
                            && p.leader() != 1 && !p.isr().contains(1)));
            await().atMost(EveryBroker.WITHIN).ignoreExceptions().untilAsserted(() -> {
                JsonNode failed = logDirs(cluster).get(second.toString());
                assertEquals("org.apache.kafka.common.errors.KafkaStorageException", failed.get("error").asText());
                assertEquals(0, failed.get("partitions").size());
            });
            assertEquals(inFirst, partitionsOf(logDirs(cluster).get(first.toString())));

            // Every partition takes acks=all writes: those of the first directory still on broker 1.
            try (KafkaProducer<String, String> producer = AcksAllWriter.producer(cluster.bootstrap(), "all")) {
                for (int p = 0; p < PARTITIONS; p++) {
                    producer.send(new ProducerRecord<>(TOPIC, p, null, "after-" + p)).get();
                }
            }
            for (TopicPartitionInfo partition : describe(cluster).partitions()) {
                boolean lost = inSecond.contains(partition.partition());
                assertEquals(!lost, partition.isr().stream().anyMatch(n -> n.id() == 1), partition.toString());
                if (!lost && leaders.get(partition.partition()) == 1) {
                    assertEquals(1, partition.leader().id(), "broker 1 still leads " + partition);
                }
            }
            assertTrue(cluster.node(1).isRunning(), "the broker goes on with its other directory");
        }
    }
}
