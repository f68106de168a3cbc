package io.skein.broker.admin;

import static io.skein.broker.admin.AdminAssertions.assertFails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.proto.admin.AdminServiceGrpc;
import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.BrowseEnd;
import io.skein.proto.admin.BrowseMessagesRequest;
import io.skein.proto.admin.BrowseMessagesResponse;
import io.skein.proto.admin.BrowsedRecord;
import io.skein.proto.admin.CreateTopicsRequest;
import io.skein.proto.admin.DescribeGroupsRequest;
import io.skein.proto.admin.GroupDescription;
import io.skein.proto.admin.GroupOffset;
import io.skein.proto.admin.IsolationLevel;
import io.skein.proto.admin.RecordBytes;
import io.skein.proto.admin.TimestampType;
import io.skein.proto.admin.TopicSpec;
import io.skein.testing.StringClients;
import io.skein.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * BrowseMessages and lag in time through the admin API of every node of a real three-node cluster,
 * over records real Kafka clients wrote: keys, headers, timestamps an hour old, a 5 MB value, and an
 * aborted and a committed transaction. The browsed partition has two replicas, so one node reads it
 * as its leader, one beside a follower replica, and one from another broker altogether.
 */
@Timeout(180)
class MessageBrowserTest {
    private static final String TOPIC = "browsed";
    private static final int HUGE = 5 * 1024 * 1024;
    private static final String MAX_MESSAGE_BYTES = Integer.toString(HUGE + 1024 * 1024);

    @TempDir
    static Path dir;
    static TestCluster cluster;
    static final List<ManagedChannel> channels = new ArrayList<>();
    /** The timestamp of the first record; the n-th of the first ten is a second later each. */
    static long base;
    /** Offsets by record: user-0..user-9, big, aborted-1, aborted-2, committed-1, last. */
    static final Map<String, Long> offsets = new HashMap<>();
    static long highWatermark;

    @BeforeAll
    static void writeRecords() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of("offsets.topic.num.partitions", "3",
                "transaction.state.log.num.partitions", "3", "group.initial.rebalance.delay.ms", "0"));
        cluster.nodes().forEach(node -> channels.add(NettyChannelBuilder.forTarget(node.adminAddress()).usePlaintext()
                .build()));
        create(TOPIC, 2, Map.of("max.message.bytes", MAX_MESSAGE_BYTES));
        base = System.currentTimeMillis() - 3_600_000;
        try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(),
                Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_MESSAGE_BYTES))) {
            for (int i = 0; i < 10; i++) {
                ProducerRecord<String, String> record = new ProducerRecord<>(TOPIC, 0, base + i * 1000L, "user-" + i,
                        i % 2 == 0 ? "{\"n\":" + i + ",\"kind\":\"click\"}" : "plain text " + i);
                record.headers().add("source", (i < 5 ? "web" : "app").getBytes(StandardCharsets.UTF_8));
                offsets.put("user-" + i, producer.send(record).get().offset());
            }
            offsets.put("big", producer.send(new ProducerRecord<>(TOPIC, 0, "big",
                    "x".repeat(HUGE - "needle".length()) + "needle")).get().offset());
        }
        try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "browsed-tx"))) {
            producer.initTransactions();
            producer.beginTransaction();
            offsets.put("aborted-1", producer.send(new ProducerRecord<>(TOPIC, 0, "tx", "aborted-1")).get().offset());
            offsets.put("aborted-2", producer.send(new ProducerRecord<>(TOPIC, 0, "tx", "aborted-2")).get().offset());
            producer.abortTransaction();
            producer.beginTransaction();
            offsets.put("committed-1", producer.send(new ProducerRecord<>(TOPIC, 0, "tx", "committed-1")).get()
                    .offset());
            producer.commitTransaction();
        }
        try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(), Map.of())) {
            offsets.put("last", producer.send(new ProducerRecord<>(TOPIC, 0, "end", "last")).get().offset());
        }
        highWatermark = offsets.get("last") + 1;
    }

    @AfterAll
    static void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        if (cluster != null) {
            cluster.close();
        }
    }

    private static AdminServiceBlockingStub admin(int node) {
        return AdminServiceGrpc.newBlockingStub(channels.get(node - 1)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static void create(String topic, int replicas, Map<String, String> configs) {
        admin(1).createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName(topic)
                .setPartitions(1).setReplicationFactor(replicas).putAllConfigs(configs)).build());
    }

    private static BrowseMessagesRequest.Builder request() {
        return BrowseMessagesRequest.newBuilder().setTopic(TOPIC);
    }

    private static BrowseMessagesResponse browse(BrowseMessagesRequest.Builder request) {
        return admin(1).browseMessages(request.build());
    }

    private static List<Long> offsetsOf(BrowseMessagesResponse response) {
        return response.getRecordsList().stream().map(BrowsedRecord::getOffset).toList();
    }

    private static List<Long> offsetsOf(String... records) {
        return Arrays.stream(records).map(offsets::get).toList();
    }

    private static List<Long> users(int... numbers) {
        return IntStream.of(numbers).mapToObj(i -> offsets.get("user-" + i)).toList();
    }

    private static String text(RecordBytes bytes) {
        return bytes.getData().toStringUtf8();
    }

    @Test
    void everyBrokerReadsThePartitionAsItsLeaderHasIt() {
        PartitionRegistration partition = cluster.node(1).image().topic(TOPIC).partition(0);
        assertEquals(2, partition.replicas().size(), "one node holds no replica, and reads from the leader");
        BrowseMessagesResponse first = admin(1).browseMessages(request().setOffset(0).setLimit(5).build());
        assertEquals(users(0, 1, 2, 3, 4), offsetsOf(first));
        assertEquals(BrowseEnd.LIMIT, first.getEnded());
        assertEquals(offsets.get("user-5"), first.getNextOffset());
        assertEquals(0, first.getLogStartOffset());
        assertEquals(highWatermark, first.getEndOffset());
        BrowsedRecord third = first.getRecords(3);
        assertEquals("user-3", text(third.getKey()));
        assertEquals("plain text 3", text(third.getValue()));
        assertFalse(third.getValue().getTruncated());
        assertEquals(base + 3000, third.getTimestampMs());
        assertEquals(TimestampType.CREATE_TIME, third.getTimestampType());
        assertEquals("source", third.getHeaders(0).getKey());
        assertEquals("web", text(third.getHeaders(0).getValue()));
        for (int node = 2; node <= 3; node++) {
            assertEquals(first, admin(node).browseMessages(request().setOffset(0).setLimit(5).build()), "node " + node);
        }
        assertEquals(users(5, 6), offsetsOf(browse(request().setOffset(first.getNextOffset()).setLimit(2))));
    }

    @Test
    void aTimeStartsAtTheFirstRecordThatLateAsListOffsetsFindsIt() {
        assertEquals(users(4, 5), offsetsOf(browse(request().setTimestampMs(base + 3500).setLimit(2))));
        assertEquals(users(3), offsetsOf(browse(request().setTimestampMs(base + 3000).setLimit(1))));
        assertEquals(users(3, 2), offsetsOf(browse(request().setTimestampMs(base + 3500).setNewestFirst(true)
                .setLimit(2))));
        BrowseMessagesResponse future = browse(request().setTimestampMs(System.currentTimeMillis() + 3_600_000));
        assertEquals(List.of(), future.getRecordsList());
        assertEquals(BrowseEnd.END, future.getEnded());
        assertEquals(highWatermark, future.getNextOffset());
    }

    @Test
    void newestFirstPagesBackToTheLogStart() {
        assertEquals(offsetsOf("last", "committed-1", "aborted-2"),
                offsetsOf(browse(request().setNewestFirst(true).setLimit(3))), "markers are no records");
        BrowseMessagesResponse page = browse(request().setNewestFirst(true).setOffset(offsets.get("user-5")).setLimit(3));
        assertEquals(users(4, 3, 2), offsetsOf(page));
        assertEquals(BrowseEnd.LIMIT, page.getEnded());
        BrowseMessagesResponse rest = browse(request().setNewestFirst(true).setOffset(page.getNextOffset()).setLimit(3));
        assertEquals(users(1, 0), offsetsOf(rest));
        assertEquals(BrowseEnd.END, rest.getEnded());
        assertEquals(0, rest.getNextOffset());

        BrowseMessagesResponse clicks = browse(request().setNewestFirst(true).setValueFilter("click").setLimit(2));
        assertEquals(users(8, 6), offsetsOf(clicks));
        assertEquals(users(4, 2, 0), offsetsOf(browse(request().setNewestFirst(true).setValueFilter("click")
                .setOffset(clicks.getNextOffset()))));
        assertEquals(offsetsOf("committed-1", "big", "user-9"), offsetsOf(browse(request().setNewestFirst(true)
                .setOffset(offsets.get("last")).setLimit(3).setIsolationLevel(IsolationLevel.READ_COMMITTED))));
    }

    @Test
    void keysValuesAndHeadersAreFoundByTextOrRegularExpression() {
        assertEquals(users(3), offsetsOf(browse(request().setKeyFilter("user-3"))));
        assertEquals(users(0, 2, 4, 6, 8), offsetsOf(browse(request().setValueFilter("\"kind\":\"click\""))));
        assertEquals(users(5, 6, 7, 8, 9), offsetsOf(browse(request().setHeaderFilter("source=app"))));
        assertEquals(users(5, 6, 7, 8, 9), offsetsOf(browse(request().setHeaderFilter("app"))));
        assertEquals(users(1, 3), offsetsOf(browse(request().setKeyFilter("user-").setHeaderFilter("source=web")
                .setValueFilter("plain"))));
        assertEquals(users(1, 3), offsetsOf(browse(request().setValueFilter("^plain text [13]$").setRegex(true))));
        assertEquals(users(0, 1, 2, 3, 4), offsetsOf(browse(request().setHeaderFilter("^source=w.b$").setRegex(true))));
        assertEquals(offsetsOf("big"), offsetsOf(browse(request().setValueFilter("needle"))),
                "the whole value is searched, not the part returned");
        assertEquals(offsetsOf("big"), offsetsOf(browse(request().setValueFilter("x{5}needle$").setRegex(true))));
        StatusRuntimeException invalid = assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST",
                () -> browse(request().setValueFilter("([a-z").setRegex(true)));
        assertTrue(invalid.getStatus().getDescription().contains("value filter is not a valid regular expression"),
                invalid.toString());
    }

    @Test
    void aHugeValueComesBackCutWithItsSize() {
        BrowseMessagesResponse page = browse(request().setOffset(offsets.get("big")).setLimit(1));
        RecordBytes value = page.getRecords(0).getValue();
        assertTrue(value.getTruncated());
        assertEquals(HUGE, value.getSize());
        assertEquals(MessageBrowser.DEFAULT_VALUE_BYTES, value.getData().size());
        assertEquals("x".repeat(MessageBrowser.DEFAULT_VALUE_BYTES), text(value));
        assertFalse(page.getRecords(0).getKey().getTruncated());
        RecordBytes small = browse(request().setOffset(offsets.get("big")).setLimit(1).setMaxValueBytes(10))
                .getRecords(0).getValue();
        assertEquals("xxxxxxxxxx", text(small));
        assertEquals(HUGE, small.getSize());
        assertEquals(highWatermark - 2, browse(request()).getRecordsCount(), "every record but the two markers");
    }

    @Test
    void anAnswerStopsBeforeGrowingPastWhatAClientAccepts() throws Exception {
        String topic = "megabytes";
        int megabyte = 1024 * 1024;
        create(topic, 3, Map.of("max.message.bytes", Integer.toString(2 * megabyte)));
        try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(),
                Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(2 * megabyte)))) {
            for (int i = 0; i < 4; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, Integer.toString(i).repeat(megabyte))).get();
            }
        }
        BrowseMessagesRequest.Builder request = BrowseMessagesRequest.newBuilder().setTopic(topic)
                .setMaxValueBytes(megabyte);
        BrowseMessagesResponse oldest = browse(request);
        assertEquals(List.of(0L, 1L), offsetsOf(oldest));
        assertEquals(BrowseEnd.LIMIT, oldest.getEnded());
        assertEquals(2, oldest.getNextOffset());
        assertFalse(oldest.getRecords(1).getValue().getTruncated());
        BrowseMessagesResponse newest = browse(request.setNewestFirst(true));
        assertEquals(List.of(3L, 2L), offsetsOf(newest));
        assertEquals(BrowseEnd.LIMIT, newest.getEnded());
        assertEquals(2, newest.getNextOffset());
    }

    @Test
    void readCommittedLeavesOutAbortedTransactions() {
        long from = offsets.get("big");
        assertEquals(offsetsOf("big", "aborted-1", "aborted-2", "committed-1", "last"),
                offsetsOf(browse(request().setOffset(from))));
        BrowseMessagesResponse committed = browse(request().setOffset(from)
                .setIsolationLevel(IsolationLevel.READ_COMMITTED));
        assertEquals(offsetsOf("big", "committed-1", "last"), offsetsOf(committed));
        assertEquals(highWatermark, committed.getEndOffset(), "no transaction is open: the last stable offset is the "
                + "high watermark");
    }

    @Test
    void aScanStopsAfterItsBytesAndGoesOnFromWhereItStopped() {
        BrowseMessagesResponse page = browse(request().setValueFilter("nowhere").setMaxScanBytes(1));
        assertEquals(BrowseEnd.SCAN_LIMIT, page.getEnded());
        assertTrue(page.getNextOffset() > 0 && page.getScannedBytes() > 0, page.toString());
        Set<Long> starts = new HashSet<>();
        while (page.getEnded() == BrowseEnd.SCAN_LIMIT) {
            assertTrue(starts.add(page.getNextOffset()), "each page goes further: " + page);
            page = browse(request().setValueFilter("nowhere").setMaxScanBytes(1).setOffset(page.getNextOffset()));
        }
        assertEquals(BrowseEnd.END, page.getEnded());
        assertEquals(highWatermark, page.getNextOffset());

        BrowseMessagesResponse back = browse(request().setNewestFirst(true).setValueFilter("nowhere")
                .setMaxScanBytes(1));
        assertEquals(BrowseEnd.SCAN_LIMIT, back.getEnded());
        assertTrue(back.getNextOffset() < highWatermark, back.toString());
    }

    @Test
    void badRequestsFailWithTheKafkaErrorAndWhatIsValid() {
        assertFails(Status.Code.NOT_FOUND, "UNKNOWN_TOPIC_OR_PARTITION",
                () -> browse(request().setTopic("nothing")));
        assertFails(Status.Code.NOT_FOUND, "UNKNOWN_TOPIC_OR_PARTITION", () -> browse(request().setPartition(4)));
        for (long offset : new long[] {-1, highWatermark + 1}) {
            StatusRuntimeException e = assertFails(Status.Code.INVALID_ARGUMENT, "OFFSET_OUT_OF_RANGE",
                    () -> browse(request().setOffset(offset)));
            assertTrue(e.getStatus().getDescription().contains("run from 0 to " + highWatermark), e.toString());
        }
        assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST", () -> browse(request().setLimit(10_001)));
        assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST", () -> browse(request().setMaxValueBytes(-1)));
        assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST", () -> browse(request().setTimestampMs(-5)));
    }

    /**
     * Lag in time is the age of the first record a group has not consumed: an hour-old record's
     * age while the group is behind it, then 0 once a consumer has caught up. Each age is bounded by
     * clock readings taken around the call, not by a tolerance.
     */
    @Test
    void lagInTimeIsTheAgeOfTheOldestRecordNotConsumed() throws Exception {
        String topic = "lagged";
        String group = "slow";
        TopicPartition tp = new TopicPartition(topic, 0);
        create(topic, 3, Map.of());
        long first = System.currentTimeMillis() - 3_600_000;
        try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(), Map.of())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, 0, first + i * 1000L, null, "v" + i)).get();
            }
        }
        try (Admin kafka = cluster.admin()) {
            kafka.alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(3))).all().get();
            assertLagIsTheAgeOf(first + 3000, 7, group);

            // Retention took the record at the committed offset: the oldest left is the oldest not consumed.
            kafka.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(5))).all().get();
            assertLagIsTheAgeOf(first + 5000, 7, group);
        }

        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (consumer.assignment().isEmpty() || consumer.position(tp) < 10) {
                assertTrue(System.nanoTime() < deadline, "the consumer did not catch up within 60 s");
                consumer.poll(Duration.ofMillis(100));
            }
            consumer.commitSync();
            GroupDescription caughtUp = describe(group);
            GroupOffset offset = caughtUp.getOffsets(0);
            assertEquals(0, offset.getLag());
            assertEquals(0, offset.getLagMs());
            assertEquals(0, caughtUp.getMaxLagMs());
            assertEquals(0, caughtUp.getTotalLag());
        }
    }

    private static void assertLagIsTheAgeOf(long timestamp, long lag, String group) {
        long before = System.currentTimeMillis();
        GroupDescription description = describe(group);
        long after = System.currentTimeMillis();
        GroupOffset offset = description.getOffsets(0);
        assertEquals(lag, offset.getLag());
        assertTrue(offset.getLagMs() >= before - timestamp && offset.getLagMs() <= after - timestamp,
                "lag " + offset.getLagMs() + " ms, the record's age between " + (before - timestamp) + " and "
                        + (after - timestamp));
        assertEquals(lag, description.getTotalLag());
        assertEquals(offset.getLagMs(), description.getMaxLagMs());
    }

    private static GroupDescription describe(String group) {
        return admin(2).describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds(group).build()).getGroups(0);
    }
}
