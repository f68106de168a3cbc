package io.skein.broker.replica;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.PartitionLog;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
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
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Three nodes replicating with Kafka's ISR protocol, driven by real clients. */
@Timeout(180)
class ReplicationTest {
    @TempDir
    static Path dir;
    static TestCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of("broker.heartbeat.interval.ms", "500",
                "broker.session.timeout.ms", "3000", "replica.lag.time.max.ms", "3000",
                "leader.imbalance.check.interval.seconds", "1", "log.retention.check.interval.ms", "300"));
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    private static List<String> produce(String topic, String prefix, int count) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        List<String> values = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String value = prefix + "-" + i;
                values.add(value);
                sent.add(producer.send(new ProducerRecord<>(topic, 0, null, value)));
            }
            for (Future<RecordMetadata> ack : sent) {
                ack.get(); // acks=all (the default): on every ISR member
            }
        }
        return values;
    }

    private static List<String> consumeAll(String topic, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        TopicPartition tp = new TopicPartition(topic, 0);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                return values.size() >= expected;
            });
        }
        return values;
    }

    /** The error of a Fetch from the partition's leader made in the name of broker {@code replicaId}. */
    private static short fetchAsReplica(int replicaId, String topic) throws Exception {
        int leader = cluster.describe(topic).partitions().get(0).leader().id();
        try (RawKafkaClient client = new RawKafkaClient(cluster.node(leader).bootstrap())) {
            FetchRequestData request = new FetchRequestData().setReplicaId(replicaId).setMaxWaitMs(0).setMinBytes(1)
                    .setMaxBytes(1 << 20).setSessionEpoch(-1);
            request.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                            .setPartitionMaxBytes(1 << 20))));
            FetchResponseData response = client.call(request, (short) 12);
            return response.responses().get(0).partitions().get(0).errorCode();
        }
    }

    @Test
    void acknowledgedWritesReachEveryReplicaSurviveTheLeaderStoppingAndItLeadsAgainOnReturn() throws Exception {
        String topic = "replicated";
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                    .all().get();
        }
        List<String> expected = new ArrayList<>(produce(topic, "first", 2000));
        // Every replica holds every acknowledged record, and each knows it is committed.
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodes().stream().allMatch(node ->
                node.replica(tp).map(log -> log.logEndOffset() == 2000 && log.highWatermark() == 2000).orElse(false)));
        // In the ISR once caught up: a follower a busy machine slowed past replica.lag.time.max.ms comes back.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(List.of(1, 2, 3),
                cluster.describe(topic).partitions().get(0).isr().stream().map(n -> n.id()).sorted().toList()));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), fetchAsReplica(99, topic),
                "a fetch claiming to be a replica it is not reads nothing past the high watermark");

        int leader = cluster.describe(topic).partitions().get(0).leader().id();
        cluster.node(leader).close();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            var partition = cluster.describe(topic).partitions().get(0);
            return partition.leader() != null && partition.leader().id() != leader;
        });
        expected.addAll(produce(topic, "second", 1000));
        assertEquals(expected, consumeAll(topic, expected.size()), "every acknowledged record, once, in order");

        cluster.node(leader).start();
        // The returning replica catches up from the new leader and rejoins the ISR.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                cluster.describe(topic).partitions().get(0).isr().size() == 3);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(leader).replica(tp)
                .map(PartitionLog::logEndOffset).orElse(-1L) == 3000L);
        // auto.leader.rebalance.enable: back in the ISR, the preferred replica leads again.
        assertEquals(leader, cluster.describe(topic).partitions().get(0).replicas().get(0).id(), "placed as the preferred one");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                cluster.describe(topic).partitions().get(0).leader().id() == leader);
        expected.addAll(produce(topic, "third", 100));
        assertEquals(expected, consumeAll(topic, expected.size()), "every acknowledged record, once, in order");
    }

    @Test
    void aFollowerBehindTheLeadersLogStartStartsOverThere() throws Exception {
        String topic = "retained";
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", "2",
                    "segment.bytes", "32768", "retention.bytes", "65536")))).all().get();
        }
        produce(topic, "kept-by-all", 20);
        int leader = cluster.describe(topic).partitions().get(0).leader().id();
        int follower = cluster.describe(topic).partitions().get(0).replicas().stream().mapToInt(n -> n.id())
                .filter(id -> id != leader).findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(follower).replica(tp)
                .map(PartitionLog::logEndOffset).orElse(-1L) == 20L);
        cluster.node(follower).close();

        // While it is away, retention deletes everything it would fetch next from the leader's log.
        produce(topic, "while-away", 20_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(leader).replica(tp)
                .map(PartitionLog::logStartOffset).orElse(0L) > 20);

        cluster.node(follower).start();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                cluster.describe(topic).partitions().get(0).isr().size() == 3);
        PartitionLog followerLog = cluster.node(follower).replica(tp).orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> followerLog.logEndOffset() == 20_020L);
        assertTrue(followerLog.logStartOffset() > 20, "it starts over at the leader's log start, not at 20");
    }
}
