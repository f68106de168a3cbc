package io.skein.broker;

import static io.skein.testing.RawKafkaClient.batch;
import static io.skein.testing.RawKafkaClient.only;
import static io.skein.testing.RawKafkaClient.produce;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.RawKafkaClient;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Fetch (long polls, budgets, ranges), ListOffsets and OffsetsForLeaderEpoch. */
@Timeout(60)
class FetchAndOffsetsTest {
    private static final short FETCH_VERSION = 12;

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("waiting", 1, (short) 1), new NewTopic("big", 1, (short) 1),
                    new NewTopic("timed", 1, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static FetchRequestData fetch(String topic, long offset, int maxWaitMs, int partitionMaxBytes) {
        return fetch(topic, offset, maxWaitMs, partitionMaxBytes, -1);
    }

    /** A consumer's Fetch naming the leader epoch it believes current ({@code -1}: none). */
    private static FetchRequestData fetch(String topic, long offset, int maxWaitMs, int partitionMaxBytes,
                                          int currentLeaderEpoch) {
        FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1)
                .setMaxBytes(50 << 20);
        request.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(offset)
                        .setPartitionMaxBytes(partitionMaxBytes).setCurrentLeaderEpoch(currentLeaderEpoch))));
        return request;
    }

    private static FetchResponseData.PartitionData partition(FetchResponseData response) {
        return response.responses().get(0).partitions().get(0);
    }

    @Test
    void aLongPollIsAnsweredByTheWriteItWaitsFor() throws Exception {
        try (RawKafkaClient consumer = new RawKafkaClient(node.bootstrap());
             RawKafkaClient producer = new RawKafkaClient(node.bootstrap())) {
            // Waits longer than this test may run: only the write can answer it in time.
            CompletableFuture<FetchResponseData> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return consumer.call(fetch("waiting", 0, 120_000, 1 << 20), FETCH_VERSION);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    node.node().broker().orElseThrow().replicaManager().waitingFetches() > 0);
            assertEquals(Errors.NONE.code(), only(producer.call(produce("waiting", 0, (short) 1,
                    batch(List.of("wake up"))), (short) 12)).errorCode());
            FetchResponseData.PartitionData answered = partition(waiting.get());
            assertEquals(Errors.NONE.code(), answered.errorCode());
            assertEquals(1, answered.highWatermark());
            assertTrue(answered.records().sizeInBytes() > 0);
        }
    }

    @Test
    void aFetchReturnsAWholeBatchLargerThanItsBudgetAndRefusesOffsetsOutOfRange() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            String big = "b".repeat(50_000);
            client.call(produce("big", 0, (short) 1, batch(List.of(big))), (short) 12);
            client.call(produce("big", 0, (short) 1, batch(List.of("small"))), (short) 12);
            FetchResponseData.PartitionData first = partition(client.call(fetch("big", 0, 0, 100), FETCH_VERSION));
            assertEquals(Errors.NONE.code(), first.errorCode());
            int size = first.records().sizeInBytes();
            assertTrue(size > 50_000 && size < 50_300, "exactly the first batch, not " + size + " bytes");

            FetchResponseData.PartitionData empty = partition(client.call(fetch("big", 2, 100, 100), FETCH_VERSION));
            assertEquals(Errors.NONE.code(), empty.errorCode());
            assertEquals(0, empty.records().sizeInBytes());
            assertEquals(Errors.OFFSET_OUT_OF_RANGE.code(),
                    partition(client.call(fetch("big", 3, 0, 100), FETCH_VERSION)).errorCode());
        }
    }

    @Test
    void offsetsByPositionTimestampAndLeaderEpoch() throws Exception {
        TopicPartition tp = new TopicPartition("timed", 0);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("timed", 0, 1_000L * (i + 1), null, "t" + i)).get();
            }
            producer.send(new ProducerRecord<>("timed", 0, 500L, null, "late")).get(); // offset 10, not the largest time
        }
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap());
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps)) {
            assertEquals(0L, consumer.beginningOffsets(List.of(tp)).get(tp));
            assertEquals(11L, consumer.endOffsets(List.of(tp)).get(tp));
            OffsetAndTimestamp at = consumer.offsetsForTimes(Map.of(tp, 3_500L)).get(tp);
            assertEquals(3, at.offset());
            assertEquals(4_000, at.timestamp());
            assertEquals(null, consumer.offsetsForTimes(Map.of(tp, 20_000L)).get(tp));
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            var max = admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).partitionResult(tp).get();
            assertEquals(9, max.offset());
            assertEquals(10_000, max.timestamp());
        }
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            OffsetForLeaderEpochRequestData request = new OffsetForLeaderEpochRequestData();
            request.topics().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic("timed")
                    .setPartitions(List.of(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition()
                            .setPartition(0).setLeaderEpoch(0).setCurrentLeaderEpoch(-1))));
            OffsetForLeaderEpochResponseData response = client.call(request, (short) 4);
            var end = response.topics().iterator().next().partitions().get(0);
            assertEquals(Errors.NONE.code(), end.errorCode());
            assertEquals(0, end.leaderEpoch());
            assertEquals(11, end.endOffset(), "the current epoch ends at the log end offset");
        }
    }

    /**
     * KIP-320: a client naming an older leader epoch than the leader's is fenced (it must refresh its
     * metadata); one naming a newer epoch is ahead of this broker, which does not know it yet.
     * Produce names no epoch in Kafka's protocol; Fetch, ListOffsets and OffsetsForLeaderEpoch do.
     */
    @Test
    @Timeout(120)
    void requestsNamingAnOlderLeaderEpochAreFencedAndANewerOneIsUnknown() throws Exception {
        // A node of its own, as a restart would change the epochs the other tests see.
        try (TestNode restarted = TestNode.start(dir.resolve("epochs-node"))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", restarted.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("epochs", 1, (short) 1))).all().get();
            }
            try (RawKafkaClient client = new RawKafkaClient(restarted.bootstrap())) {
                assertEquals(Errors.NONE.code(), only(client.call(produce("epochs", 0, (short) 1,
                        batch(List.of("first"))), (short) 12)).errorCode());
            }
            restarted.restart(); // the partition's leadership leaves with the node and comes back: a later epoch
            try (RawKafkaClient client = new RawKafkaClient(restarted.bootstrap())) {
                int epoch = await().atMost(Duration.ofSeconds(60)).until(() -> client.partitionMetadata("epochs", 0),
                        p -> p.leaderId() == 1 && p.leaderEpoch() > 0).leaderEpoch();

                FetchResponseData.PartitionData current = partition(client.call(
                        fetch("epochs", 0, 0, 1 << 20, epoch), FETCH_VERSION));
                assertEquals(Errors.NONE.code(), current.errorCode());
                assertTrue(current.records().sizeInBytes() > 0);
                assertEquals(Errors.FENCED_LEADER_EPOCH.code(), partition(client.call(
                        fetch("epochs", 0, 0, 1 << 20, epoch - 1), FETCH_VERSION)).errorCode());
                assertEquals(Errors.UNKNOWN_LEADER_EPOCH.code(), partition(client.call(
                        fetch("epochs", 0, 0, 1 << 20, epoch + 1), FETCH_VERSION)).errorCode());
                // A long poll naming a stale epoch is answered at once, not parked until its time is up.
                assertEquals(Errors.FENCED_LEADER_EPOCH.code(), partition(client.call(
                        fetch("epochs", 1, 120_000, 1 << 20, epoch - 1), FETCH_VERSION)).errorCode());

                assertEquals(Errors.NONE.code(), listLatestError(client, epoch));
                assertEquals(Errors.FENCED_LEADER_EPOCH.code(), listLatestError(client, epoch - 1));
                assertEquals(Errors.UNKNOWN_LEADER_EPOCH.code(), listLatestError(client, epoch + 1));

                assertEquals(Errors.NONE.code(), epochEndError(client, epoch));
                assertEquals(Errors.FENCED_LEADER_EPOCH.code(), epochEndError(client, epoch - 1));
                assertEquals(Errors.UNKNOWN_LEADER_EPOCH.code(), epochEndError(client, epoch + 1));
            }
        }
    }

    /** The error of a ListOffsets for the latest offset of "epochs"-0 naming {@code currentLeaderEpoch}. */
    private static short listLatestError(RawKafkaClient client, int currentLeaderEpoch) throws Exception {
        ListOffsetsRequestData request = new ListOffsetsRequestData().setReplicaId(-1);
        request.topics().add(new ListOffsetsRequestData.ListOffsetsTopic().setName("epochs").setPartitions(List.of(
                new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1)
                        .setCurrentLeaderEpoch(currentLeaderEpoch))));
        ListOffsetsResponseData response = client.call(request, (short) 7);
        return response.topics().get(0).partitions().get(0).errorCode();
    }

    /** The error of an OffsetsForLeaderEpoch for epoch 0 of "epochs"-0 naming {@code currentLeaderEpoch}. */
    private static short epochEndError(RawKafkaClient client, int currentLeaderEpoch) throws Exception {
        OffsetForLeaderEpochRequestData request = new OffsetForLeaderEpochRequestData();
        request.topics().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic("epochs")
                .setPartitions(List.of(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition()
                        .setPartition(0).setLeaderEpoch(0).setCurrentLeaderEpoch(currentLeaderEpoch))));
        OffsetForLeaderEpochResponseData response = client.call(request, (short) 4);
        return response.topics().iterator().next().partitions().get(0).errorCode();
    }
}
