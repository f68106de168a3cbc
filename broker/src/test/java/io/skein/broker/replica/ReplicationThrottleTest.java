package io.skein.broker.replica;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.PartitionLog;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.testing.AcksAllWriter;
import io.skein.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's replication throttles on a move between two real nodes, set as kafka-reassign-partitions sets
 * them: a broker's {@code leader.replication.throttled.rate} or {@code follower.replication.throttled.rate}
 * with the topic's throttled-replicas list. The new replica copies no faster than the rate allows (plus
 * one fetch: a throttle lets a fetch through, then waits for the rate to fall), and once the rate is
 * removed the move completes. Slowness of the machine can only make the copy slower, never fail the bound;
 * the rate is low enough that even a busy machine copies faster without it.
 */
@Timeout(300)
class ReplicationThrottleTest {
    private static final int FETCH_BYTES = 16 * 1024;
    private static final long RATE = 16 * 1024;
    private static final int RECORD_BYTES = 1024;

    @TempDir
    static Path dir;
    static TestCluster cluster;
    static Admin admin;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(dir, 2, Map.of("replica.fetch.max.bytes", Integer.toString(FETCH_BYTES)));
        admin = cluster.admin();
    }

    @AfterAll
    static void stopCluster() {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A topic of one partition on broker 1 alone, with {@code megabytes} of records. */
    private static TopicPartition filled(String topic, int megabytes) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        TopicPartition tp = new TopicPartition(topic, 0);
        admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(1))))).all().get();
        try (KafkaProducer<String, String> producer = AcksAllWriter.producer(cluster.bootstrap(), "all")) {
            String value = "x".repeat(RECORD_BYTES);
            for (int i = 0; i < megabytes * 1024; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, value));
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> admin.listPartitionReassignments().reassignments().get()
                .isEmpty() && cluster.node(1).replica(tp).map(PartitionLog::size).orElse(0L) > megabytes * (1L << 20));
        return tp;
    }

    /**
     * Sets (or, with a null value, removes) one config and waits until every broker has it in its image:
     * the alter answers once the broker asked has it, and a move started before the other broker does
     * would copy unthrottled.
     */
    private static void alter(ConfigResource.Type type, String name, String key, String value) throws Exception {
        Collection<AlterConfigOp> ops = List.of(new AlterConfigOp(new ConfigEntry(key, value),
                value == null ? AlterConfigOp.OpType.DELETE : AlterConfigOp.OpType.SET));
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(type, name), ops)).all().get();
        io.skein.metadata.image.ConfigResource inImage = new io.skein.metadata.image.ConfigResource(
                type == ConfigResource.Type.TOPIC ? ConfigResourceType.TOPIC : ConfigResourceType.BROKER, name);
        cluster.awaitAll(key + "=" + value, image -> Objects.equals(value, image.configs(inImage).get(key)));
    }

    /**
     * Moves {@code tp} from [1] to [1, 2] and, until broker 2's replica has {@code watched} bytes, checks
     * that it never copied faster than the rate allows; then removes the rate on {@code throttledBroker}
     * and waits for the move to complete.
     */
    private static void moveWithinTheRate(TopicPartition tp, int throttledBroker, String rateKey) throws Exception {
        long started = System.nanoTime();
        admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(1, 2)))))
                .all().get();
        long watched = 128 * 1024;
        List<String> samples = new ArrayList<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
            long copied = cluster.node(2).replica(tp).map(PartitionLog::size).orElse(0L);
            double seconds = (System.nanoTime() - started) / 1e9;
            samples.add(String.format("%.1f s: %d B", seconds, copied));
            // A sample may start before the first fetch and end after the next: allow twice the rate and two fetches.
            assertTrue(copied <= 2 * RATE * seconds + 2 * (FETCH_BYTES + RECORD_BYTES),
                    "copied faster than " + RATE + " B/s: " + samples);
            return copied >= watched;
        });
        assertEquals(1, admin.listPartitionReassignments().reassignments().get().size(), "the move is not done yet");

        alter(ConfigResource.Type.BROKER, Integer.toString(throttledBroker), rateKey, null);
        await().atMost(Duration.ofSeconds(120)).until(() -> admin.listPartitionReassignments().reassignments().get()
                .isEmpty());
        assertEquals(cluster.node(1).replica(tp).orElseThrow().logEndOffset(),
                cluster.node(2).replica(tp).orElseThrow().logEndOffset());
    }

    @Test
    void aFollowerThrottleSlowsTheNewReplicasFetchesUntilItIsRemoved() throws Exception {
        TopicPartition tp = filled("follower-throttled", 1);
        alter(ConfigResource.Type.TOPIC, tp.topic(), "follower.replication.throttled.replicas", "0:2");
        alter(ConfigResource.Type.BROKER, "2", "follower.replication.throttled.rate", Long.toString(RATE));
        moveWithinTheRate(tp, 2, "follower.replication.throttled.rate");
    }

    @Test
    void aLeaderThrottleSlowsWhatTheLeaderSendsAnOutOfSyncFollowerUntilItIsRemoved() throws Exception {
        TopicPartition tp = filled("leader-throttled", 1);
        alter(ConfigResource.Type.TOPIC, tp.topic(), "leader.replication.throttled.replicas", "0:1");
        alter(ConfigResource.Type.BROKER, "1", "leader.replication.throttled.rate", Long.toString(RATE));
        moveWithinTheRate(tp, 1, "leader.replication.throttled.rate");
    }
}
