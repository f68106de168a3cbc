package io.skein.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.controller.QuorumController;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.node.NodeConfig;
import io.skein.proto.metadata.FenceBrokerRecord;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.testing.AcksAllWriter;
import io.skein.testing.ProcessCluster;
import io.skein.testing.ProcessCluster.Node;
import io.skein.testing.TcpProxy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broker failure detection with real broker processes around the controller in this JVM: a broker
 * whose process dies (SIGKILL) is fenced as gone, and its partitions led elsewhere, long before its
 * session could time out, so that an application's producer with kafka-clients' defaults carries on;
 * a broker that is only paused (SIGSTOP) keeps its session, its epoch and its place in every ISR, even
 * when its connections to the controller are reset while it cannot answer. The session timeout is
 * longer than every wait here, so no fencing seen here is the session timeout's; the records say which
 * it was. Each broker reaches the controller through a proxy of its own, which the test can reset.
 */
@Timeout(600)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrokerFailureDetectionTest {
    private static final String SESSION_TIMEOUT_MS = "900000";

    @TempDir
    static Path dir;
    static ProcessCluster cluster;
    static final Map<Integer, TcpProxy> proxies = new ConcurrentHashMap<>();
    /** Every record the controller commits from the start of the tests. */
    static final List<MetadataRecord> committed = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = ProcessCluster.start(dir, 3, Map.of(NodeConfig.BROKER_SESSION_TIMEOUT_MS, SESSION_TIMEOUT_MS,
                        NodeConfig.AUTO_LEADER_REBALANCE_ENABLE, "false"), Map.of(),
                (brokerId, service) -> {
                    TcpProxy proxy = new TcpProxy(0, service);
                    proxies.put(brokerId, proxy);
                    return new InetSocketAddress("127.0.0.1", proxy.port());
                });
        cluster.controllerServer().quorum().addPublisher((delta, image) -> {
            if (delta.image() != MetadataImage.EMPTY) { // not the whole image a new publisher gets first
                committed.addAll(delta.records());
            }
        });
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
        proxies.values().forEach(TcpProxy::close);
    }

    @Test
    @Order(1)
    void aPausedBrokerWhoseConnectionsAreResetKeepsItsSessionItsEpochAndItsIsrs() throws Exception {
        createTopic("paused", 3);
        Node paused = cluster.broker(2);
        MetadataImage before = cluster.controllerImage();
        QuorumController controller = cluster.controllerServer().controller();
        long probed = controller.brokerProbes().accepted();
        int recordsBefore = committed.size();

        paused.pause();
        try {
            // Its stream's connection resets as a dead process's would, and no heartbeat can come: the controller
            // suspects it, and once the grace is over probes its listener, which its kernel still accepts on.
            proxies.get(paused.id()).reset();
            await().atMost(Duration.ofSeconds(120)).until(() -> controller.brokerProbes().accepted() > probed);
        } finally {
            paused.resume();
        }
        createTopic("after-pause", 1); // which the resumed broker applies as every other does
        cluster.awaitAll("the topic made after the pause", null, "after-pause", 0, partition -> true);

        MetadataImage after = cluster.controllerImage();
        assertEquals(List.of(), fences(recordsBefore), "no broker was fenced");
        assertEquals(0, controller.brokerProbes().refused());
        assertEquals(before.broker(paused.id()).epoch(), after.broker(paused.id()).epoch(), "never registered again");
        assertFalse(after.broker(paused.id()).fenced());
        before.topic("paused").partitions().forEach((id, was) -> {
            PartitionRegistration now = after.topic("paused").partition(id);
            assertEquals(was.isr(), now.isr(), "paused-" + id + ": no ISR shrink");
            assertEquals(was.leaderEpoch(), now.leaderEpoch(), "paused-" + id + ": no leader election");
        });
    }

    @Test
    @Order(2)
    void aKilledLeaderIsFencedAsGoneAndAProducerWithDefaultSettingsLosesAndDuplicatesNothing() throws Exception {
        createTopic("killed", 3);
        AcksAllWriter writer = AcksAllWriter.withDefaultClient(cluster.bootstrap(), "killed", 3);
        await().atMost(Duration.ofSeconds(120)).until(() -> writer.acknowledged() >= 300);
        int victim = cluster.controllerImage().topic("killed").partition(0).leader();
        int recordsBefore = committed.size();

        cluster.broker(victim).kill();
        int ackedAtKill = writer.acknowledged();

        await().atMost(Duration.ofSeconds(120)).until(() -> !fences(recordsBefore).isEmpty());
        FenceBrokerRecord fence = fences(recordsBefore).get(0);
        assertEquals(victim, fence.getBrokerId());
        assertTrue(fence.getProcessGone(), "fenced as a process gone, not by its session: " + fence);
        cluster.controllerImage().topic("killed").partitions().forEach((id, partition) -> {
            assertTrue(partition.hasLeader() && partition.leader() != victim, "killed-" + id + ": " + partition);
            assertFalse(partition.isr().contains(victim), "killed-" + id + ": " + partition);
        });
        await().atMost(Duration.ofSeconds(120)).until(() -> writer.acknowledged() >= ackedAtKill + 300);
        writer.finishAndCheck();
    }

    /** The fencings committed since the {@code from}th record of the tests. */
    private static List<FenceBrokerRecord> fences(int from) {
        return committed.subList(from, committed.size()).stream().filter(MetadataRecord::hasFenceBroker)
                .map(MetadataRecord::getFenceBroker).toList();
    }

    /** An RF 3 topic, min.insync.replicas 2, with every replica in the ISR. */
    private static void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = cluster.admin(null)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get();
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> cluster.controllerImage().topic(topic) != null
                && cluster.controllerImage().topic(topic).partitions().values().stream()
                .allMatch(partition -> partition.isr().size() == 3));
    }
}
