package io.skein.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.cli.Skein;
import io.skein.log.LogManager;
import io.skein.testing.TestNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node as its own process, started by {@code skein server start --config}, stopped by SIGTERM (a
 * clean shutdown) and by SIGKILL (a crash): every acknowledged record is there after each restart.
 */
@Timeout(240)
class NodeProcessTest {
    private static final String TOPIC = "durable";
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private Process process;
    private Path output;

    @AfterEach
    void killLeftover() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }

    private void startProcess(Path config) throws Exception {
        output = Files.createTempFile(dir, "node", ".log");
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), Skein.class.getName(), "server", "start",
                "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            assertTrue(process.isAlive(), () -> "the node exited: " + log());
            return log().contains("serves Kafka clients");
        });
    }

    private String log() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void stop(boolean kill) throws InterruptedException {
        if (kill) {
            process.destroyForcibly(); // SIGKILL
        } else {
            process.destroy(); // SIGTERM
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the node did not exit");
    }

    @Test
    void acknowledgedRecordsSurviveSigtermAndSigkill() throws Exception {
        Map<String, String> settings = TestNode.settings(dir, Map.of());
        Path config = dir.resolve("server.properties");
        Files.writeString(config, settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n")));
        NodeConfig nodeConfig = NodeConfig.load(config);
        NodeStorage.format(nodeConfig, NodeStorage.randomClusterId(), false);
        String bootstrap = "127.0.0.1:" + nodeConfig.clientListeners().get(0).port();
        Path marker = nodeConfig.logDirs().get(0).resolve(LogManager.CLEAN_SHUTDOWN_FILE);

        startProcess(config);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
        }
        List<String> acknowledged = new ArrayList<>(produce(bootstrap, 0, 20_000));
        stop(false);
        assertTrue(Files.exists(marker), "a clean shutdown leaves its marker");
        assertTrue(log().contains("Loaded 0 logs"), log());

        startProcess(config);
        assertFalse(log().contains("was not shut down cleanly"), log());
        assertSameRecords(acknowledged, readAll(bootstrap));
        acknowledged.addAll(produce(bootstrap, 20_000, 20_000));
        stop(true);
        assertFalse(Files.exists(marker), "a killed node leaves no marker");

        startProcess(config);
        assertTrue(log().contains("was not shut down cleanly"), log());
        assertSameRecords(acknowledged, readAll(bootstrap));
        stop(false);
    }

    /** Writes {@code count} records with the default producer (acks=all) and returns those acknowledged. */
    private static List<String> produce(String bootstrap, int from, int count) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        List<String> acknowledged = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = from; i < from + count; i++) {
                sends.add(producer.send(new ProducerRecord<>(TOPIC, Integer.toString(i), "value-" + i)));
            }
            for (int i = 0; i < count; i++) {
                sends.get(i).get();
                acknowledged.add("value-" + (from + i));
            }
        }
        return acknowledged;
    }

    /** Every record of the topic, up to the end offsets it had when the read began, duplicates included. */
    private static List<String> readAll(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                    .mapToObj(p -> new TopicPartition(TOPIC, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
                return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
            });
        }
        return values;
    }

    /** The same records, each as often, in any order (partitions interleave). */
    private static void assertSameRecords(List<String> expected, List<String> actual) {
        assertEquals(expected.stream().sorted().toList(), actual.stream().sorted().toList(),
                "every acknowledged record, once each, and nothing else");
    }
}
