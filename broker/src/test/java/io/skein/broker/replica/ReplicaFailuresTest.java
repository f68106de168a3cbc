package io.skein.broker.replica;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.group.GroupCoordinator;
import io.skein.testing.ProcessCluster;
import io.skein.testing.ProcessCluster.Broker;
import io.skein.testing.RawKafkaClient;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication under crashes (SIGKILL) and freezes (SIGSTOP) of real broker processes: acknowledged
 * writes survive, divergent suffixes are cut and nothing else (KIP-101's two scenarios), and the ISR
 * follows the followers.
 */
@Timeout(300)
class ReplicaFailuresTest {
    @TempDir
    static Path dir;
    static ProcessCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        // A frozen follower leaves the ISR (2 s) well before the controller fences it (6 s). High
        // watermarks are checkpointed only at clean shutdown, so a crashed replica restarts with a stale one.
        cluster = ProcessCluster.start(dir, 3, Map.of("broker.session.timeout.ms", "6000"),
                Map.of("broker.heartbeat.interval.ms", "500", "replica.lag.time.max.ms", "2000",
                        "replica.high.watermark.checkpoint.interval.ms", "3600000", "replica.fetch.backoff.ms", "200"));
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    private static String bootstrapWithout(Broker excluded) {
        return cluster.brokers().stream().filter(b -> b != excluded && b.isRunning()).map(Broker::address)
                .collect(Collectors.joining(","));
    }

    private static Admin admin(Broker excluded) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapWithout(excluded),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000));
    }

    private static TopicPartitionInfo describe(String topic, Broker excluded) throws Exception {
        try (Admin admin = admin(excluded)) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            return description.partitions().get(0);
        }
    }

    private static void createTopic(String topic, int partitions, int replicas, int minIsr) throws Exception {
        try (Admin admin = admin(null)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) replicas)
                    .configs(Map.of("min.insync.replicas", Integer.toString(minIsr))))).all().get();
        }
        awaitIsr(topic, replicas, null);
    }

    private static void awaitIsr(String topic, int size, Broker excluded) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> describe(topic, excluded).isr().size() == size);
    }

    private static Broker broker(int id) {
        return cluster.broker(id);
    }

    /** The leader of partition 0 of a topic, and one of its followers. */
    private record Pair(Broker leader, Broker follower) {
    }

    private static Pair leaderAndFollower(String topic) throws Exception {
        TopicPartitionInfo partition = describe(topic, null);
        int leader = partition.leader().id();
        return new Pair(broker(leader), broker(partition.replicas().stream().filter(n -> n.id() != leader)
                .findFirst().orElseThrow().id()));
    }

    private static KafkaProducer<String, String> producer(String acks) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapWithout(null));
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(acks.equals("all")));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "200");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static void produce(String topic, String acks, String prefix, int count) throws Exception {
        try (KafkaProducer<String, String> producer = producer(acks)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, prefix + "-" + i));
            }
            producer.flush();
        }
    }

    /** Every record of every partition of {@code topic}, by partition, read from its leaders. */
    private static Map<Integer, List<String>> consumeAll(String topic, int partitions, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapWithout(null));
        Map<Integer, List<String>> values = new ConcurrentHashMap<>();
        List<TopicPartition> tps = IntStream.range(0, partitions)
                .mapToObj(p -> new TopicPartition(topic, p)).toList();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(record.value());
                }
                return values.values().stream().mapToInt(List::size).sum() >= expected;
            });
        }
        return values;
    }

    @Test
    void acksAllWritesSurviveKillingTheLeaderAgainAndAgain() throws Exception {
        String topic = "survivor";
        createTopic(topic, 3, 3, 2);
        Writer writer = new Writer(topic, 3);
        for (int round = 0; round < 3; round++) {
            int leaderId = describe(topic, null).leader().id();
            Broker leader = broker(leaderId);
            leader.kill();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                TopicPartitionInfo partition = describe(topic, leader);
                return partition.leader() != null && partition.leader().id() != leaderId;
            });
            leader.start();
            awaitIsr(topic, 3, null);
        }
        writer.finishAndCheck();
    }

    @Test
    void aRollingRestartUnderAcksAllLoadFailsNoSend() throws Exception {
        String topic = "rolling";
        createTopic(topic, 3, 3, 2);
        Writer writer = new Writer(topic, 3);
        for (Broker broker : cluster.brokers()) {
            broker.stop(); // SIGTERM: the controller moves its leaderships away first
            broker.start();
            awaitIsr(topic, 3, null);
        }
        writer.finishAndCheck();
    }

    /**
     * An idempotent acks=all producer writing increasing numbers round-robin to a topic's partitions
     * on a thread of its own, until told to finish; then every acknowledged number must be read back
     * once, in order per partition, and no send may have failed.
     */
    private static final class Writer {
        private final String topic;
        private final int partitions;
        private final List<List<Integer>> acked = new ArrayList<>();
        private final List<Throwable> failures = new CopyOnWriteArrayList<>();
        private final AtomicBoolean producing = new AtomicBoolean(true);
        private final Thread thread;

        Writer(String topic, int partitions) {
            this.topic = topic;
            this.partitions = partitions;
            for (int p = 0; p < partitions; p++) {
                acked.add(new CopyOnWriteArrayList<>());
            }
            this.thread = new Thread(this::run, "writer-" + topic);
            thread.start();
        }

        private void run() {
            try (KafkaProducer<String, String> producer = producer("all")) {
                for (int i = 0; producing.get(); i++) {
                    int partition = i % partitions;
                    int value = i;
                    producer.send(new ProducerRecord<>(topic, partition, null, Integer.toString(value)), (meta, e) -> {
                        if (e == null) {
                            acked.get(partition).add(value);
                        } else {
                            failures.add(e);
                        }
                    });
                    if (i % 50 == 49) {
                        Thread.sleep(20); // a steady load, not a flood of buffered records
                    }
                }
                producer.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void finishAndCheck() throws InterruptedException {
            producing.set(false);
            thread.join(180_000);
            int total = acked.stream().mapToInt(List::size).sum();
            assertTrue(total > 0, "nothing was acknowledged");
            Map<Integer, List<String>> read = consumeAll(topic, partitions, total);
            for (int p = 0; p < partitions; p++) {
                List<Integer> consumed = read.getOrDefault(p, List.of()).stream().map(Integer::valueOf).toList();
                assertEquals(consumed.stream().distinct().count(), consumed.size(), "a duplicate in partition " + p);
                List<Integer> sorted = new ArrayList<>(consumed);
                Collections.sort(sorted);
                assertEquals(sorted, consumed, "partition " + p + " out of order");
                assertTrue(consumed.containsAll(acked.get(p)), "an acknowledged record of partition " + p + " is lost");
            }
            assertEquals(List.of(), failures.stream().map(Throwable::toString).distinct().toList(), "failed sends");
        }
    }

    /**
     * KIP-101, scenario 1: a follower crashes holding committed records beyond its checkpointed high
     * watermark; it must not cut them on restart, so that when the leader dies next they are there.
     */
    @Test
    void aRestartedFollowerKeepsCommittedRecordsBeyondItsStaleHighWatermark() throws Exception {
        String topic = "kip101-one";
        createTopic(topic, 1, 2, 1);
        produce(topic, "all", "committed", 200);
        Pair replicas = leaderAndFollower(topic);
        Broker leader = replicas.leader();
        Broker follower = replicas.follower();
        follower.kill();
        follower.start();
        awaitIsr(topic, 2, null);
        leader.kill();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> describe(topic, leader).leader().id() == follower.id());
        List<String> read = consumeAll(topic, 1, 200).get(0);
        assertEquals(IntStream.range(0, 200).mapToObj(i -> "committed-" + i).toList(), read);
        assertTrue(truncations(follower, topic).stream().allMatch(offset -> offset >= 200),
                "the follower cut committed records: " + truncations(follower, topic));
        leader.start();
        awaitIsr(topic, 2, null);
    }

    /**
     * KIP-101, scenario 2: the leader crashes with a suffix its follower never fetched; the follower
     * leads on and writes at those offsets, then crashes too; they restart in the opposite order. The
     * old leader must cut exactly its divergent suffix, and both logs end byte for byte the same.
     */
    @Test
    void replicasThatDivergedConvergeToTheSameBytes() throws Exception {
        String topic = "kip101-two";
        createTopic(topic, 1, 2, 1);
        produce(topic, "all", "committed", 10);
        Pair replicas = leaderAndFollower(topic);
        Broker first = replicas.leader();
        Broker second = replicas.follower();

        second.pause();
        try (RawKafkaClient client = new RawKafkaClient(first.address())) {
            // The frozen follower may have a fetch parked at the leader: this write answers it, and the
            // follower, frozen, sends no other. The next write reaches the leader alone.
            assertEquals(Errors.NONE.code(), produceOne(client, topic, (short) 1, "committed-10"));
            assertEquals(Errors.NONE.code(), produceOne(client, topic, (short) 1, "unreplicated"));
        }
        first.kill();
        second.resume();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> describe(topic, first).leader().id() == second.id());
        second.kill();
        second.start(); // back first, and leads again: it is the ISR
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> describe(topic, first).leader().id() == second.id());
        produce(topic, "1", "new-leader", 3);
        first.start();
        awaitIsr(topic, 2, null);

        List<String> expected = new ArrayList<>();
        IntStream.range(0, 11).forEach(i -> expected.add("committed-" + i));
        IntStream.range(0, 3).forEach(i -> expected.add("new-leader-" + i));
        assertEquals(expected, consumeAll(topic, 1, 14).get(0));
        assertTrue(truncations(first, topic).contains(11L), "the old leader cut at its divergence: "
                + truncations(first, topic));

        first.stop();
        second.stop();
        assertArrayEquals(segmentBytes(first, topic), segmentBytes(second, topic), "the two logs differ");
        first.start();
        second.start();
        awaitIsr(topic, 2, null);
    }

    @Test
    void aFrozenFollowerLeavesTheIsrAndReturnsWhenItThaws() throws Exception {
        String topic = "frozen";
        createTopic(topic, 1, 3, 3);
        Pair replicas = leaderAndFollower(topic);
        Broker leader = replicas.leader();
        Broker follower = replicas.follower();
        try (RawKafkaClient client = new RawKafkaClient(leader.address())) {
            assertEquals(Errors.NONE.code(), produceOne(client, topic, (short) -1, "before"));
            follower.pause();
            try {
                awaitIsr(topic, 2, follower);
                assertEquals(Errors.NOT_ENOUGH_REPLICAS.code(), produceOne(client, topic, (short) -1, "refused"));
            } finally {
                follower.resume();
            }
            awaitIsr(topic, 3, null);
            assertEquals(Errors.NONE.code(), produceOne(client, topic, (short) -1, "after"));
        }
    }

    @Test
    void aGroupWhoseCoordinatorDiesMovesAndResumesFromItsCommittedOffsets() throws Exception {
        String topic = "group-input";
        createTopic(topic, 1, 3, 2);
        produce(topic, "all", "record", 100);
        TopicPartition tp = new TopicPartition(topic, 0);
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapWithout(null));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "survivors");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
                return read.size() >= 100;
            });
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(60)));
        }
        int offsetsPartition = GroupCoordinator.partitionFor("survivors", 50);
        TopicPartitionInfo coordinatorPartition;
        try (Admin admin = admin(null)) {
            coordinatorPartition = admin.describeTopics(List.of(GroupCoordinator.OFFSETS_TOPIC)).allTopicNames().get()
                    .get(GroupCoordinator.OFFSETS_TOPIC).partitions().get(offsetsPartition);
        }
        assertEquals(3, coordinatorPartition.isr().size(), "the offsets partition is replicated");
        Broker coordinator = broker(coordinatorPartition.leader().id());
        coordinator.kill();
        try {
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapWithout(coordinator));
            List<ConsumerRecord<String, String>> resumed = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.subscribe(List.of(topic));
                await().atMost(Duration.ofSeconds(90)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(resumed::add);
                    return resumed.size() >= 40;
                });
            }
            assertEquals(60, resumed.get(0).offset(), "the new coordinator has the committed offset");
            assertEquals(40, resumed.size());
        } finally {
            coordinator.start();
        }
    }

    /** Writes one record to partition 0 with {@code acks}; the error code of the answer. */
    private static short produceOne(RawKafkaClient client, String topic, short acks, String value) throws Exception {
        ProduceResponseData response = client.call(RawKafkaClient.produce(topic, 0, acks,
                RawKafkaClient.batch(List.of(value))), (short) 12);
        return RawKafkaClient.only(response).errorCode();
    }

    /** The offsets a broker's log says it truncated {@code topic}-0 to. */
    private static List<Long> truncations(Broker broker, String topic) throws Exception {
        Matcher m = Pattern.compile("truncated " + Pattern.quote(topic) + "-0 to offset (\\d+)").matcher(broker.log());
        List<Long> offsets = new ArrayList<>();
        while (m.find()) {
            offsets.add(Long.parseLong(m.group(1)));
        }
        return offsets;
    }

    /** The bytes of a stopped broker's segments of {@code topic}-0, in offset order. */
    private static byte[] segmentBytes(Broker broker, String topic) throws Exception {
        Path partitionDir = broker.logDir().resolve(topic + "-0");
        try (Stream<Path> files = Files.list(partitionDir)) {
            List<Path> segments = files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (Path segment : segments) {
                all.write(Files.readAllBytes(segment));
            }
            return all.toByteArray();
        }
    }
}
