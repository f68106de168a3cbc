package io.skein.broker.replica;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.AcksAllWriter;
import io.skein.testing.SegmentFiles;
import io.skein.testing.TestCluster;
import io.skein.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partition reassignments on three real nodes through Kafka's admin client: the new replicas copy the
 * log from the leader as followers do, the move completes once they are in sync, the old replicas'
 * logs go, and nothing acknowledged is lost meanwhile.
 */
@Timeout(300)
class ReassignmentTest {
    @TempDir
    static Path dir;
    static TestCluster cluster;
    static Admin admin;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of());
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

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }

    private static TopicDescription describe(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    }

    @Test
    void aMoveUnderLoadCopiesTheLogToTheNewReplicaLeadsFromTheTargetAndDeletesTheOldReplica() throws Exception {
        String topic = "moving";
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 2))).all().get();
        AcksAllWriter writer = new AcksAllWriter(cluster.bootstrap(), topic, 3);
        await().atMost(Duration.ofSeconds(60)).until(() -> writer.acknowledged() >= 3000);

        // Each partition's first replica (its leader) makes way for the broker that had none.
        Map<TopicPartition, List<Integer>> targets = new HashMap<>();
        Map<TopicPartition, Integer> removed = new HashMap<>();
        for (TopicPartitionInfo partition : describe(topic).partitions()) {
            List<Integer> replicas = ids(partition.replicas());
            int newcomer = Set.of(1, 2, 3).stream().filter(id -> !replicas.contains(id)).findFirst().orElseThrow();
            TopicPartition tp = new TopicPartition(topic, partition.partition());
            targets.put(tp, List.of(newcomer, replicas.get(1)));
            removed.put(tp, replicas.get(0));
        }
        Map<TopicPartition, Optional<NewPartitionReassignment>> moves = new HashMap<>();
        targets.forEach((tp, target) -> moves.put(tp, Optional.of(new NewPartitionReassignment(target))));
        admin.alterPartitionReassignments(moves).all().get();

        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
            assertEquals(Map.of(), admin.listPartitionReassignments().reassignments().get());
            for (TopicPartitionInfo partition : describe(topic).partitions()) {
                List<Integer> target = targets.get(new TopicPartition(topic, partition.partition()));
                assertEquals(target, ids(partition.replicas()));
                assertEquals(Set.copyOf(target), Set.copyOf(ids(partition.isr())));
                assertEquals((int) target.get(0), partition.leader().id(), "the old leader left: the first target leads");
            }
        });
        writer.finishAndCheck();

        for (Map.Entry<TopicPartition, List<Integer>> moved : targets.entrySet()) {
            TopicPartition tp = moved.getKey();
            TestNode gone = cluster.node(removed.get(tp));
            await().atMost(Duration.ofSeconds(60)).until(() -> gone.replica(tp).isEmpty()
                    && !Files.exists(dir.resolve("node-" + removed.get(tp)).resolve(tp.toString())));
            List<TestNode> holders = moved.getValue().stream().map(cluster::node).toList();
            await().atMost(Duration.ofSeconds(60)).until(() -> holders.stream()
                    .map(node -> node.replica(tp).orElseThrow().logEndOffset()).distinct().count() == 1);
            byte[] first = SegmentFiles.bytes(dir.resolve("node-" + moved.getValue().get(0)), tp.topic(), tp.partition());
            byte[] second = SegmentFiles.bytes(dir.resolve("node-" + moved.getValue().get(1)), tp.topic(), tp.partition());
            assertTrue(first.length > 0);
            assertTrue(Arrays.equals(first, second), tp + ": the new replica holds the leader's bytes");
        }
    }

    @Test
    void aMoveToABrokerThatIsDownWaitsForItAndACancellationGoesBack() throws Exception {
        String topic = "waiting";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 2))).all().get();
        TopicPartition tp = new TopicPartition(topic, 0);
        List<Integer> before = ids(describe(topic).partitions().get(0).replicas());
        int down = Set.of(1, 2, 3).stream().filter(id -> !before.contains(id)).findFirst().orElseThrow();
        cluster.node(down).close();
        try (Admin survivors = cluster.admin()) {
            List<Integer> target = List.of(before.get(0), down);
            survivors.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(target))))
                    .all().get();
            PartitionReassignment ongoing = survivors.listPartitionReassignments().reassignments().get().get(tp);
            assertEquals(List.of(before.get(0), down, before.get(1)), ongoing.replicas());
            assertEquals(List.of(down), ongoing.addingReplicas());
            assertEquals(List.of(before.get(1)), ongoing.removingReplicas());

            ExecutionException again = assertThrows(ExecutionException.class, () -> survivors
                    .alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(9)))))
                    .all().get());
            assertTrue(again.getCause() instanceof InvalidReplicaAssignmentException, again.toString());

            survivors.alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get();
            assertEquals(Map.of(), survivors.listPartitionReassignments().reassignments().get());
            TopicPartitionInfo back = survivors.describeTopics(List.of(topic)).allTopicNames().get().get(topic)
                    .partitions().get(0);
            assertEquals(Set.copyOf(before), Set.copyOf(ids(back.replicas())));
            ExecutionException none = assertThrows(ExecutionException.class, () -> survivors
                    .alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get());
            assertTrue(none.getCause() instanceof NoReassignmentInProgressException, none.toString());
        } finally {
            cluster.node(down).start();
        }
        cluster.awaitAll("broker " + down + " back", image -> image.unfencedBrokerIds().contains(down));
        assertFalse(cluster.node(down).replica(tp).isPresent(), "it never became a replica");
    }
}
