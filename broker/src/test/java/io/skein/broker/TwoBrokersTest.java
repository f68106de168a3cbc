package io.skein.broker;

import static io.skein.testing.RawKafkaClient.batch;
import static io.skein.testing.RawKafkaClient.only;
import static io.skein.testing.RawKafkaClient.produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.RawKafkaClient;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A combined node and a broker-only node: both serve clients, the controller spreads partitions over
 * them, and a request for a partition sent to the broker that does not hold it is refused with
 * NOT_LEADER_OR_FOLLOWER, naming the leader and its endpoint where the version carries them (KIP-951),
 * so that the client goes to the right one.
 */
@Timeout(120)
class TwoBrokersTest {
    @TempDir
    Path dir;

    @Test
    void requestsForAPartitionLedElsewhereAreRefused() throws Exception {
        try (TestNode first = TestNode.start(dir.resolve("1"));
             TestNode second = TestNode.startBroker(dir.resolve("2"), first, 2);
             Admin admin = Admin.create(Map.of("bootstrap.servers", first.bootstrap()))) {
            assertEquals(Set.of(1, 2), admin.describeCluster().nodes().get().stream().map(Node::id)
                    .collect(Collectors.toSet()));
            admin.createTopics(List.of(new NewTopic("spread", 2, (short) 1))).all().get();
            // Both brokers must know the topic and its leaders before each is asked about it.
            TestNode.awaitAll(List.of(first, second), "topic spread with both partitions led", image ->
                    image.topic("spread") != null && image.topic("spread").partitions().size() == 2
                            && image.topic("spread").partitions().values().stream().allMatch(p -> p.hasLeader()));
            TopicDescription spread = admin.describeTopics(List.of("spread")).allTopicNames().get().get("spread");
            assertEquals(Set.of(1, 2), spread.partitions().stream().map(p -> p.leader().id()).collect(Collectors.toSet()));
            int ledBySecond = spread.partitions().stream().filter(p -> p.leader().id() == 2)
                    .mapToInt(TopicPartitionInfo::partition).findFirst().orElseThrow();

            int leaderEpoch = second.image().topic("spread").partition(ledBySecond).leaderEpoch();
            String secondHost = second.bootstrap().substring(0, second.bootstrap().lastIndexOf(':'));
            int secondPort = Integer.parseInt(second.bootstrap().substring(second.bootstrap().lastIndexOf(':') + 1));

            try (RawKafkaClient toFirst = new RawKafkaClient(first.bootstrap());
                 RawKafkaClient toSecond = new RawKafkaClient(second.bootstrap())) {
                ProduceResponseData refused = toFirst.call(produce("spread", ledBySecond, (short) 1,
                        batch(List.of("x"))), (short) 12);
                assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), only(refused).errorCode());
                assertEquals(2, only(refused).currentLeader().leaderId(), "names the leader (KIP-951)");
                assertEquals(leaderEpoch, only(refused).currentLeader().leaderEpoch());
                assertEquals(List.of(new ProduceResponseData.NodeEndpoint().setNodeId(2).setHost(secondHost)
                        .setPort(secondPort)), List.copyOf(refused.nodeEndpoints()), "and where to reach it");
                assertEquals(Errors.NONE.code(), only(toSecond.call(
                        produce("spread", ledBySecond, (short) 1, batch(List.of("x"))), (short) 12)).errorCode());

                FetchResponseData fetched = toFirst.call(fetch("spread", ledBySecond), (short) 12);
                FetchResponseData.PartitionData old = fetched.responses().get(0).partitions().get(0);
                assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), old.errorCode());
                assertEquals(-1, old.currentLeader().leaderId(), "Fetch names the leader from v16 only, as Kafka");
                Uuid topicId = admin.describeTopics(List.of("spread")).allTopicNames().get().get("spread").topicId();
                FetchRequestData byId = fetch("spread", ledBySecond);
                byId.topics().get(0).setTopic(null).setTopicId(topicId);
                FetchResponseData v16 = toFirst.call(byId, (short) 16);
                FetchResponseData.PartitionData named = v16.responses().get(0).partitions().get(0);
                assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), named.errorCode());
                assertEquals(new FetchResponseData.LeaderIdAndEpoch().setLeaderId(2).setLeaderEpoch(leaderEpoch),
                        named.currentLeader());
                assertEquals(List.of(new FetchResponseData.NodeEndpoint().setNodeId(2).setHost(secondHost)
                        .setPort(secondPort)), List.copyOf(v16.nodeEndpoints()));
            }
            assertTrue(second.node().broker().isPresent() && second.node().controller().isEmpty());
        }
    }

    /**
     * As in Kafka's KRaft mode, Metadata and DescribeCluster name a random live broker as controller:
     * clients cannot reach the controllers, any broker forwards their requests, and so they spread.
     */
    @Test
    void metadataNamesARandomLiveBrokerController() throws Exception {
        try (TestNode first = TestNode.start(dir.resolve("1"));
             TestNode second = TestNode.startBroker(dir.resolve("2"), first, 2);
             RawKafkaClient client = new RawKafkaClient(first.bootstrap())) {
            Set<Integer> named = new HashSet<>();
            for (int i = 0; i < 40; i++) {
                MetadataResponseData metadata = client.call(new MetadataRequestData().setTopics(List.of()), (short) 12);
                named.add(metadata.controllerId());
                DescribeClusterResponseData cluster = client.call(new DescribeClusterRequestData(), (short) 1);
                named.add(cluster.controllerId());
            }
            assertEquals(Set.of(1, 2), named, "never one broker only, never a broker that is not live");
        }
    }

    private static FetchRequestData fetch(String topic, int partition) {
        FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
                .setMaxBytes(1 << 20);
        request.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(0)
                        .setPartitionMaxBytes(1 << 20))));
        return request;
    }
}
