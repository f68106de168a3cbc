package io.skein.broker.replica;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.skein.metadata.image.PartitionRegistration;
import io.skein.testing.ProcessCluster;
import io.skein.testing.ProcessCluster.Node;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.TcpProxy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 3 of issue 13: a leader whose ISR expansion the controller committed, but which never
 * heard so, must keep counting the new member for the high watermark until the metadata log tells
 * it the outcome (KIP-497's maximal ISR). Each broker reaches the controller through a proxy of its
 * own; the leader's proxy swallows every answer from the controller, so its AlterPartition takes
 * effect while its sender sees only a failure.
 */
@Timeout(300)
class IsrChangeInFlightTest {
    @TempDir
    static Path dir;
    static ProcessCluster cluster;
    static final Map<Integer, TcpProxy> proxies = new HashMap<>();

    @BeforeAll
    static void startCluster() throws Exception {
        // Sessions outlast the controller calls' 30 s deadline, so the deaf leader stays leader meanwhile.
        cluster = ProcessCluster.start(dir, 3, Map.of("broker.session.timeout.ms", "90000",
                        "auto.leader.rebalance.enable", "false"),
                Map.of("broker.heartbeat.interval.ms", "500", "replica.lag.time.max.ms", "2000",
                        "replica.fetch.backoff.ms", "200"),
                (brokerId, service) -> {
                    TcpProxy proxy = new TcpProxy(0, service);
                    proxies.put(brokerId, proxy);
                    return new InetSocketAddress("127.0.0.1", proxy.port());
                });
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
        proxies.values().forEach(TcpProxy::close);
    }

    @Test
    void aCommittedExpansionTheLeaderNeverHeardOfStillHoldsTheHighWatermark() throws Exception {
        String topic = "unheard";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                    .all().get();
        }
        awaitIsrSize(topic, 3);
        PartitionRegistration created = partition(topic);
        List<Node> followers = created.replicas().stream().filter(r -> r != created.leader()).map(cluster::broker).toList();
        Node leader = cluster.broker(created.leader());
        Node steady = followers.get(0);
        Node rejoining = followers.get(1);
        TcpProxy leaderToController = proxies.get(leader.id());

        rejoining.pause();
        awaitIsrSize(topic, 2);
        // The leader itself must know of the shrink, or it would still have it in flight and add no one.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> isrSeenBy(leader, topic) == 2);
        leaderToController.swallowAnswers();
        try {
            rejoining.resume(); // catches up: the leader asks to add it, and the controller commits that
            await().atMost(Duration.ofSeconds(60)).until(() -> partition(topic).isr().contains(rejoining.id()));
            rejoining.pause(); // in the committed ISR, and from now on it lacks every write
            // The leader's call has run out of time: as far as its sender knows, the expansion failed.
            await().atMost(Duration.ofSeconds(90)).until(() -> leader.log().contains("Cannot send the ISR"));
            try (RawKafkaClient client = new RawKafkaClient(leader.address())) {
                ProduceResponseData response = client.call(RawKafkaClient.produce(topic, 0, (short) -1,
                        RawKafkaClient.batch(List.of("must wait for every committed ISR member"))).setTimeoutMs(10_000),
                        (short) 12);
                Errors error = Errors.forCode(RawKafkaClient.only(response).errorCode());
                // Acknowledged, the write would be lost if the frozen member, in the ISR, were elected next.
                assertNotEquals(Errors.NONE, error, "acknowledged while ISR member " + rejoining.id()
                        + " (frozen) lacks it; ISR " + partition(topic).isr());
                assertEquals(Errors.REQUEST_TIMED_OUT, error);
            }
        } finally {
            leaderToController.heal();
            rejoining.resume();
        }
        awaitIsrSize(topic, 3);
        assertEquals(Stream.of(leader, steady, rejoining).map(Node::id).sorted().toList(),
                partition(topic).isr().stream().sorted().toList());
    }

    private static PartitionRegistration partition(String topic) {
        return cluster.controllerImage().topic(topic).partition(0);
    }

    /** The ISR size of partition 0 as {@code broker}'s own metadata image says. */
    private static int isrSeenBy(Node broker, String topic) throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(broker.address())) {
            return client.partitionMetadata(topic, 0).isrNodes().size();
        }
    }

    private static void awaitIsrSize(String topic, int size) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> partition(topic).isr().size() == size);
    }
}
