package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka Streams word count ({@code at_least_once}) against a real three-node cluster: its
 * repartition and changelog topics are created with the configs Streams sets on them
 * ({@code message.timestamp.type} among them), and the counts it writes must be exact.
 */
@Timeout(300)
class KafkaStreamsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void wordCountCountsEveryWordExactly() throws Exception {
        try (TestCluster cluster = TestCluster.start(dir.resolve("cluster"), 3, Map.of())) {
            try (Admin admin = cluster.admin()) {
                admin.createTopics(List.of(new NewTopic("lines", 3, (short) 3), new NewTopic("counts", 3, (short) 3)))
                        .all().get();
            }
            List<String> lines = List.of("the quick brown fox", "jumps over the lazy dog", "The dog barks",
                    "a fox and a dog", "quick quick slow");
            Map<String, Long> expected = new TreeMap<>();
            for (int round = 0; round < 20; round++) {
                for (String line : lines) {
                    Arrays.stream(line.toLowerCase(Locale.ROOT).split(" ")).forEach(w -> expected.merge(w, 1L, Long::sum));
                }
            }
            produceLines(cluster.bootstrap(), lines, 20);

            StreamsBuilder builder = new StreamsBuilder();
            builder.stream("lines", Consumed.with(Serdes.String(), Serdes.String()))
                    .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split(" ")))
                    .groupBy((key, word) -> word, Grouped.with("words", Serdes.String(), Serdes.String()))
                    .count()
                    .toStream()
                    .to("counts", Produced.with(Serdes.String(), Serdes.Long()));
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "word-count");
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
            props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3);
            props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("streams-state").toString());
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
            props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0); // every update reaches "counts"
            props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
            try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
                streams.start();
                Map<String, Long> counted = latestCounts(cluster.bootstrap(), expected);
                assertEquals(expected, counted);
                assertTrue(streams.state().isRunningOrRebalancing(), "Streams stopped: " + streams.state());
            }
            try (Admin admin = cluster.admin()) {
                ConfigResource repartition = new ConfigResource(ConfigResource.Type.TOPIC, "word-count-words-repartition");
                assertEquals("CreateTime", admin.describeConfigs(List.of(repartition)).all().get().get(repartition)
                        .get("message.timestamp.type").value(), "the repartition topic as Streams created it");
            }
        }
    }

    private static void produceLines(String bootstrap, List<String> lines, int rounds) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < lines.size(); i++) {
                    producer.send(new ProducerRecord<>("lines", Integer.toString(round * lines.size() + i), lines.get(i)))
                            .get();
                }
            }
        }
    }

    /**
     * Reads "counts" until each word's latest count is the expected one, or the deadline passes; with
     * at-least-once a count may appear twice on the way, but the last one per word must be exact.
     */
    private static Map<String, Long> latestCounts(String bootstrap, Map<String, Long> expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "word-count-check");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class.getName());
        Map<String, Long> latest = new TreeMap<>();
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of("counts"));
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (!latest.equals(expected) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Long> record : consumer.poll(Duration.ofMillis(500))) {
                    latest.put(record.key(), record.value());
                }
            }
        }
        return latest;
    }
}
