package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.ChildJvm;
import io.skein.testing.EveryBroker;
import io.skein.testing.KafkaTools;
import io.skein.testing.TestCluster;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kafka-configs.sh} (Kafka 4.3.1's {@code ConfigCommand}) against a cluster of two nodes:
 * {@code --alter --add-config} and {@code --delete-config} of a topic, of the cluster-wide broker
 * default and of one broker, each change made through one broker and then in force on every broker's
 * logs, and {@code --describe} showing it; a read-only broker key refused by name.
 */
@Timeout(600)
class KafkaConfigsToolTest {
    private static final String TOOL = "kafka.admin.ConfigCommand";
    private static final long WEEK_MS = 7 * 24 * 3600 * 1000L;

    @TempDir
    static Path dir;
    static TestCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(dir, 2, Map.of());
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    /** Runs the tool with {@code via} as its only bootstrap server. */
    private static ChildJvm.Result configs(TestNode via, String... args) throws Exception {
        return KafkaTools.run(via.bootstrap(), null, TOOL, args);
    }

    private static void createTopic(String topic) throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 2))).all().get();
        }
    }

    /** Waits until the replica of {@code topic} on each broker has {@code retentionMs} in force: nodes 1 and 2. */
    private static void awaitRetention(String topic, long node1, long node2) {
        TopicPartition tp = new TopicPartition(topic, 0);
        EveryBroker.await("node 1 keeps " + topic + " for " + node1 + " ms", List.of(cluster.node(1)),
                node -> node.replica(tp).orElseThrow().config().retentionMs(), retention -> retention == node1);
        EveryBroker.await("node 2 keeps " + topic + " for " + node2 + " ms", List.of(cluster.node(2)),
                node -> node.replica(tp).orElseThrow().config().retentionMs(), retention -> retention == node2);
    }

    @Test
    void addAndDeleteATopicsConfigs() throws Exception {
        createTopic("tool-topic");
        KafkaTools.succeeded(configs(cluster.node(1), "--alter", "--entity-type", "topics", "--entity-name",
                "tool-topic", "--add-config", "retention.ms=3600000,cleanup.policy=[compact,delete]"));
        awaitRetention("tool-topic", 3_600_000, 3_600_000);
        String described = KafkaTools.succeeded(configs(cluster.node(2), "--describe", "--entity-type", "topics",
                "--entity-name", "tool-topic"));
        assertTrue(described.contains("retention.ms=3600000 sensitive=false "
                + "synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=3600000, DEFAULT_CONFIG:log.retention.ms=604800000}"),
                described);
        assertTrue(described.contains("cleanup.policy=compact,delete"), described);

        KafkaTools.succeeded(configs(cluster.node(2), "--alter", "--entity-type", "topics", "--entity-name",
                "tool-topic", "--delete-config", "retention.ms"));
        awaitRetention("tool-topic", WEEK_MS, WEEK_MS);
        described = KafkaTools.succeeded(configs(cluster.node(1), "--describe", "--entity-type", "topics",
                "--entity-name", "tool-topic"));
        assertTrue(!described.contains("retention.ms=") && described.contains("cleanup.policy=compact,delete"),
                described);
    }

    @Test
    void theClusterDefaultReachesEveryBrokerAndOneBrokersOwnWinsThere() throws Exception {
        createTopic("tool-brokers");
        KafkaTools.succeeded(configs(cluster.node(1), "--alter", "--entity-type", "brokers", "--entity-default",
                "--add-config", "log.retention.ms=3600000"));
        awaitRetention("tool-brokers", 3_600_000, 3_600_000);
        String defaults = KafkaTools.succeeded(configs(cluster.node(2), "--describe", "--entity-type", "brokers",
                "--entity-default"));
        assertTrue(defaults.contains("log.retention.ms=3600000 sensitive=false "
                + "synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000}"), defaults);

        KafkaTools.succeeded(configs(cluster.node(2), "--alter", "--entity-type", "brokers", "--entity-name", "1",
                "--add-config", "log.retention.ms=7200000"));
        awaitRetention("tool-brokers", 7_200_000, 3_600_000);
        String broker1 = KafkaTools.succeeded(configs(cluster.node(2), "--describe", "--entity-type", "brokers",
                "--entity-name", "1"));
        assertTrue(broker1.contains("log.retention.ms=7200000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:"
                + "log.retention.ms=7200000, DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000"), broker1);

        KafkaTools.succeeded(configs(cluster.node(1), "--alter", "--entity-type", "brokers", "--entity-name", "1",
                "--delete-config", "log.retention.ms"));
        KafkaTools.succeeded(configs(cluster.node(1), "--alter", "--entity-type", "brokers", "--entity-default",
                "--delete-config", "log.retention.ms"));
        awaitRetention("tool-brokers", WEEK_MS, WEEK_MS);
        defaults = KafkaTools.succeeded(configs(cluster.node(1), "--describe", "--entity-type", "brokers",
                "--entity-default"));
        assertTrue(!defaults.contains("log.retention.ms"), defaults);
    }

    @Test
    void aReadOnlyBrokerKeyIsRefusedByName() throws Exception {
        ChildJvm.Result refused = configs(cluster.node(1), "--alter", "--entity-type", "brokers", "--entity-default",
                "--add-config", "num.io.threads=4");
        assertNotEquals(0, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("Cannot update these configs dynamically: [num.io.threads]"),
                refused.output());
    }
}
