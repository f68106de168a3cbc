package io.skein.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.testing.AcksAllWriter;
import io.skein.testing.ChildJvm;
import io.skein.testing.KafkaTools;
import io.skein.testing.ProcessCluster;
import io.skein.testing.ProcessCluster.ControllerTerm;
import io.skein.testing.SegmentFiles;
import io.skein.testing.TestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own kafka-reassign-partitions (4.3.1, in a JVM of its own) against real processes, three
 * combined nodes (broker and controller) and a broker that joins, under an idempotent acks=all writer
 * throughout: the new broker takes its share of a topic from --generate's plan and is killed while it
 * copies; the topic then leaves broker 1 while the node of the active controller is killed mid-move; a
 * third move is cancelled. Each move is throttled (--throttle) so that it is still under way when the
 * fault lands, whatever the machine's speed; re-running --execute --additional raises the throttle, and
 * --verify, once the moves are done, clears it. Nothing acknowledged is lost, and every replica ends up
 * with the same bytes.
 */
@Timeout(900)
class KafkaReassignPartitionsTest {
    private static final String TOOL = "org.apache.kafka.tools.reassign.ReassignPartitionsCommand";
    private static final String TOPIC = "moving";
    private static final int PARTITIONS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Bytes per second: slow enough that a partition's megabytes take seconds to copy, and above what the
     * writer's traffic to in-sync followers takes of a leader's throttle (which counts it too, as Kafka's
     * does), so that the new replicas get some.
     */
    private static final String SLOW = "262144";
    /** What each partition holds before the writer starts. */
    private static final int FILLED_KIB = 2048;
    private static final String FAST = "1000000000";

    @TempDir
    Path dir;

    private ChildJvm.Result tool(ProcessCluster cluster, String... args) throws Exception {
        return KafkaTools.run(cluster.bootstrap(), null, TOOL, args);
    }

    /** Writes {@code plan} to a file and runs --execute with it and {@code more} arguments. */
    private String execute(ProcessCluster cluster, String name, String plan, String... more) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, plan);
        List<String> args = new ArrayList<>(List.of("--execute", "--reassignment-json-file", file.toString()));
        args.addAll(List.of(more));
        return KafkaTools.succeeded(tool(cluster, args.toArray(String[]::new)));
    }

    /** --verify's report on {@code plan}. */
    private String verify(ProcessCluster cluster, String name) throws Exception {
        return KafkaTools.succeeded(tool(cluster, "--verify", "--reassignment-json-file",
                dir.resolve(name).toString()));
    }

    /** The JSON line that follows {@code heading} in a tool's output. */
    private static JsonNode jsonAfter(String output, String heading) throws IOException {
        List<String> lines = output.lines().toList();
        int at = lines.indexOf(heading);
        assertTrue(at >= 0, output);
        return JSON.readTree(lines.subList(at + 1, lines.size()).stream().filter(l -> l.startsWith("{"))
                .findFirst().orElseThrow());
    }

    private static Map<Integer, List<Integer>> targets(JsonNode plan) {
        Map<Integer, List<Integer>> targets = new HashMap<>();
        for (JsonNode partition : plan.get("partitions")) {
            List<Integer> replicas = new ArrayList<>();
            partition.get("replicas").forEach(r -> replicas.add(r.asInt()));
            targets.put(partition.get("partition").asInt(), replicas);
        }
        return targets;
    }

    /** A Kafka admin client of the running brokers, patient enough for a busy machine. */
    private static Admin admin(ProcessCluster cluster) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 120_000));
    }

    private static Map<Integer, List<Integer>> placement(ProcessCluster cluster) throws Exception {
        try (Admin admin = admin(cluster)) {
            TopicDescription topic = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
            Map<Integer, List<Integer>> replicas = new HashMap<>();
            for (TopicPartitionInfo partition : topic.partitions()) {
                replicas.put(partition.partition(), partition.replicas().stream().map(Node::id).toList());
            }
            return replicas;
        }
    }

    /** The bytes of partition {@code partition}'s log files on {@code broker}'s disk so far (0 if it has none). */
    private static long copied(ProcessCluster.Node broker, int partition) throws IOException {
        Path partitionDir = broker.logDir().resolve(TOPIC + "-" + partition);
        if (!Files.isDirectory(partitionDir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.filter(f -> f.toString().endsWith(".log")).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    /**
     * Waits until a replica {@code plan} adds on {@code copier} has copied part of its log, and checks that
     * the move is still under way.
     */
    private void awaitMidMove(ProcessCluster cluster, Map<Integer, List<Integer>> before,
                              Map<Integer, List<Integer>> plan, String planFile, int copier) throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            for (Map.Entry<Integer, List<Integer>> target : plan.entrySet()) {
                for (int broker : target.getValue()) {
                    if (broker == copier && !before.get(target.getKey()).contains(broker)
                            && copied(cluster.broker(broker), target.getKey()) > 0) {
                        return true;
                    }
                }
            }
            return false;
        });
        assertTrue(verify(cluster, planFile).contains("is still in progress"), "the throttle holds the move back");
    }

    /** A broker that {@code plan} adds to some partition. */
    private static int anyAdded(Map<Integer, List<Integer>> before, Map<Integer, List<Integer>> plan) {
        for (Map.Entry<Integer, List<Integer>> target : plan.entrySet()) {
            for (int broker : target.getValue()) {
                if (!before.get(target.getKey()).contains(broker)) {
                    return broker;
                }
            }
        }
        throw new AssertionError("the plan " + plan + " adds no replica to " + before);
    }

    /** Raises the throttle by running --execute again with --additional, and runs --verify until all is done. */
    private void finish(ProcessCluster cluster, String planFile, Map<Integer, List<Integer>> plan) throws Exception {
        String raised = execute(cluster, planFile, Files.readString(dir.resolve(planFile)), "--additional",
                "--throttle", FAST);
        assertTrue(raised.contains("The inter-broker throttle limit was set to " + FAST + " B/s"), raised);
        String[] done = new String[1];
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(2)).until(() -> {
            done[0] = verify(cluster, planFile);
            return !done[0].contains("still in progress");
        });
        assertTrue(done[0].contains("Clearing broker-level throttles"), done[0]);
        assertEquals(plan, placement(cluster));
    }

    @Test
    void kafkasToolMovesATopicUnderLoadThroughABrokerKillAControllerFailoverAndACancellation() throws Exception {
        Map<String, String> settings = Map.of("replica.fetch.max.bytes", "16384", "auto.leader.rebalance.enable", "false");
        try (ProcessCluster cluster = ProcessCluster.combined(dir,
                TestCluster.combinedSettings(dir, 3, "PLAINTEXT", id -> settings))) {
            try (Admin admin = admin(cluster)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
            }
            try (KafkaProducer<String, String> producer = AcksAllWriter.producer(cluster.bootstrap(), "all")) {
                String filler = "f".repeat(1024);
                for (int i = 0; i < PARTITIONS * FILLED_KIB; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, filler));
                }
            }
            AcksAllWriter writer = new AcksAllWriter(cluster.bootstrap(), TOPIC, PARTITIONS);

            // 1. A fourth broker joins; --generate spreads the topic over four; the newcomer dies mid-copy.
            ProcessCluster.Node added = cluster.addBroker(dir, 4, settings);
            Files.writeString(dir.resolve("topics.json"), "{\"version\":1,\"topics\":[{\"topic\":\"" + TOPIC + "\"}]}");
            String generated = KafkaTools.succeeded(tool(cluster, "--generate", "--topics-to-move-json-file",
                    dir.resolve("topics.json").toString(), "--broker-list", "1,2,3,4"));
            JsonNode spread = jsonAfter(generated, "Proposed partition reassignment configuration");
            Map<Integer, List<Integer>> spreadTargets = targets(spread);
            Map<Integer, List<Integer>> before = placement(cluster);
            assertTrue(spreadTargets.values().stream().anyMatch(r -> r.contains(4)), spread.toString());
            String started = execute(cluster, "spread.json", spread.toString(), "--throttle", SLOW);
            assertTrue(started.contains("Successfully started partition reassignment"), started);
            awaitMidMove(cluster, before, spreadTargets, "spread.json", 4);
            added.kill();
            assertTrue(verify(cluster, "spread.json").contains("is still in progress"));
            added.start();
            finish(cluster, "spread.json", spreadTargets);

            // 2. The topic leaves broker 1; the node of the active controller dies mid-move.
            String leaving = KafkaTools.succeeded(tool(cluster, "--generate", "--topics-to-move-json-file",
                    dir.resolve("topics.json").toString(), "--broker-list", "2,3,4"));
            JsonNode drain = jsonAfter(leaving, "Proposed partition reassignment configuration");
            Map<Integer, List<Integer>> drainTargets = targets(drain);
            before = placement(cluster);
            execute(cluster, "drain.json", drain.toString(), "--throttle", SLOW);
            awaitMidMove(cluster, before, drainTargets, "drain.json", anyAdded(before, drainTargets));
            ControllerTerm active = cluster.activeController();
            ProcessCluster.Node controller = cluster.controller(active.nodeId());
            controller.kill();
            ControllerTerm next = await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                    .until(cluster::activeController, term -> term.term() > active.term());
            assertNotEquals(active.nodeId(), next.nodeId());
            assertTrue(verify(cluster, "drain.json").contains("is still in progress"), "the move outlived its controller");
            controller.start();
            finish(cluster, "drain.json", drainTargets);
            await("broker 1 deletes the logs it no longer holds").atMost(Duration.ofSeconds(60)).until(() -> {
                for (int p = 0; p < PARTITIONS; p++) {
                    if (copied(cluster.broker(1), p) > 0) {
                        return false;
                    }
                }
                return true;
            });

            // 3. A move back to broker 1 is cancelled: the replicas of before stay, broker 1's copy goes.
            before = placement(cluster);
            List<Integer> back = new ArrayList<>(before.get(0));
            back.set(0, 1);
            String plan = "{\"version\":1,\"partitions\":[{\"topic\":\"" + TOPIC + "\",\"partition\":0,\"replicas\":"
                    + back + "}]}";
            execute(cluster, "back.json", plan, "--throttle", SLOW);
            awaitMidMove(cluster, before, Map.of(0, back), "back.json", 1);
            String cancelled = KafkaTools.succeeded(tool(cluster, "--cancel", "--reassignment-json-file",
                    dir.resolve("back.json").toString()));
            assertTrue(cancelled.contains("Successfully cancelled partition reassignment"), cancelled);
            assertEquals(Set.copyOf(before.get(0)), Set.copyOf(placement(cluster).get(0)));
            await().atMost(Duration.ofSeconds(60)).until(() -> copied(cluster.broker(1), 0) == 0);
            assertFalse(KafkaTools.succeeded(tool(cluster, "--list")).contains(TOPIC + "-0"));

            writer.finishAndCheck();
            Map<Integer, List<Integer>> end = placement(cluster);
            for (int p = 0; p < PARTITIONS; p++) {
                int partition = p;
                List<Integer> replicas = end.get(p);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    byte[] first = SegmentFiles.bytes(cluster.broker(replicas.get(0)).logDir(), TOPIC, partition);
                    assertTrue(first.length > 0);
                    for (int replica : replicas.subList(1, replicas.size())) {
                        assertArrayEquals(first, SegmentFiles.bytes(cluster.broker(replica).logDir(), TOPIC, partition),
                                TOPIC + "-" + partition + ": broker " + replica + " holds other bytes than broker "
                                        + replicas.get(0));
                    }
                });
            }
        }
    }
}
