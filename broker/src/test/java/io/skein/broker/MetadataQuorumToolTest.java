package io.skein.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.MetaProperties;
import io.skein.metadata.quorum.MetadataQuorum;
import io.skein.testing.EveryBroker;
import io.skein.testing.KafkaTools;
import io.skein.testing.ProcessCluster;
import io.skein.testing.TestCluster;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's {@code kafka-metadata-quorum.sh describe} (DescribeQuorum) against three combined nodes and
 * against split roles: the Ratis quorum's leader, term and commit index, its voters with their
 * controller endpoints and lag, and the brokers as observers.
 */
@Timeout(600)
class MetadataQuorumToolTest {
    private static final String TOOL = "org.apache.kafka.tools.MetadataQuorumCommand";

    /** A row of {@code describe --replication}. */
    private record Replica(int id, String directoryId, long logEndOffset, long lag, long lastFetch, long lastCaughtUp,
                           String status) {
    }

    private static String status(String bootstrap) throws Exception {
        return KafkaTools.succeeded(KafkaTools.run(bootstrap, null, TOOL, "describe", "--status"));
    }

    /** {@code describe --status}'s "Name: value" lines. */
    private static Map<String, String> statusFields(String bootstrap) throws Exception {
        Map<String, String> fields = new HashMap<>();
        for (String line : status(bootstrap).split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.substring(0, colon).contains(" ")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    private static Map<Integer, Replica> replication(String bootstrap) throws Exception {
        String output = KafkaTools.succeeded(KafkaTools.run(bootstrap, null, TOOL, "describe", "--replication"));
        Map<Integer, Replica> rows = new TreeMap<>();
        for (String line : output.split("\n")) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length == 7 && columns[0].matches("\\d+")) {
                rows.put(Integer.parseInt(columns[0]), new Replica(Integer.parseInt(columns[0]), columns[1],
                        Long.parseLong(columns[2]), Long.parseLong(columns[3]), Long.parseLong(columns[4]),
                        Long.parseLong(columns[5]), columns[6]));
            }
        }
        assertTrue(output.contains("NodeId") && output.contains("LastCaughtUpTimestamp"), output);
        return rows;
    }

    /** As Kafka 4.3's tool prints a voter of a static quorum: without a directory id. */
    private static String voter(int id, int port) {
        return "{\"id\": " + id + ", \"endpoints\": [\"CONTROLLER://127.0.0.1:" + port + "\"]}";
    }

    private static MetadataQuorum quorum(TestNode node) {
        return node.node().controller().orElseThrow().quorum();
    }

    @Test
    void describesTheQuorumOfThreeCombinedNodesAndAVoterFallingBehind(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = TestCluster.start(dir, 3, Map.of())) {
            String clusterId = MetaProperties.read(cluster.node(1).config().logDirs().get(0)).orElseThrow().clusterId();
            // The leader may move on a busy machine between the tool's answer and this test's look: ask until they agree.
            await().atMost(EveryBroker.WITHIN).ignoreExceptions().untilAsserted(() -> {
                Map<String, String> status = statusFields(cluster.bootstrap());
                TestNode leader = cluster.nodes().stream().filter(n -> quorum(n).isLeader()).findFirst().orElseThrow();
                assertEquals(clusterId, status.get("ClusterId"));
                assertEquals(Integer.toString(leader.config().nodeId()), status.get("LeaderId"));
                assertEquals(Long.toString(quorum(leader).describeSelf().term()), status.get("LeaderEpoch"));
                assertTrue(Long.parseLong(status.get("HighWatermark")) > 0, status.toString());
                assertEquals("[" + cluster.nodes().stream().map(n -> voter(n.config().nodeId(),
                                n.config().controllerListener().orElseThrow().port())).collect(Collectors.joining(", ")) + "]",
                        status.get("CurrentVoters"));
                assertEquals("[]", status.get("CurrentObservers"), "a combined node is a voter, not an observer");
            });

            Map<Integer, Replica> replicas = replication(cluster.bootstrap());
            assertEquals(Set.of(1, 2, 3), replicas.keySet());
            List<Replica> leaders = replicas.values().stream().filter(r -> r.status().equals("Leader")).toList();
            assertEquals(1, leaders.size(), replicas.toString());
            assertEquals(2, replicas.values().stream().filter(r -> r.status().equals("Follower")).count());
            Replica leaderRow = leaders.get(0);
            assertEquals(0, leaderRow.lag());
            assertTrue(leaderRow.lastFetch() > 0 && leaderRow.lastCaughtUp() > 0, leaderRow.toString());
            assertTrue(replicas.values().stream().allMatch(r -> r.directoryId().equals("AAAAAAAAAAAAAAAAAAAAAA")),
                    "a static quorum's voters have no directory id: " + replicas);

            int stoppedId = replicas.values().stream().filter(r -> r.status().equals("Follower")).findFirst()
                    .orElseThrow().id();
            TestNode stopped = cluster.node(stoppedId);
            stopped.close();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 120_000))) {
                admin.createTopics(List.of(new NewTopic("while-one-voter-is-down", 3, (short) 2))).all().get();
            }
            await().atMost(EveryBroker.WITHIN).ignoreExceptions().untilAsserted(() -> {
                Map<Integer, Replica> now = replication(cluster.bootstrap());
                Replica behind = now.get(stoppedId);
                assertTrue(behind.lag() > 0 && behind.lastCaughtUp() == -1, now.toString());
                assertTrue(now.values().stream().filter(r -> r.id() != stoppedId).allMatch(r -> r.lag() == 0),
                        now.toString());
            });

            stopped.start();
            await().atMost(EveryBroker.WITHIN).ignoreExceptions().untilAsserted(() -> {
                Replica back = replication(cluster.bootstrap()).get(stoppedId);
                assertEquals(0, back.lag(), back.toString());
                assertTrue(back.lastCaughtUp() > 0, back.toString());
            });
        }
    }

    @Test
    void describesSplitRolesWithTheBrokersAsObservers(@TempDir Path dir) throws Exception {
        try (ProcessCluster cluster = ProcessCluster.splitRoles(dir, 3, 1, Map.of())) {
            await().atMost(EveryBroker.WITHIN).ignoreExceptions().untilAsserted(() -> {
                Map<String, String> status = statusFields(cluster.bootstrap());
                assertEquals("[" + cluster.controllers().stream().map(c -> voter(c.id(),
                                Integer.parseInt(c.address().substring(c.address().lastIndexOf(':') + 1))))
                        .collect(Collectors.joining(", ")) + "]", status.get("CurrentVoters"));
                assertEquals("[{\"id\": 1}]", status.get("CurrentObservers"));
                assertTrue(Set.of("101", "102", "103").contains(status.get("LeaderId")), status.toString());
            });
            await().atMost(EveryBroker.WITHIN).ignoreExceptions().untilAsserted(() -> {
                Map<Integer, Replica> replicas = replication(cluster.bootstrap());
                assertEquals(Set.of(1, 101, 102, 103), replicas.keySet());
                Replica broker = replicas.get(1);
                assertEquals("Observer", broker.status());
                assertTrue(broker.logEndOffset() > 0 && broker.lastFetch() > 0 && broker.lastCaughtUp() > 0,
                        broker.toString());
                assertEquals(0, broker.lag(), "a quiet cluster's broker has applied everything: " + broker);
            });
        }
    }
}
