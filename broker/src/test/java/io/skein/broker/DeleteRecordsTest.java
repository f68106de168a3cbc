package io.skein.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skein.testing.RawKafkaClient;
import io.skein.testing.TestCluster;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DeleteRecordsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** DeleteRecords on three nodes with replication factor 3, from kafka-clients' Admin and raw requests. */
@Timeout(120)
class DeleteRecordsTest {
    @TempDir
    static Path dir;
    static TestCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of("broker.heartbeat.interval.ms", "500",
                "broker.session.timeout.ms", "3000", "replica.lag.time.max.ms", "3000",
                "log.retention.check.interval.ms", "200"));
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    private static void createTopic(String topic, Map<String, String> configs) throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3).configs(configs))).all().get();
        }
    }

    /** Writes {@code value-0} to {@code value-(count-1)}, one batch each, acks=all. */
    private static void produce(String topic, int count) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "key-" + i, "value-" + i)).get();
            }
        }
    }

    private static long listOffset(TopicPartition tp, OffsetSpec spec) throws Exception {
        try (Admin admin = cluster.admin()) {
            return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get().offset();
        }
    }

    private static long deleteRecords(TopicPartition tp, long beforeOffset) throws Exception {
        try (Admin admin = cluster.admin()) {
            return admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(beforeOffset))).lowWatermarks()
                    .get(tp).get().lowWatermark();
        }
    }

    /** The offsets a new consumer without a group reads from the start, resetting to the earliest offset. */
    private static List<Long> consumeFromEarliest(TopicPartition tp, Optional<Long> seekTo, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<Long> offsets = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(tp));
            seekTo.ifPresent(offset -> consumer.seek(tp, offset));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    assertEquals("value-" + record.offset(), record.value());
                    offsets.add(record.offset());
                }
                return offsets.size() >= expected;
            });
        }
        return offsets;
    }

    private static List<Long> range(long from, long to) {
        List<Long> offsets = new ArrayList<>();
        for (long offset = from; offset < to; offset++) {
            offsets.add(offset);
        }
        return offsets;
    }

    @Test
    void recordsBelowTheOffsetLeaveEveryReplicaAndStayGoneAfterTheLeaderChanges() throws Exception {
        String topic = "trimmed";
        TopicPartition tp = new TopicPartition(topic, 0);
        createTopic(topic, Map.of("min.insync.replicas", "2", "segment.bytes", "1024"));
        produce(topic, 100);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodes().stream().allMatch(node ->
                node.replica(tp).map(log -> log.highWatermark() == 100).orElse(false)));

        assertEquals(42, deleteRecords(tp, 42), "the low watermark");
        // Answered once every live replica reported the new log start offset in a fetch.
        for (TestNode node : cluster.nodes()) {
            assertEquals(42, node.replica(tp).orElseThrow().logStartOffset(), "node " + node.config().nodeId());
        }
        assertEquals(42, listOffset(tp, OffsetSpec.earliest()));
        assertEquals(100, listOffset(tp, OffsetSpec.latest()));
        // The retention pass deletes every segment wholly below the log start offset, on every replica.
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodes().stream().allMatch(node -> {
            List<Long> segments = node.replica(tp).orElseThrow().segmentBaseOffsets();
            return segments.get(0) <= 42 && (segments.size() == 1 || segments.get(1) > 42);
        }));

        assertEquals(range(42, 100), consumeFromEarliest(tp, Optional.empty(), 58), "a new consumer starts at 42");
        assertEquals(range(42, 100), consumeFromEarliest(tp, Optional.of(10L), 58),
                "a fetch below the log start is out of range, and auto.offset.reset applies");

        int leader = cluster.describe(topic).partitions().get(0).leader().id();
        cluster.node(leader).close();
        try {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                var partition = cluster.describe(topic).partitions().get(0);
                return partition.leader() != null && partition.leader().id() != leader;
            });
            int newLeader = cluster.describe(topic).partitions().get(0).leader().id();
            assertEquals(42, cluster.node(newLeader).replica(tp).orElseThrow().logStartOffset());
            assertEquals(42, listOffset(tp, OffsetSpec.earliest()), "the followers had followed");
            assertEquals(range(42, 100), consumeFromEarliest(tp, Optional.empty(), 58));
        } finally {
            cluster.node(leader).start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(leader).replica(tp).isPresent());
        assertEquals(42, cluster.node(leader).replica(tp).orElseThrow().logStartOffset(), "after its restart too");
        try (Admin admin = cluster.admin()) { // whole again for the other tests' topics
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeCluster().nodes().get().size() == 3);
        }
    }

    @Test
    void minusOneDeletesUpToTheHighWatermarkAndOffsetsAboveItAreOutOfRange() throws Exception {
        String topic = "bounded";
        TopicPartition tp = new TopicPartition(topic, 0);
        createTopic(topic, Map.of());
        produce(topic, 10);

        ExecutionException above = assertThrows(ExecutionException.class, () -> deleteRecords(tp, 11));
        assertInstanceOf(OffsetOutOfRangeException.class, above.getCause());
        assertEquals(0, listOffset(tp, OffsetSpec.earliest()), "nothing was deleted");

        assertEquals(4, deleteRecords(tp, 4));
        assertEquals(4, deleteRecords(tp, 2), "the log start offset never moves back");
        assertEquals(10, deleteRecords(tp, -1), "-1 is the high watermark");
        assertEquals(10, listOffset(tp, OffsetSpec.earliest()));
        assertEquals(10, listOffset(tp, OffsetSpec.latest()));
    }

    @Test
    void compactedTopicsRefuseIt() throws Exception {
        String topic = "compacted";
        TopicPartition tp = new TopicPartition(topic, 0);
        createTopic(topic, Map.of("cleanup.policy", "compact"));
        produce(topic, 5);

        ExecutionException refused = assertThrows(ExecutionException.class, () -> deleteRecords(tp, 3));
        assertInstanceOf(PolicyViolationException.class, refused.getCause());
        assertEquals(0, listOffset(tp, OffsetSpec.earliest()));

        createTopic("compacted-and-deleted", Map.of("cleanup.policy", "compact,delete"));
        produce("compacted-and-deleted", 5);
        assertEquals(3, deleteRecords(new TopicPartition("compacted-and-deleted", 0), 3));
    }

    @Test
    void kafkaClientsWaitForAnUnknownTopicUntilTheirTimeout() throws Exception {
        // kafka-clients 4.x look the leader up first and, as against Kafka, keep waiting for an unknown
        // topic to appear; the broker's own answer, UNKNOWN_TOPIC_OR_PARTITION, is checked below.
        TopicPartition tp = new TopicPartition("no-such-topic", 0);
        try (Admin admin = cluster.admin()) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> admin.deleteRecords(
                    Map.of(tp, RecordsToDelete.beforeOffset(1)), new DeleteRecordsOptions().timeoutMs(1_000))
                    .lowWatermarks().get(tp).get());
            assertInstanceOf(TimeoutException.class, e.getCause());
        }
    }

    /** Sends a DeleteRecords request for partition 0 of {@code topic} to node {@code nodeId}; its error. */
    private static Errors deleteRecordsAt(int nodeId, String topic, long offset, short version) throws Exception {
        DeleteRecordsRequestData request = new DeleteRecordsRequestData().setTimeoutMs(30_000).setTopics(List.of(
                new DeleteRecordsTopic().setName(topic).setPartitions(List.of(
                        new DeleteRecordsPartition().setPartitionIndex(0).setOffset(offset)))));
        try (RawKafkaClient client = new RawKafkaClient(cluster.node(nodeId).bootstrap())) {
            DeleteRecordsResponseData response = client.call(request, version);
            DeleteRecordsResponseData.DeleteRecordsPartitionResult result = response.topics().find(topic)
                    .partitions().find(0);
            if (result.errorCode() != Errors.NONE.code()) {
                assertEquals(-1, result.lowWatermark());
            }
            return Errors.forCode(result.errorCode());
        }
    }

    @Test
    void eachVersionAnswersWithKafkasErrors() throws Exception {
        String topic = "raw";
        createTopic(topic, Map.of());
        produce(topic, 10);
        int leader = cluster.describe(topic).partitions().get(0).leader().id();
        int follower = cluster.describe(topic).partitions().get(0).replicas().stream().mapToInt(n -> n.id())
                .filter(id -> id != leader).findFirst().orElseThrow();

        for (short version = ApiKeys.DELETE_RECORDS.oldestVersion(); version <= ApiKeys.DELETE_RECORDS.latestVersion();
             version++) {
            assertEquals(Errors.NONE, deleteRecordsAt(leader, topic, 1 + version, version), "v" + version);
            Errors unknown = deleteRecordsAt(leader, "no-such-topic", 1, version);
            assertInstanceOf(UnknownTopicOrPartitionException.class, unknown.exception());
            assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, deleteRecordsAt(follower, topic, 5, version));
            assertEquals(Errors.OFFSET_OUT_OF_RANGE, deleteRecordsAt(leader, topic, -2, version));
            assertEquals(Errors.OFFSET_OUT_OF_RANGE, deleteRecordsAt(leader, topic, 11, version));
        }
        assertEquals(1 + ApiKeys.DELETE_RECORDS.latestVersion(), listOffset(new TopicPartition(topic, 0),
                OffsetSpec.earliest()));
    }
}
