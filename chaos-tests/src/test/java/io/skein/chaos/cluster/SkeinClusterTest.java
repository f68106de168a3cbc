package io.skein.chaos.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.chaos.DockerScenarios;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The containers themselves: three nodes form a cluster (one with its clock skewed), and a killed one
 * comes back with its data.
 */
@Timeout(300)
@ExtendWith(DockerScenarios.class)
class SkeinClusterTest {
    private static final Pattern LOG_TIME = Pattern.compile("(?m)^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}) ");

    @Test
    void threeNodesServeAndAKilledNodeComesBack() throws Exception {
        // Node 2's wall clock runs ten minutes ahead, as its log's times show.
        try (SkeinCluster cluster = SkeinCluster.start(Topology.combined(3), Path.of("..", "broker", "target"), Map.of(), Map.of(2, "+600s"),
                List.of())) {
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
                producer.send(new ProducerRecord<>("smoke", "before")).get(60, TimeUnit.SECONDS);
                cluster.node(1).kill();
                producer.send(new ProducerRecord<>("smoke", "while-down")).get(120, TimeUnit.SECONDS);
                cluster.node(1).restart();
                producer.send(new ProducerRecord<>("smoke", "after")).get(60, TimeUnit.SECONDS);
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
