package io.skein.chaos.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.chaos.DockerScenarios;
import io.skein.chaos.liveness.ThreadDumps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The containers themselves: three nodes form a cluster (one with its clock skewed), a killed one
 * comes back with its data, and a node's JVM can be seen from outside (frozen or not, its threads).
 */
@Timeout(300)
@ExtendWith(DockerScenarios.class)
class SkeinClusterTest {
    private static final Pattern STATE_CHANGE = Pattern.compile(" (WARN|ERROR) |[Ff]enc|[Ll]eader|ISR|[Ee]lect");
    private static final Pattern LOG_TIME = Pattern.compile("(?m)^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}) ");

    @Test
    void threeNodesServeAndAKilledNodeComesBack() throws Exception {
        // Node 2's wall clock runs ten minutes ahead, as its log's times show.
        try (SkeinCluster cluster = SkeinCluster.start(Topology.combined(3), Path.of("..", "broker", "target"), Map.of(), Map.of(2, "+600s"),
                List.of(), Security.PLAINTEXT)) {
            assertTrue(Duration.between(LocalDateTime.now(ZoneOffset.UTC), lastLogTime(cluster.node(2))).toSeconds() > 500);
            assertTrue(Duration.between(LocalDateTime.now(ZoneOffset.UTC), lastLogTime(cluster.node(1))).toSeconds() < 60);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("smoke", 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
            }
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                    new StringSerializer())) {
                acknowledged(cluster, producer, "before", 60);
                cluster.node(1).kill();
                acknowledged(cluster, producer, "while-down", 120);
                cluster.node(1).restart();
                acknowledged(cluster, producer, "after", 60);
            }
            Properties consumerProps = new Properties();
            consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.node(1).bootstrap());
            TopicPartition tp = new TopicPartition("smoke", 0);
            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (values.size() < 3 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        values.add(record.value());
                    }
                }
            }
            assertEquals(List.of("before", "while-down", "after"), values);
            whatTheDiagnosticsSeeOfANode(cluster.node(3));
        }
    }

    /** A node frozen and thawed as the kernel says, and its threads dumped, as a run's liveness watch needs them. */
    private static void whatTheDiagnosticsSeeOfANode(ChaosNode node) throws Exception {
        assertTrue(node.running());
        node.pause();
        try {
            assertTrue(node.frozen());
        } finally {
            node.resume();
        }
        assertFalse(node.frozen());
        Path dir = Files.createTempDirectory("skein-dumps-");
        String dump = Files.readString(dir.resolve(new ThreadDumps(dir).dump(node, "asked by the test")));
        assertTrue(dump.startsWith("Node 3 at ") && dump.contains("asked by the test"), dump);
        // Any thread of the kernel's view (the JVM's main thread is "java" there, not "main", on JDK 17).
        Matcher thread = Pattern.compile("(?m)^  \\S.*? +nid (0x[0-9a-f]+) ").matcher(dump);
        assertTrue(thread.find(), "the kernel's view of the threads: " + dump);
        assertTrue(dump.contains("Full thread dump"), dump);
        assertTrue(dump.contains(" nid=" + thread.group(1) + " "), "the kernel's thread ids are the dump's: " + dump);
    }

    /**
     * Sends {@code value} and waits for its acknowledgement; if none comes, fails with what the live
     * nodes say of the partition and what their logs said last, and keeps their whole logs in
     * {@code target/chaos-reports/SkeinClusterTest} (a CI run shows only the failure's message).
     */
    private static void acknowledged(SkeinCluster cluster, KafkaProducer<String, String> producer, String value,
                                     int seconds) throws Exception {
        try {
            producer.send(new ProducerRecord<>("smoke", value)).get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Path reports = Files.createDirectories(Path.of("target", "chaos-reports", "SkeinClusterTest"));
            StringBuilder why = new StringBuilder("'" + value + "' not acknowledged within " + seconds + " s (" + e
                    + "); smoke-0 as the nodes see it:");
            StringBuilder logs = new StringBuilder();
            for (ChaosNode node : cluster.nodes()) {
                String nodeLogs = node.logs();
                Files.writeString(reports.resolve("node-" + node.id() + ".log"), nodeLogs);
                why.append(" node ").append(node.id()).append(": ").append(partitionSeenBy(node));
                logs.append("\n--- node ").append(node.id()).append(", last warnings and state changes:\n");
                List<String> changes = nodeLogs.lines().filter(line -> STATE_CHANGE.matcher(line).find()).toList();
                changes.subList(Math.max(0, changes.size() - 15), changes.size())
                        .forEach(line -> logs.append(line).append('\n'));
            }
            throw new AssertionError(why.append(logs).toString(), e);
        }
    }

    /** Leader and ISR of smoke-0 in the node's own metadata, or why it could not say. */
    private static String partitionSeenBy(ChaosNode node) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000", AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                "5000"))) {
            TopicPartitionInfo info = admin.describeTopics(List.of("smoke")).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get("smoke").partitions().get(0);
            return "leader " + (info.leader() == null ? "none" : info.leader().id()) + " isr "
                    + info.isr().stream().map(n -> n.id()).toList() + ";";
        } catch (Exception e) {
            return "no answer (" + e.getClass().getSimpleName() + ");";
        }
    }

    /** The time of the node's last log line that has one (its JVM's wall clock; the log is in UTC). */
    private static LocalDateTime lastLogTime(ChaosNode node) {
        Matcher matcher = LOG_TIME.matcher(node.logs());
        LocalDateTime last = null;
        while (matcher.find()) {
            last = LocalDateTime.parse(matcher.group(1), DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS"));
        }
        return last;
    }
}
