package io.skein.broker;

import static io.skein.testing.RawKafkaClient.batch;
import static io.skein.testing.RawKafkaClient.only;
import static io.skein.testing.RawKafkaClient.produce;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.RawKafkaClient;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What no well-behaved client sends. Bytes that are not requests close their own connection and
 * nothing else; bad records get Kafka's error codes and leave the log untouched.
 */
@Timeout(120)
class BadInputTest {
    private static final int MAX_REQUEST_BYTES = 2 * 1024 * 1024;

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of("socket.request.max.bytes", Integer.toString(MAX_REQUEST_BYTES)));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("steady", 1, (short) 1), new NewTopic("records", 1, (short) 1),
                    new NewTopic("small", 1, (short) 1).configs(Map.of("max.message.bytes", "1024")),
                    new NewTopic("min-isr-2", 1, (short) 1).configs(Map.of("min.insync.replicas", "2")))).all().get();
        }
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static KafkaProducer<String, String> producer() {
        return StringClients.producer(node.bootstrap(), Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000", ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000"));
    }

    private static byte[] frame(int declaredSize, byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(declaredSize).put(body).array();
    }

    /**
     * A request header for {@code apiKey} and {@code version} (in the flexible form, header v2, if
     * {@code flexible}) followed by {@code body}.
     */
    private static byte[] request(short apiKey, short version, boolean flexible, byte[] body) {
        ByteBuffer header = ByteBuffer.allocate(2 + 2 + 4 + 2 + (flexible ? 1 : 0) + body.length);
        header.putShort(apiKey).putShort(version).putInt(7).putShort((short) -1);
        if (flexible) {
            header.put((byte) 0); // no tagged fields
        }
        header.put(body);
        return frame(header.capacity(), header.array());
    }

    private static long logEndOffset(RawKafkaClient client, String topic) throws Exception {
        ListOffsetsRequestData request = new ListOffsetsRequestData().setReplicaId(-1);
        request.topics().add(new ListOffsetsRequestData.ListOffsetsTopic().setName(topic)
                .setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                        .setTimestamp(-1))));
        ListOffsetsResponseData response = client.call(request, ApiKeys.LIST_OFFSETS.latestVersion());
        return response.topics().get(0).partitions().get(0).offset();
    }

    @Test
    void garbageOnSomeConnectionsNeverDisturbsAProducerOnAnother() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger acknowledged = new AtomicInteger();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        Thread producing = new Thread(() -> {
            try (KafkaProducer<String, String> producer = producer()) {
                while (!stop.get()) {
                    producer.send(new ProducerRecord<>("steady", "v" + acknowledged.get())).get();
                    acknowledged.incrementAndGet();
                }
            } catch (Exception e) {
                failures.add(e);
            }
        });
        producing.start();

        Random random = new Random(42);
        for (int round = 0; round < 60; round++) {
            try (RawKafkaClient garbage = new RawKafkaClient(node.bootstrap())) {
                switch (round % 6) {
                    case 0 -> { // random bytes, whatever they declare
                        byte[] bytes = new byte[1 + random.nextInt(2_000)];
                        random.nextBytes(bytes);
                        garbage.sendBytes(bytes);
                    }
                    case 1 -> { // a truncated frame: the client goes away mid-request
                        byte[] part = new byte[100];
                        random.nextBytes(part);
                        garbage.sendBytes(frame(500, part));
                    }
                    case 2 -> {
                        garbage.sendBytes(frame(-1, new byte[8]));
                        assertTrue(garbage.closedByBroker(), "a negative size closes the connection");
                    }
                    case 3 -> {
                        garbage.sendBytes(frame(MAX_REQUEST_BYTES + 1, new byte[16]));
                        assertTrue(garbage.closedByBroker(), "a frame over socket.request.max.bytes closes the connection");
                    }
                    case 4 -> {
                        garbage.sendBytes(request((short) 9_999, (short) 0, false, new byte[4]));
                        assertTrue(garbage.closedByBroker(), "an unknown API key closes the connection");
                    }
                    default -> {
                        byte[] body = new byte[64];
                        random.nextBytes(body);
                        garbage.sendBytes(request(ApiKeys.METADATA.id, (short) 12, true, body));
                        assertTrue(garbage.closedByBroker(), "a malformed body closes the connection");
                    }
                }
            }
        }
        int before = acknowledged.get();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> acknowledged.get() > before + 10 || !failures.isEmpty());
        stop.set(true);
        producing.join();
        assertEquals(List.of(), failures);
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            assertEquals(acknowledged.get(), logEndOffset(client, "steady"), "every acknowledged record is in the log");
        }
    }

    @Test
    void apiVersionsOfAnUnknownVersionIsAnsweredAtVersionZero() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            client.sendBytes(request(ApiKeys.API_VERSIONS.id, (short) 99, true, new byte[0]));
            ByteBuffer response = ByteBuffer.wrap(client.readFrame());
            assertEquals(7, ResponseHeader.parse(response, (short) 0).correlationId());
            ApiVersionsResponseData versions = new ApiVersionsResponseData();
            versions.read(new ByteBufferAccessor(response), (short) 0);
            assertEquals(Errors.UNSUPPORTED_VERSION.code(), versions.errorCode());
            assertTrue(versions.apiKeys().find(ApiKeys.PRODUCE.id) != null, versions.toString());
            assertTrue(versions.apiKeys().find(ApiKeys.ALTER_REPLICA_LOG_DIRS.id) == null,
                    "only served APIs are advertised");
            // The connection stays usable: the client now asks in a version both know.
            assertEquals(Errors.NONE.code(), ((ApiVersionsResponseData) client.call(new ApiVersionsRequestData()
                    .setClientSoftwareName("raw-client").setClientSoftwareVersion("1.0"), (short) 3)).errorCode());
            assertEquals(Errors.INVALID_REQUEST.code(), ((ApiVersionsResponseData) client.call(
                    new ApiVersionsRequestData().setClientSoftwareName("no spaces"), (short) 3)).errorCode());
        }
    }

    @Test
    void apisAndVersionsNotServedCloseTheConnection() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            client.sendBytes(request(ApiKeys.ALTER_REPLICA_LOG_DIRS.id, ApiKeys.ALTER_REPLICA_LOG_DIRS.latestVersion(),
                    true, new byte[0]));
            assertTrue(client.closedByBroker());
        }
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            client.sendBytes(request(ApiKeys.PRODUCE.id, (short) 2, false, new byte[0])); // below what 4.x clients speak
            assertTrue(client.closedByBroker());
        }
    }

    @Test
    void produceIsAdvertisedFromVersionZeroAsKafkaDoesForLibrdkafkaButV0To2AreRefused() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            ApiVersionsResponseData versions = client.call(new ApiVersionsRequestData()
                    .setClientSoftwareName("librdkafka").setClientSoftwareVersion("2.0.2"), (short) 3);
            ApiVersionsResponseData.ApiVersion produce = versions.apiKeys().find(ApiKeys.PRODUCE.id);
            assertEquals(0, produce.minVersion(), versions.toString());
            assertEquals(ApiKeys.PRODUCE.latestVersion(), produce.maxVersion());
            ApiVersionsResponseData.ApiVersion fetch = versions.apiKeys().find(ApiKeys.FETCH.id);
            assertEquals(ApiKeys.FETCH.oldestVersion(), fetch.minVersion(), "only Produce keeps its old minimum");
        }
        long before;
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            before = logEndOffset(client, "records");
            // A whole, well-formed Produce v2 request (acks=1) of one batch, as an old client sends it.
            ByteBuffer records = batch(List.of("from an old client")).buffer();
            byte[] topic = "records".getBytes(StandardCharsets.UTF_8);
            ByteBuffer body = ByteBuffer.allocate(2 + 4 + 4 + 2 + topic.length + 4 + 4 + 4 + records.remaining());
            body.putShort((short) 1).putInt(30_000).putInt(1).putShort((short) topic.length).put(topic)
                    .putInt(1).putInt(0).putInt(records.remaining()).put(records);
            client.sendBytes(request(ApiKeys.PRODUCE.id, (short) 2, false, body.array()));
            assertTrue(client.closedByBroker(), "a Produce v2 request closes its connection, as in Kafka 4");
        }
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            assertEquals(before, logEndOffset(client, "records"), "nothing of the v2 request was written");
        }
    }

    @Test
    void aCorruptBatchIsRefusedWithCorruptMessageAndNothingIsWritten() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            long before = logEndOffset(client, "records");
            MemoryRecords records = batch(List.of("one", "two", "three"));
            ByteBuffer bytes = records.buffer();
            bytes.put(bytes.limit() - 2, (byte) (bytes.get(bytes.limit() - 2) ^ 0x5a)); // flip bits in the last value
            ProduceResponseData response = client.call(produce("records", 0, (short) -1, records),
                    (short) 12);
            assertEquals(Errors.CORRUPT_MESSAGE.code(), only(response).errorCode());
            assertEquals(before, logEndOffset(client, "records"));
        }
    }

    /**
     * Transactional records in a request that names no transactional id: no coordinator would end
     * their transaction, which would hold back the last stable offset for good. Kafka's answer.
     */
    @Test
    void aTransactionalBatchWithoutATransactionalIdIsRefused() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            long before = logEndOffset(client, "records");
            MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, 4242L, (short) 0, 0,
                    new SimpleRecord("in a transaction".getBytes(StandardCharsets.UTF_8)));
            ProduceResponseData response = client.call(produce("records", 0, (short) -1, records), (short) 12);
            assertEquals(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code(), only(response).errorCode());
            assertEquals(before, logEndOffset(client, "records"));
        }
    }

    @Test
    void aBatchOverMaxMessageBytesIsRefused() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            ProduceResponseData response = client.call(produce("small", 0, (short) 1, batch(List.of("x".repeat(2_000)))),
                    (short) 12);
            assertEquals(Errors.MESSAGE_TOO_LARGE.code(), only(response).errorCode());
            assertEquals(0, logEndOffset(client, "small"));
        }
        try (KafkaProducer<String, String> producer = producer()) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("small", "y".repeat(2_000))).get());
            assertInstanceOf(RecordTooLargeException.class, e.getCause());
        }
    }

    @Test
    void anInvalidTopicNameIsRefused() {
        try (KafkaProducer<String, String> producer = producer()) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("no/slashes", "v")).get());
            assertInstanceOf(InvalidTopicException.class, e.getCause());
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.createTopics(List.of(new NewTopic("a b", 1, (short) 1))).all().get());
            assertInstanceOf(InvalidTopicException.class, e.getCause());
        }
    }

    /**
     * Kafka 3.7+ (KIP-966) caps {@code min.insync.replicas} at the replication factor, so a topic of one
     * replica asking for two takes acks=all writes on its only copy. (Refusal below min ISR, with more
     * replicas than the ISR holds, is {@code ReplicaFailuresTest}'s.)
     */
    @Test
    void minInsyncReplicasAboveTheReplicationFactorIsCappedAsKafkaDoes() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            long before = logEndOffset(client, "min-isr-2");
            assertEquals(Errors.NONE.code(), only(client.call(
                    produce("min-isr-2", 0, (short) -1, batch(List.of("a"))), (short) 12)).errorCode());
            assertEquals(before + 1, logEndOffset(client, "min-isr-2"));
        }
    }

    @Test
    void aFailedWriteWithAcksZeroClosesTheConnection() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            client.send(produce("no-such-topic-here", 0, (short) 0, batch(List.of("lost"))), (short) 12);
            assertTrue(client.closedByBroker());
        }
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            long before = logEndOffset(client, "records");
            client.send(produce("records", 0, (short) 0, batch(List.of("kept"))), (short) 12);
            client.call(new MetadataRequestData().setTopics(List.of()), (short) 12); // answered: still open
            assertEquals("kept", valueAt("records", before), "the acks=0 write is in the log");
            assertEquals(before + 1, logEndOffset(client, "records"), "once");
        }
    }

    /** The value of the record at {@code offset} of partition 0, read by a consumer once it is there. */
    private static String valueAt(String topic, long offset) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap()), new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, offset);
            return await().atMost(Duration.ofSeconds(30)).until(() -> consumer.poll(Duration.ofMillis(200)).records(tp),
                    records -> !records.isEmpty()).get(0).value();
        }
    }
}
