package io.skein.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.testing.AcksAllWriter;
import io.skein.testing.ProcessCluster;
import io.skein.testing.ProcessCluster.ControllerTerm;
import io.skein.testing.ProcessCluster.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Split roles, every node its own process started from a config file: three controllers (the Ratis
 * quorum) and three brokers. Killing the active controller (SIGKILL) while topics are being created
 * and records produced: another controller takes over, every topic ends up created and led, no
 * acknowledged record is lost, and no broker is fenced: every broker's metadata stream broke with the
 * dead controller, and the new one suspects every broker when it takes over, but a live broker
 * heartbeats, or its listeners accept the new controller's probe.
 */
@Timeout(300)
class SplitRolesTest {
    private static final int TOPICS = 20;
    /** Topics the creator makes after the kill, at least. */
    private static final int CREATED_AFTER_KILL = 3;

    @TempDir
    Path dir;

    @Test
    void theClusterCarriesOnWhenTheActiveControllerDiesDuringTopicCreationAndProduce() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.splitRoles(dir, 3, 3,
                Map.of("broker.heartbeat.interval.ms", "500", "broker.session.timeout.ms", "6000"))) {
            try (Admin admin = admin(cluster)) {
                admin.createTopics(List.of(new NewTopic("steady", 3, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
            }
            AcksAllWriter writer = new AcksAllWriter(cluster.bootstrap(), "steady", 3);
            ControllerTerm before = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(cluster::activeController, term -> true);

            // The creator goes on until it has created TOPICS and, whatever the machine's speed, a few more
            // after the kill: the kill always lands while topics are being created.
            List<String> created = new CopyOnWriteArrayList<>();
            AtomicBoolean killDone = new AtomicBoolean();
            CompletableFuture<Void> creating = CompletableFuture.runAsync(() -> {
                try (Admin admin = admin(cluster)) {
                    int afterKill = 0;
                    for (int i = 0; i < TOPICS || afterKill < CREATED_AFTER_KILL; i++) {
                        boolean killed = killDone.get();
                        createRetrying(admin, "created-" + i);
                        created.add("created-" + i);
                        afterKill += killed ? 1 : 0;
                    }
                }
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> created.size() >= 3 || creating.isDone());
            assertFalse(creating.isCompletedExceptionally(), () -> "creating topics failed: " + creating);
            Node killed = cluster.controller(before.nodeId());
            killed.kill();
            killDone.set(true);

            creating.get(180, TimeUnit.SECONDS);
            ControllerTerm after = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(cluster::activeController, term -> term.term() > before.term());
            assertNotEquals(before.nodeId(), after.nodeId(), "a surviving controller leads");

            try (Admin admin = admin(cluster);
                 KafkaProducer<String, String> producer = AcksAllWriter.producer(cluster.bootstrap(), "all")) {
                Map<String, TopicDescription> topics = admin.describeTopics(created).allTopicNames().get();
                assertEquals(created.size(), topics.size());
                for (TopicDescription topic : topics.values()) {
                    for (TopicPartitionInfo partition : topic.partitions()) {
                        assertTrue(partition.leader() != null && !partition.leader().isEmpty(), partition.toString());
                    }
                    producer.send(new ProducerRecord<>(topic.name(), "after the failover")).get(60, TimeUnit.SECONDS);
                }
            }
            writer.finishAndCheck();
            // Once every broker has heartbeat the new controller, no suspicion of the takeover is left to act on.
            try (Admin admin = admin(cluster)) {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> admin.describeMetadataQuorum()
                        .quorumInfo().get().observers().stream().filter(o -> o.lastFetchTimestamp().isPresent())
                        .count() == cluster.brokers().size());
            }
            JsonNode timeline = timeline(cluster.broker(1));
            assertEquals(List.of(), events(timeline, "BROKER_FENCED"), "no broker was fenced");
            assertEquals(List.of(), events(timeline, "BROKER_REGISTERED").stream()
                    .filter(e -> e.get("reason").asText().startsWith("registered again")).toList(), "nor restarted");
            assertTrue(timeline.get("missing").isEmpty(), "every broker's timeline is in: " + timeline.get("missing"));

            killed.start(); // it comes back as a follower of the quorum, and the cluster still serves
            try (Admin admin = admin(cluster)) {
                admin.createTopics(List.of(new NewTopic("after-restart", 1, (short) 3))).all().get();
            }
        }
    }

    /** The cluster's timeline, as {@code broker} gathers it from every broker. */
    private static JsonNode timeline(Node broker) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + broker.httpAddress() + "/api/timeline")).build(), BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return new ObjectMapper().readTree(response.body());
    }

    private static List<JsonNode> events(JsonNode timeline, String type) {
        return StreamSupport.stream(timeline.get("events").spliterator(), false)
                .filter(event -> event.get("type").asText().equals(type)).toList();
    }

    private static Admin admin(ProcessCluster cluster) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000));
    }

    /** Creates a topic; an answer lost to the failover makes a retry find it created, which is as good. */
    private static void createRetrying(Admin admin, String name) {
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            try {
                admin.createTopics(List.of(new NewTopic(name, 2, (short) 3))).all().get();
                return true;
            } catch (ExecutionException e) {
                return e.getCause() instanceof TopicExistsException;
            }
        });
    }
}
