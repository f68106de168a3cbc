package io.skein.broker.replica;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.metadata.image.PartitionRegistration;
import io.skein.testing.ProcessCluster;
import io.skein.testing.ProcessCluster.Node;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.SegmentFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A newly elected leader learns its followers' progress only from their next fetches, so its high
 * watermark may lag the offsets it leads from. Until it reaches where its epoch began, ListOffsets
 * for the latest offset answers OFFSET_NOT_AVAILABLE (retriable), as Kafka's does, rather than an
 * offset a client may have seen exceeded (issue 13).
 */
@Timeout(300)
class NewLeaderHighWatermarkTest {
    @TempDir
    static Path dir;
    static ProcessCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        // A frozen follower stays in the ISR, and its broker unfenced, for the length of the test.
        cluster = ProcessCluster.start(dir, 3, Map.of("broker.session.timeout.ms", "60000",
                        "auto.leader.rebalance.enable", "false"),
                Map.of("broker.heartbeat.interval.ms", "500", "replica.lag.time.max.ms", "60000",
                        "replica.fetch.backoff.ms", "200"));
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void aNewLeaderWhoseHighWatermarkLagsItsEpochStartAnswersOffsetNotAvailable() throws Exception {
        String topic = "lagging";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", "1"))))
                    .all().get();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> partition(topic) != null && partition(topic).isr().size() == 3);
        PartitionRegistration created = partition(topic);
        Node leader = cluster.broker(created.leader());
        List<Node> followers = created.replicas().stream().filter(r -> r != created.leader()).map(cluster::broker).toList();
        Node next = followers.get(0); // first in replica order: the controller elects it
        Node frozen = followers.get(1);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> leaderSeenBy(leader, topic) == leader.id());
        try (RawKafkaClient client = new RawKafkaClient(leader.address())) {
            for (int i = 0; i < 3; i++) {
                assertEquals(Errors.NONE.code(), RawKafkaClient.only(client.call(RawKafkaClient.produce(topic, 0,
                        (short) -1, RawKafkaClient.batch(List.of("everywhere-" + i))), (short) 12)).errorCode());
            }
            frozen.pause();
            for (int i = 0; i < 3; i++) { // the high watermark stays at 3: the frozen follower is in the ISR
                assertEquals(Errors.NONE.code(), RawKafkaClient.only(client.call(RawKafkaClient.produce(topic, 0,
                        (short) 1, RawKafkaClient.batch(List.of("beyond-" + i))), (short) 12)).errorCode());
            }
        }
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> logSize(next, topic) == logSize(leader, topic));
            leader.stop(); // controlled shutdown: the next replica leads from offset 6 at once
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> leaderSeenBy(next, topic) == next.id());
            ListOffsetsPartitionResponse lagging = latest(next, topic);
            assertEquals(Errors.OFFSET_NOT_AVAILABLE, Errors.forCode(lagging.errorCode()),
                    "answered offset " + lagging.offset() + " from a high watermark behind the epoch's start");
        } finally {
            frozen.resume();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> latest(next, topic).errorCode() == Errors.NONE.code());
        assertEquals(6, latest(next, topic).offset());
        leader.start();
    }

    private static PartitionRegistration partition(String topic) {
        return cluster.controllerImage().topic(topic) == null ? null : cluster.controllerImage().topic(topic).partition(0);
    }

    private static long logSize(Node broker, String topic) throws Exception {
        return SegmentFiles.bytes(broker.logDir(), topic, 0).length;
    }

    /** The leader of partition 0 as {@code broker}'s own metadata says. */
    private static int leaderSeenBy(Node broker, String topic) throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(broker.address())) {
            return client.partitionMetadata(topic, 0).leaderId();
        }
    }

    private static ListOffsetsPartitionResponse latest(Node broker, String topic) throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(broker.address())) {
            ListOffsetsResponseData response = client.call(new ListOffsetsRequestData().setReplicaId(-1)
                    .setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName(topic).setPartitions(List.of(
                            new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1))))),
                    (short) 7);
            return response.topics().get(0).partitions().get(0);
        }
    }
}
