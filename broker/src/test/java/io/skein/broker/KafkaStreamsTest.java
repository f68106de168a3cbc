package io.skein.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.ProcessCluster;
import io.skein.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka Streams word count against a real three-node cluster: its repartition and changelog
 * topics are created with the configs Streams sets on them ({@code message.timestamp.type} among
 * them), and the counts it writes must be exact. With {@code at_least_once} the last count of each
 * word must be; with {@code exactly_once_v2}, across the crash of the broker that coordinates its
 * group, each word's counts must read, committed, exactly 1, 2, ... up to its total: no update lost
 * and none twice.
 */
@Timeout(420)
class KafkaStreamsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(180);
    private static final List<String> LINES = List.of("the quick brown fox", "jumps over the lazy dog", "The dog barks",
            "a fox and a dog", "quick quick slow");

    @TempDir
    Path dir;

    @Test
    void wordCountCountsEveryWordExactly() throws Exception {
        try (TestCluster cluster = TestCluster.start(dir.resolve("cluster"), 3, Map.of())) {
            createTopics(cluster.bootstrap());
            produceLines(cluster.bootstrap(), 0, 20);
            Map<String, Long> expected = expectedCounts(20);
            try (KafkaStreams streams = new KafkaStreams(wordCount(),
                    streamsProps("word-count", cluster.bootstrap(), StreamsConfig.AT_LEAST_ONCE))) {
                streams.start();
                Map<String, List<Long>> counted = counts(cluster.bootstrap(), "read_uncommitted", expected);
                Map<String, Long> latest = new TreeMap<>();
                counted.forEach((word, counts) -> latest.put(word, counts.get(counts.size() - 1)));
                assertEquals(expected, latest);
                assertTrue(streams.state().isRunningOrRebalancing(), "Streams stopped: " + streams.state());
            }
            try (Admin admin = cluster.admin()) {
                ConfigResource repartition = new ConfigResource(ConfigResource.Type.TOPIC, "word-count-words-repartition");
                assertEquals("CreateTime", admin.describeConfigs(List.of(repartition)).all().get().get(repartition)
                        .get("message.timestamp.type").value(), "the repartition topic as Streams created it");
            }
        }
    }

    /**
     * exactly_once_v2 with broker processes, one of which is killed (SIGKILL) once Streams has
     * committed: the one coordinating the application's group, whose offsets of open transactions,
     * and the markers that end them, a new coordinator takes over from the log.
     */
    @Test
    void exactlyOnceWordCountIsExactAcrossTheCrashOfItsGroupCoordinator() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(dir.resolve("processes"), 3,
                Map.of("broker.session.timeout.ms", "6000"),
                Map.of("broker.heartbeat.interval.ms", "500",
                        "replica.lag.time.max.ms", "2000", "group.initial.rebalance.delay.ms", "0",
                        "offsets.topic.num.partitions", "5", "transaction.state.log.num.partitions", "5"))) {
            String bootstrap = cluster.bootstrap();
            createTopics(bootstrap);
            Map<String, Long> expected = expectedCounts(40);
            produceLines(bootstrap, 0, 20);
            Properties props = streamsProps("eos-word-count", bootstrap, StreamsConfig.EXACTLY_ONCE_V2);
            try (KafkaStreams streams = new KafkaStreams(wordCount(), props);
                 Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                streams.start();
                await().atMost(DEADLINE).until(() -> !counts(bootstrap, "read_committed", Map.of()).isEmpty());
                int coordinator = admin.describeConsumerGroups(List.of("eos-word-count")).all().get()
                        .get("eos-word-count").coordinator().id();
                cluster.broker(coordinator).kill();

                produceLines(cluster.bootstrap(), 20, 40);
                Map<String, List<Long>> counted = counts(cluster.bootstrap(), "read_committed", expected);
                Map<String, List<Long>> exact = new TreeMap<>();
                expected.forEach((word, total) -> exact.put(word, LongStream.rangeClosed(1, total).boxed().toList()));
                assertEquals(exact, counted);
                assertTrue(streams.state().isRunningOrRebalancing(), "Streams stopped: " + streams.state());
            }
        }
    }

    private static void createTopics(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic("lines", 3, (short) 3), new NewTopic("counts", 3, (short) 3)))
                    .all().get();
        }
    }

    private static Topology wordCount() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("lines", Consumed.with(Serdes.String(), Serdes.String()))
                .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split(" ")))
                .groupBy((key, word) -> word, Grouped.with("words", Serdes.String(), Serdes.String()))
                .count()
                .toStream()
                .to("counts", Produced.with(Serdes.String(), Serdes.Long()));
        return builder.build();
    }

    private Properties streamsProps(String applicationId, String bootstrap, String guarantee) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3);
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("streams-state-" + applicationId).toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0); // every update reaches "counts"
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        return props;
    }

    /** Each word's total in rounds {@code 0..rounds-1} of the lines. */
    private static Map<String, Long> expectedCounts(int rounds) {
        Map<String, Long> expected = new TreeMap<>();
        for (int round = 0; round < rounds; round++) {
            for (String line : LINES) {
                Arrays.stream(line.toLowerCase(Locale.ROOT).split(" ")).forEach(w -> expected.merge(w, 1L, Long::sum));
            }
        }
        return expected;
    }

    /** Rounds {@code from..to-1} of the lines, each line acknowledged by all in-sync replicas. */
    private static void produceLines(String bootstrap, int from, int to) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int round = from; round < to; round++) {
                for (int i = 0; i < LINES.size(); i++) {
                    producer.send(new ProducerRecord<>("lines", Integer.toString(round * LINES.size() + i), LINES.get(i)))
                            .get();
                }
            }
        }
    }

    /**
     * Every count of each word in "counts", in order, read from the start at {@code isolationLevel}
     * until each word's latest count is the expected one or the deadline passes (an empty
     * {@code expected}: one pass to the current end).
     */
    private static Map<String, List<Long>> counts(String bootstrap, String isolationLevel, Map<String, Long> expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class.getName());
        Map<String, List<Long>> counts = new TreeMap<>();
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = List.of(new TopicPartition("counts", 0), new TopicPartition("counts", 1),
                    new TopicPartition("counts", 2));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (System.nanoTime() < deadline && (expected.isEmpty()
                    ? !partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp))
                    : !reached(counts, expected))) {
                for (ConsumerRecord<String, Long> record : consumer.poll(Duration.ofMillis(500))) {
                    counts.computeIfAbsent(record.key(), word -> new ArrayList<>()).add(record.value());
                }
            }
        }
        return counts;
    }

    private static boolean reached(Map<String, List<Long>> counts, Map<String, Long> expected) {
        return expected.entrySet().stream().allMatch(e -> {
            List<Long> seen = counts.get(e.getKey());
            return seen != null && seen.get(seen.size() - 1).equals(e.getValue());
        });
    }
}
