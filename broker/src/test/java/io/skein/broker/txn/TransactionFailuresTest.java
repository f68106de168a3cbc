package io.skein.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.ProcessCluster.Node;
import io.skein.testing.SegmentFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions across crashes of real broker processes at the two moments that matter: a partition
 * leader dies holding a committed transaction's data but not yet its marker, and the coordinator
 * dies with the transaction in PrepareCommit. Either way the transaction completes once the
 * cluster recovers: every record of it visible to read_committed consumers, on every partition, and
 * the replicas identical.
 */
@Timeout(300)
class TransactionFailuresTest {
    @TempDir
    static Path dir;
    static TransactionalProcessCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TransactionalProcessCluster.start(dir);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    private static String transactionalIdNotCoordinatedBy(String prefix, int broker) throws Exception {
        return TransactionalProcessCluster.idNotCoordinatedBy(prefix, broker, cluster::transactionCoordinator);
    }

    /** Writes {@code count} values to each partition in one transaction, and waits until they are written (not committed). */
    private static List<String> sendToEachPartition(KafkaProducer<String, String> producer, String topic,
                                                    int partitions, String prefix, int count) {
        List<String> sent = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            for (int i = 0; i < count; i++) {
                String value = prefix + "-" + p + "-" + i;
                producer.send(new ProducerRecord<>(topic, p, null, value));
                sent.add(value);
            }
        }
        producer.flush();
        return sent;
    }

    /**
     * What a read_committed consumer reads of the topic, once its position reaches the last stable
     * offset of every partition and it holds at least {@code expected} values.
     */
    private static List<String> readCommitted(String topic, int partitions, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.processes.bootstrap());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                if (values.size() < expected) {
                    return false;
                }
                Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
                return tps.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
            });
        }
        return values.stream().sorted().toList();
    }

    /** Once writes stop, every replica of every partition holds the same bytes, markers included. */
    private static void awaitIdenticalReplicas(String topic, int partitions) {
        for (int p = 0; p < partitions; p++) {
            int partition = p;
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                byte[] first = SegmentFiles.bytes(cluster.processes.broker(1).logDir(), topic, partition);
                for (Node other : List.of(cluster.processes.broker(2), cluster.processes.broker(3))) {
                    assertArrayEquals(first, SegmentFiles.bytes(other.logDir(), topic, partition),
                            "replicas of " + topic + "-" + partition + " on brokers 1 and " + other.id() + " differ");
                }
            });
        }
    }

    @Test
    void aLeaderThatDiesBetweenTheDataAndTheMarkerLeavesTheMarkerToTheNextLeader() throws Exception {
        String topic = "txn-leader-crash";
        cluster.createTopic(topic, 2);
        Node leader = cluster.processes.broker(cluster.leader(topic, 0));
        String transactionalId = transactionalIdNotCoordinatedBy("leader-crash", leader.id());
        List<String> committed;
        try (KafkaProducer<String, String> producer = cluster.producer(transactionalId)) {
            producer.initTransactions();
            producer.beginTransaction();
            committed = sendToEachPartition(producer, topic, 2, "before", 50);
            // The data is on every in-sync replica; the leader of partition 0 now takes no marker.
            leader.pause();
            producer.commitTransaction(); // answered once PrepareCommit is written; the markers follow
            leader.kill();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> cluster.describe(topic, 0, leader).leader().id() != leader.id());
            assertEquals(committed.stream().sorted().toList(), readCommitted(topic, 2, committed.size()),
                    "the committed transaction, whole");

            // The producer goes on, and the old leader comes back as a follower that takes the marker too.
            leader.start();
            producer.beginTransaction();
            List<String> after = sendToEachPartition(producer, topic, 2, "after", 10);
            producer.commitTransaction();
            committed = new ArrayList<>(committed);
            committed.addAll(after);
        }
        committed.sort(null);
        cluster.processes.awaitAll("an ISR of 3", null, topic, 0, partition -> partition.isrNodes().size() == 3);
        assertEquals(committed, readCommitted(topic, 2, committed.size()));
        awaitIdenticalReplicas(topic, 2);
    }

    @Test
    void aCoordinatorThatDiesInPrepareCommitLeavesTheCommitToTheNextCoordinator() throws Exception {
        String topic = "txn-coordinator-crash";
        cluster.createTopic(topic, 2);
        Node leader = cluster.processes.broker(cluster.leader(topic, 0));
        String transactionalId = transactionalIdNotCoordinatedBy("coordinator-crash", leader.id());
        Node coordinator = cluster.processes.broker(cluster.transactionCoordinator(transactionalId));
        List<String> committed;
        try (KafkaProducer<String, String> producer = cluster.producer(transactionalId)) {
            producer.initTransactions();
            producer.beginTransaction();
            committed = sendToEachPartition(producer, topic, 2, "prepared", 50);
            // A frozen leader of partition 0 holds the transaction in PrepareCommit: its marker cannot be written.
            leader.pause();
            producer.commitTransaction();
            coordinator.kill();
            leader.resume();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> cluster.transactionCoordinator(transactionalId) != coordinator.id());
            assertEquals(committed.stream().sorted().toList(), readCommitted(topic, 2, committed.size()),
                    "the next coordinator completes the commit it finds prepared");
        }

        // The transactional id goes on with a new producer, whose initialisation finds nothing left open.
        coordinator.start();
        try (KafkaProducer<String, String> next = cluster.producer(transactionalId)) {
            next.initTransactions();
            next.beginTransaction();
            List<String> after = sendToEachPartition(next, topic, 2, "next", 10);
            next.commitTransaction();
            committed = new ArrayList<>(committed);
            committed.addAll(after);
        }
        committed.sort(null);
        cluster.processes.awaitAll("an ISR of 3", null, topic, 0, partition -> partition.isrNodes().size() == 3);
        assertEquals(committed, readCommitted(topic, 2, committed.size()));
        assertTrue(coordinator.isRunning());
        awaitIdenticalReplicas(topic, 2);
    }
}
