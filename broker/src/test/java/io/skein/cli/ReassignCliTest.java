package io.skein.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.testing.TestCluster;
import io.skein.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "add a broker" story with {@code skein reassign} on real nodes: three brokers hold a topic, a
 * fourth joins, {@code propose} plans an even spread of replicas and preferred leaders that copies only
 * the newcomer's share, {@code execute} runs it throttled, {@code status} follows it and removes the
 * throttles when it is done; {@code cancel} stops a move that cannot finish.
 */
@Timeout(300)
class ReassignCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestCluster cluster;
    static TestNode added;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of());
        try (var admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic("orders", 8, (short) 2))).all().get();
        }
        added = TestNode.startBroker(dir.resolve("node-4"), cluster.node(1), 4);
    }

    @AfterAll
    static void stopCluster() {
        if (added != null) {
            added.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static CliRun reassign(String... args) {
        List<String> all = new ArrayList<>(List.of("reassign"));
        all.addAll(List.of(args));
        return CliRun.atAdmin(cluster.node(1).adminAddress(), all.toArray(String[]::new));
    }

    private static Map<Integer, List<Integer>> placement(MetadataImage image) {
        Map<Integer, List<Integer>> replicas = new HashMap<>();
        image.topic("orders").partitions().forEach((id, partition) -> replicas.put(id, partition.replicas()));
        return replicas;
    }

    @Test
    void aBrokerAddedGetsItsShareThroughAThrottledPlanThatStatusFollowsToTheEnd() throws Exception {
        Path planFile = dir.resolve("plan.json");
        JsonNode plan = reassign("propose", "--topic", "orders", "--output-file", planFile.toString(), "-o", "json")
                .json();
        for (JsonNode share : plan.get("after")) {
            assertEquals(4, share.get("replicas").asInt(), plan.toString());
            assertEquals(2, share.get("preferredLeaders").asInt(), plan.toString());
        }
        assertEquals(4, plan.get("replicasCopied").asInt(), "broker 4's share of the 16 replicas, nothing else");
        JsonNode written = JSON.readTree(Files.readString(planFile));
        assertEquals(1, written.get("version").asInt());
        assertEquals(plan.get("moves").size(), written.get("partitions").size());
        CliRun table = reassign("propose", "--topic", "orders");
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().contains("4 replicas to copy"), table.out());

        CliRun started = reassign("execute", "--plan", planFile.toString(), "--throttle", "10000000");
        assertEquals(0, started.exitCode(), started.err() + started.out());
        assertTrue(started.out().contains("Follow them with: skein reassign status"), started.out());
        MetadataImage throttled = cluster.node(1).image();
        assertTrue(throttled.configs(new ConfigResource(ConfigResourceType.BROKER, "4"))
                .containsKey("follower.replication.throttled.rate"), "the throttle is set on the brokers involved");

        await().atMost(Duration.ofSeconds(120)).until(() -> reassign("status", "-o", "json").json()
                .get("reassignments").isEmpty());
        MetadataImage moved = cluster.node(1).image();
        for (JsonNode partition : written.get("partitions")) {
            List<Integer> target = new ArrayList<>();
            partition.get("replicas").forEach(r -> target.add(r.asInt()));
            assertEquals(target, placement(moved).get(partition.get("partition").asInt()));
        }
        CliRun done = reassign("status");
        assertEquals(0, done.exitCode(), done.err());
        assertTrue(done.out().startsWith("No partition reassignments in progress."), done.out());
        cluster.awaitAll("no replication throttles", image -> image.brokers().keySet().stream().noneMatch(id ->
                image.configs(new ConfigResource(ConfigResourceType.BROKER, Integer.toString(id)))
                        .containsKey("leader.replication.throttled.rate"))
                && !image.configs(new ConfigResource(ConfigResourceType.TOPIC, "orders"))
                .containsKey("follower.replication.throttled.replicas"));
        JsonNode balanced = reassign("propose", "--topic", "orders", "-o", "json").json();
        assertEquals(0, balanced.get("moves").size(), "the plan left nothing to balance");
    }

    @Test
    void aMoveToABrokerThatIsDownShowsInStatusUntilCancelled() throws Exception {
        try (var admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic("stuck", 1, (short) 1))).all().get();
        }
        cluster.awaitAll("stuck", image -> image.topic("stuck") != null);
        PartitionRegistration before = cluster.node(1).image().topic("stuck").partition(0);
        int down = before.replicas().get(0) == 4 ? 3 : 4;
        TestNode downNode = down == 4 ? added : cluster.node(3);
        Path planFile = dir.resolve("stuck.json");
        Files.writeString(planFile, "{\"version\":1,\"partitions\":[{\"topic\":\"stuck\",\"partition\":0,"
                + "\"replicas\":[" + before.replicas().get(0) + "," + down + "],\"log_dirs\":[\"any\",\"any\"]}]}");
        Files.writeString(dir.resolve("bad.json"), "{\"version\":1,\"partitions\":[{\"topic\":\"stuck\"}]}");
        assertEquals(2, reassign("execute", "--plan", dir.resolve("bad.json").toString()).exitCode());

        downNode.close();
        try {
            CliRun started = reassign("execute", "--plan", planFile.toString());
            assertEquals(0, started.exitCode(), started.err() + started.out());
            CliRun moving = reassign("status");
            assertTrue(moving.out().contains(down + ": unknown"), moving.out());
            assertTrue(moving.out().contains("1 partitions are moving."), moving.out());

            CliRun cancelled = reassign("cancel", "--topic", "stuck");
            assertEquals(0, cancelled.exitCode(), cancelled.err());
            assertTrue(cancelled.out().contains("Cancelled 1 moves."), cancelled.out());
            assertEquals(before.replicas(), cluster.node(1).image().topic("stuck").partition(0).replicas());
            CliRun none = reassign("cancel", "--all");
            assertEquals(1, none.exitCode());
            assertTrue(none.err().contains("NO_REASSIGNMENT_IN_PROGRESS"), none.err());
        } finally {
            downNode.start();
        }
        cluster.awaitAll("broker " + down + " back", image -> image.unfencedBrokerIds().contains(down));
        TopicImage stuck = cluster.node(1).image().topic("stuck");
        assertFalse(stuck.partition(0).isReassigning());
    }
}
