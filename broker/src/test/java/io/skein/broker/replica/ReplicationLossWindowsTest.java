package io.skein.broker.replica;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.PartitionRegistration;
import io.skein.testing.ProcessCluster;
import io.skein.testing.ProcessCluster.Node;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.SegmentFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loss windows a line-by-line review of replication found (issue 13), each reproduced with real
 * broker processes frozen, killed and restarted at the moment that matters, and checked on the
 * invariant itself: a write acknowledged to acks=all is on {@code min.insync.replicas} replicas, and
 * replicas that rejoin the ISR hold the leader's bytes.
 */
@Timeout(300)
class ReplicationLossWindowsTest {
    @TempDir
    static Path dir;
    static ProcessCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        // The controller runs in this JVM, so freezing two brokers leaves it free to shrink ISRs and fence.
        // A frozen follower leaves the ISR after 2 s; a frozen broker is fenced after 6 s.
        cluster = ProcessCluster.start(dir, 3, Map.of("broker.session.timeout.ms", "6000",
                        "auto.leader.rebalance.enable", "false"),
                Map.of("broker.heartbeat.interval.ms", "500", "replica.lag.time.max.ms", "2000",
                        "replica.fetch.backoff.ms", "200"));
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    /**
     * Finding 1: an acks=all write parked while both followers freeze must not be acknowledged when
     * the ISR shrinks to the leader alone: it is on one disk, below {@code min.insync.replicas=2}. Nor
     * may consumers see it: the high watermark stays where it was while the ISR is below
     * {@code min.insync.replicas} (Kafka's KIP-966 rule), so the write times out, or, had the high
     * watermark passed it before the shrink, gets NOT_ENOUGH_REPLICAS_AFTER_APPEND.
     */
    @Test
    void anAcksAllWriteWaitingWhileTheIsrFallsBelowMinIsrIsNotAcknowledged() throws Exception {
        String topic = "below-min-isr";
        List<Node> brokers = createTopic(topic, 3, Map.of("min.insync.replicas", "2"));
        Node leader = brokers.get(0);
        Node first = brokers.get(1);
        Node second = brokers.get(2);
        try (RawKafkaClient client = new RawKafkaClient(leader.address())) {
            assertEquals(Errors.NONE, produce(client, topic, (short) -1, 25_000, "replicated"));
            first.pause();
            second.pause();
            try {
                // A follower's fetch parked at the leader may take this write with it; the followers,
                // frozen, never report it, so only the ISR shrinking could move the high watermark.
                Errors answer = produce(client, topic, (short) -1, 15_000, "on one disk only");
                assertTrue(answer == Errors.REQUEST_TIMED_OUT || answer == Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
                        "acknowledged, or refused for another reason: " + answer);
                awaitIsr(topic, ids(leader));
                assertEquals(1, latestOffset(client, topic), "consumers may read a record only the leader holds");
            } finally {
                first.resume();
                second.resume();
            }
            awaitIsr(topic, ids(leader, first, second));
            assertEquals(Errors.NONE, produce(client, topic, (short) -1, 25_000, "replicated again"));
        }
    }

    /** The latest offset a consumer may read (the high watermark), as the leader answers ListOffsets. */
    private static long latestOffset(RawKafkaClient leader, String topic) throws Exception {
        ListOffsetsResponseData response = leader.call(new ListOffsetsRequestData().setReplicaId(-1)
                .setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName(topic).setPartitions(List.of(
                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1))))),
                (short) 7);
        return response.topics().get(0).partitions().get(0).offset();
    }

    /**
     * Finding 2: a replica that led an epoch without writing in it, deposed while it stayed up, follows
     * a new leader whose log goes on past its end with batches of an older epoch. It must cut that
     * epoch from its cache and fetch them, not refuse them for good.
     */
    @Test
    void aLeaderDeposedBeforeItsFirstWriteFollowsTheNextLeader() throws Exception {
        String topic = "deposed";
        List<Node> brokers = createTopic(topic, 3, Map.of("min.insync.replicas", "1",
                "unclean.leader.election.enable", "true"));
        Node a = brokers.get(0);
        Node b = brokers.get(1);
        Node c = brokers.get(2);
        try {
            try (RawKafkaClient client = new RawKafkaClient(a.address())) {
                assertEquals(Errors.NONE, produce(client, topic, (short) -1, 25_000, "everywhere"));
                c.stop();
                awaitIsr(topic, ids(a, b));
                assertEquals(Errors.NONE, produce(client, topic, (short) -1, 25_000, "not on c"));
            }
            b.stop(); // b and a hold "not on c"; a, the last in the ISR, leaves the partition offline
            a.stop();
            c.start(); // unclean: c leads a new epoch from its log end, lacking "not on c"
            awaitLeader(topic, c.id());
            await().atMost(Duration.ofSeconds(60)).until(() -> SegmentFiles.epochEntries(c.logDir(), topic, 0).size() == 2);
            c.pause(); // deposed before writing anything: fenced, the partition offline again
            awaitLeader(topic, -1);
            b.start(); // unclean: b leads, with "not on c" at c's log end in the older epoch
            awaitLeader(topic, b.id());
            c.resume();
            awaitIsr(topic, ids(b, c));
            b.stop();
            c.stop();
            assertArrayEquals(SegmentFiles.bytes(b.logDir(), topic, 0), SegmentFiles.bytes(c.logDir(), topic, 0),
                    "the deposed leader's log differs from its new leader's");
        } finally {
            startAll();
        }
    }

    /**
     * Finding 5: after unclean elections a follower may lack the epoch the leader names in its
     * OffsetsForLeaderEpoch answer; one round then keeps a suffix of an older epoch that the leader
     * overwrote. Asking again from the follower's own earlier epoch finds the real divergence. Here
     * replica "one" holds epoch-0 records at offsets where "two" wrote in a later epoch, then leads an
     * epoch of its own; "two" leads last. ("one" and "two" name the topic's first and second replica.)
     */
    @Test
    void aFollowerThatLacksTheLeadersEpochTruncatesUntilTheLogsAgree() throws Exception {
        String topic = "diverged";
        List<Node> brokers = createTopic(topic, 2, Map.of("min.insync.replicas", "1",
                "unclean.leader.election.enable", "true"));
        Node one = brokers.get(0);
        Node two = brokers.get(1);
        try {
            try (RawKafkaClient client = new RawKafkaClient(one.address())) {
                for (int i = 0; i < 4; i++) {
                    assertEquals(Errors.NONE, produce(client, topic, (short) -1, 25_000, "both-" + i));
                }
                two.pause();
                // Answers a fetch the frozen follower may have parked; the next writes reach broker 1 only.
                assertEquals(Errors.NONE, produce(client, topic, (short) 1, 25_000, "maybe-both"));
                assertEquals(Errors.NONE, produce(client, topic, (short) 1, 25_000, "one-only-0"));
                assertEquals(Errors.NONE, produce(client, topic, (short) 1, 25_000, "one-only-1"));
            }
            one.kill();
            two.resume();
            awaitLeader(topic, two.id());
            awaitLeaderKnowsIt(topic, two);
            try (RawKafkaClient client = new RawKafkaClient(two.address())) {
                for (int i = 0; i < 4; i++) { // the offsets of "one-only-*" and after, in a later epoch
                    assertEquals(Errors.NONE, produce(client, topic, (short) 1, 25_000, "two-" + i));
                }
            }
            two.kill();
            one.start(); // unclean: leads an epoch after two's, with its own epoch-0 suffix
            awaitLeader(topic, one.id());
            awaitLeaderKnowsIt(topic, one);
            try (RawKafkaClient client = new RawKafkaClient(one.address())) {
                for (int i = 0; i < 4; i++) {
                    assertEquals(Errors.NONE, produce(client, topic, (short) 1, 25_000, "one-again-" + i));
                }
            }
            one.kill();
            two.start(); // unclean again: two leads last
            awaitLeader(topic, two.id());
            one.start();
            awaitIsr(topic, ids(one, two));
            one.stop();
            two.stop();
            assertArrayEquals(SegmentFiles.bytes(two.logDir(), topic, 0), SegmentFiles.bytes(one.logDir(), topic, 0),
                    "the follower kept a suffix its leader does not hold");
        } finally {
            startAll();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void startAll() throws Exception {
        for (Node broker : cluster.brokers()) {
            if (!broker.isRunning()) {
                broker.start();
            }
        }
    }

    /** Partition 0 of {@code topic} as the controller has committed it. */
    private static PartitionRegistration partition(String topic) {
        return cluster.controllerImage().topic(topic).partition(0);
    }

    private static List<Integer> isr(String topic) {
        return partition(topic).isr().stream().sorted().toList();
    }

    /** Creates a one-partition topic; its brokers, the leader first. */
    private static List<Node> createTopic(String topic, int replicationFactor, Map<String, String> configs)
            throws Exception {
        try (Admin admin = cluster.admin(null)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) replicationFactor).configs(configs))).all().get();
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> partition(topic).isr().size() == replicationFactor);
        PartitionRegistration created = partition(topic);
        awaitLeaderKnowsIt(topic, cluster.broker(created.leader()));
        return Stream.concat(Stream.of(created.leader()), created.replicas().stream().filter(r -> r != created.leader()))
                .map(cluster::broker).toList();
    }

    /** Waits until {@code leader}'s own metadata makes it the leader: the controller's word reaches it later. */
    private static void awaitLeaderKnowsIt(String topic, Node leader) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            try (RawKafkaClient client = new RawKafkaClient(leader.address())) {
                return client.partitionMetadata(topic, 0).leaderId() == leader.id();
            }
        });
    }

    private static List<Integer> ids(Node... brokers) {
        return Stream.of(brokers).map(Node::id).sorted().toList();
    }

    /** Waits until the controller has committed this ISR (sorted) for the partition. */
    private static void awaitIsr(String topic, List<Integer> expected) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> isr(topic).equals(expected));
    }

    /** Waits until the controller has made {@code leader} (-1: none) the partition's leader. */
    private static void awaitLeader(String topic, int leader) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> partition(topic).leader() == leader);
    }

    /** Writes {@code value} to partition 0 in a batch of its own, with this acks and timeout; the answer's error. */
    private static Errors produce(RawKafkaClient client, String topic, short acks, int timeoutMs, String value)
            throws Exception {
        ProduceRequestData request = RawKafkaClient.produce(topic, 0, acks, RawKafkaClient.batch(List.of(value)))
                .setTimeoutMs(timeoutMs);
        ProduceResponseData response = client.call(request, (short) 12);
        return Errors.forCode(RawKafkaClient.only(response).errorCode());
    }
}
