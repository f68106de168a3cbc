package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.ChildJvm;
import io.skein.testing.KafkaTools;
import io.skein.testing.ProcessCluster;
import io.skein.testing.ProcessCluster.Node;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's {@code kafka-leader-election.sh} (ElectLeaders, KIP-460) against three broker processes:
 * preferred elections after a preferred replica comes back, and an unclean one of a partition whose
 * ISR is gone, which a preferred election refuses.
 */
@Timeout(600)
class LeaderElectionToolTest {
    private static final String TOOL = "org.apache.kafka.tools.LeaderElectionCommand";

    @TempDir
    static Path dir;
    static ProcessCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        // Leaders stay where stops put them: only the tool moves them.
        cluster = ProcessCluster.start(dir, 3, Map.of("auto.leader.rebalance.enable", "false"),
                Map.of("broker.heartbeat.interval.ms", "500"));
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @AfterEach
    void restartStoppedBrokers() throws Exception {
        for (Node broker : cluster.brokers()) {
            if (!broker.isRunning()) {
                broker.start();
            }
        }
    }

    private static ChildJvm.Result election(String... args) throws Exception {
        return KafkaTools.run(cluster.bootstrap(), null, TOOL, args);
    }

    /** An admin client patient enough for a busy machine. */
    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 120_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000));
    }

    private static TopicDescription describe(String topic) throws Exception {
        try (Admin admin = admin()) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        }
    }

    private static void create(String topic, int partitions, int replicas) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) replicas))).all().get();
        }
        for (int p = 0; p < partitions; p++) {
            cluster.awaitAll("an ISR of " + replicas, null, topic, p, partition -> partition.isrNodes().size() == replicas);
        }
    }

    private static int preferred(TopicPartitionInfo partition) {
        return partition.replicas().get(0).id();
    }

    @Test
    void aPreferredElectionGivesLeadershipBackToARestartedPreferredReplica() throws Exception {
        create("preferred", 3, 3);
        List<Integer> ledBy1 = describe("preferred").partitions().stream().filter(p -> preferred(p) == 1)
                .map(TopicPartitionInfo::partition).toList();
        assertFalse(ledBy1.isEmpty(), "broker 1 is the preferred replica of a partition");
        Node one = cluster.broker(1);

        one.stop();
        for (int p : ledBy1) {
            cluster.awaitAll("another leader", one, "preferred", p, partition -> partition.leaderId() != 1);
        }
        one.start();
        for (int p = 0; p < 3; p++) {
            cluster.awaitAll("broker 1 back in the ISR", null, "preferred", p, partition -> partition.isrNodes().size() == 3);
        }
        assertTrue(describe("preferred").partitions().stream().allMatch(p -> p.leader().id() != 1),
                "without the tool, broker 1 leads nothing again");

        // Every partition: answered, as Kafka answers, only for those whose election was needed.
        String all = KafkaTools.succeeded(election("--election-type", "preferred", "--all-topic-partitions"));
        String elected = ledBy1.stream().map(p -> "preferred-" + p).sorted().collect(Collectors.joining(", "));
        assertTrue(all.contains("Successfully completed leader election (PREFERRED) for partitions " + elected), all);
        assertFalse(all.contains("Valid replica already elected"), all);
        for (int p : ledBy1) {
            cluster.awaitAll("broker 1 leading", null, "preferred", p, partition -> partition.leaderId() == 1);
        }

        String again = KafkaTools.succeeded(election("--election-type", "preferred", "--topic", "preferred",
                "--partition", Integer.toString(ledBy1.get(0))));
        assertTrue(again.contains("Valid replica already elected for partitions preferred-" + ledBy1.get(0)), again);

        ChildJvm.Result unknown = election("--election-type", "preferred", "--topic", "nothing", "--partition", "0");
        assertNotEquals(0, unknown.exitCode(), unknown.output());
        assertTrue(unknown.output().contains("Error completing leader election (PREFERRED) for partition: nothing-0: "
                + "org.apache.kafka.common.errors.UnknownTopicOrPartitionException"), unknown.output());
    }

    @Test
    void anUncleanElectionLeadsAPartitionWhoseIsrIsGoneOnlyWhenAskedFor() throws Exception {
        create("lost", 1, 2);
        TopicPartitionInfo before = describe("lost").partitions().get(0);
        Node last = cluster.broker(before.leader().id());
        Node behind = cluster.broker(before.replicas().stream().filter(r -> r.id() != last.id()).findFirst()
                .orElseThrow().id());

        behind.stop();
        cluster.awaitAll("an ISR of the leader alone", behind, "lost", 0, partition -> partition.isrNodes().size() == 1);
        last.stop();
        cluster.awaitAll("no leader", last, "lost", 0, partition -> partition.leaderId() == -1);
        behind.start(); // out of the ISR when it went: not a replica that may lead without loss
        cluster.awaitAll("still no leader", null, "lost", 0, partition -> partition.leaderId() == -1);

        ChildJvm.Result preferred = election("--election-type", "preferred", "--topic", "lost", "--partition", "0");
        assertNotEquals(0, preferred.exitCode(), preferred.output());
        assertTrue(preferred.output().contains("Error completing leader election (PREFERRED) for partition: lost-0: "
                + "org.apache.kafka.common.errors.PreferredLeaderNotAvailableException"), preferred.output());
        cluster.awaitAll("no leader after a preferred election", null, "lost", 0,
                partition -> partition.leaderId() == -1);

        String unclean = KafkaTools.succeeded(election("--election-type", "unclean", "--topic", "lost",
                "--partition", "0"));
        assertTrue(unclean.contains("Successfully completed leader election (UNCLEAN) for partitions lost-0"), unclean);
        cluster.awaitAll("the live replica leading", null, "lost", 0, partition -> partition.leaderId() == behind.id()
                && partition.isrNodes().equals(List.of(behind.id())));

        String again = KafkaTools.succeeded(election("--election-type", "unclean", "--topic", "lost",
                "--partition", "0"));
        assertTrue(again.contains("Valid replica already elected for partitions lost-0"), again);
    }
}
