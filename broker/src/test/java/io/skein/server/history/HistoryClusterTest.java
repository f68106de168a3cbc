package io.skein.server.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.skein.cli.CliRun;
import io.skein.node.NodeConfig;
import io.skein.proto.admin.AdminServiceGrpc;
import io.skein.proto.admin.GetHistoryRequest;
import io.skein.proto.admin.GetHistoryResponse;
import io.skein.proto.admin.GetTimelineRequest;
import io.skein.proto.admin.GetTimelineResponse;
import io.skein.proto.admin.TimelineEventType;
import io.skein.testing.StringClients;
import io.skein.testing.TestCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The history of a real three-node cluster under real Kafka clients, read as the console and
 * {@code skein top} read it: rates that add up to what the clients sent and to what {@code /metrics}
 * counted over the same window, a group's lag falling to 0 as a consumer catches up, the timeline of a
 * node's stop and return, and the cluster-wide view naming a stopped node as missing. Samples every
 * 500 ms; every wait is for a condition, with a deadline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(300)
class HistoryClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final int RECORDS = 200;
    private static final String LAGGED = "lagged";

    private TestCluster cluster;
    /** The node the third test stops and starts again. */
    private int stoppedOnce;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of(NodeConfig.METRICS_HISTORY_SAMPLE_INTERVAL_MS, "500",
                "offsets.topic.num.partitions", "3", "group.initial.rebalance.delay.ms", "0"));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * Each broker's rates, times the time between its samples, add up over a window to what its
     * {@code /metrics} counters counted in it, and over the brokers to what the clients sent and read;
     * the cluster's series is the brokers' sum at each time.
     */
    @Test
    @Order(1)
    void ratesAddUpToWhatTheClientsSentAndTheCountersCounted() throws Exception {
        String topic = "rates";
        createTopic(topic, 3);
        int[] ids = {1, 2, 3};
        for (int id : ids) {
            awaitNew(id, Long.MIN_VALUE, 2); // a sample with rates: one after the first
        }
        Map<Integer, Long> first = new HashMap<>();
        Map<Integer, Map<String, Double>> before = new HashMap<>();
        for (int id : ids) {
            first.put(id, newest(nodeHistory(id)));
            before.put(id, counters(id));
        }

        double sentBytes;
        try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, "0"))) {
            for (int i = 0; i < RECORDS; i++) { // one batch per record: a consumer reads exactly these batches
                producer.send(new ProducerRecord<>(topic, "key-" + i, "value " + i + " ".repeat(i % 50))).get();
            }
            sentBytes = clientMetric(producer.metrics(), "producer-topic-metrics", "byte-total", topic);
            assertEquals(RECORDS, clientMetric(producer.metrics(), "producer-topic-metrics", "record-send-total", topic));
        }
        readEverything(topic, 3, RECORDS);

        Map<Integer, Map<String, Double>> after = new HashMap<>();
        Map<Integer, Long> last = new HashMap<>();
        for (int id : ids) {
            after.put(id, counters(id));
        }
        for (int id : ids) { // the second sample stored after this read its counters after the scrape above
            last.put(id, awaitNew(id, newest(nodeHistory(id)), 2));
        }

        Map<String, Double> total = new HashMap<>();
        for (int id : ids) {
            JsonNode history = nodeHistory(id);
            for (String[] pair : new String[][] {{"messages_in", "messagesin"}, {"bytes_in", "bytesin"},
                    {"bytes_out", "bytesout"}}) {
                double counted = after.get(id).get(pair[1]) - before.get(id).get(pair[1]);
                double sampled = integral(history, pair[0], first.get(id), last.get(id));
                assertEquals(counted, sampled, 1e-6, "broker " + id + "'s " + pair[0] + " over its window");
                total.merge(pair[0], sampled, Double::sum);
            }
        }
        assertEquals(RECORDS, total.get("messages_in"), 1e-6);
        assertEquals(sentBytes, total.get("bytes_in"), 1e-6);
        assertEquals(sentBytes, total.get("bytes_out"), 1e-6, "a consumer read each batch once");

        JsonNode clusterView = get(2, "/api/history?series=bytes_in,requests,produce_p99_ms");
        assertEquals(List.of(1, 2, 3), ints(clusterView.get("nodes")));
        assertEquals(0, clusterView.get("missing").size());
        assertEquals(List.of("bytes_in", "requests", "produce_p99_ms"),
                StreamSupport.stream(clusterView.get("series").spliterator(), false).map(s -> s.get("name").asText())
                        .toList());
        assertEquals(500, clusterView.get("intervalMs").asLong());
        List<JsonNode> perNode = IntStream.of(ids).mapToObj(id -> {
            try {
                return nodeHistory(id);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        int compared = 0;
        for (long time = first.values().stream().mapToLong(Long::longValue).max().orElseThrow();
             time <= last.values().stream().mapToLong(Long::longValue).min().orElseThrow(); time += 500) {
            Double sum = 0.0;
            for (JsonNode node : perNode) {
                Double value = valueAt(node, "bytes_in", time);
                sum = value == null || sum == null ? null : sum + value;
            }
            if (sum != null) { // every broker sampled this moment (a late sampler leaves a gap)
                assertEquals(sum, valueAt(clusterView, "bytes_in", time), 1e-6, "the brokers' sum at " + time);
                compared++;
            }
        }
        assertTrue(compared > 0, "some moments were sampled by every broker");
        assertTrue(integral(clusterView, "requests", Long.MIN_VALUE, Long.MAX_VALUE) >= RECORDS,
                "each send was a produce request");
        assertTrue(StreamSupport.stream(values(clusterView, "produce_p99_ms").spliterator(), false)
                .anyMatch(v -> !v.isNull() && v.asDouble() > 0), "the leaders timed the produce requests");
    }

    /** A group behind by an hour-old minute of records, then caught up by a consumer: lag and rate over time. */
    @Test
    @Order(2)
    void groupLagFallsToZeroAsAConsumerCatchesUp() throws Exception {
        createTopic(LAGGED, 3);
        long written = System.currentTimeMillis() - 60_000;
        try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(), Map.of())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(LAGGED, i % 3, written, "k" + i, "v" + i)).get();
            }
        }
        String group = "catching-up";
        commitAtZero(group);
        JsonNode behind = awaitGroup(group, h -> last(h, "lag") != null && last(h, "lag") == RECORDS);
        assertTrue(last(behind, "lag_seconds") >= 60, "the oldest record not consumed is a minute old: " + behind);
        long allBehind = newest(behind);

        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(LAGGED));
            int read = 0;
            long deadline = System.nanoTime() + WITHIN.toNanos();
            while (read < RECORDS) {
                assertTrue(System.nanoTime() < deadline, "read " + read + " of " + RECORDS + " within " + WITHIN);
                int polled = consumer.poll(Duration.ofMillis(100)).count();
                if (polled > 0) {
                    consumer.commitSync();
                    read += polled;
                }
            }
        }
        JsonNode caughtUp = awaitGroup(group, h -> last(h, "lag") != null && last(h, "lag") == 0);
        assertEquals(0.0, last(caughtUp, "lag_seconds"));
        long zero = newest(caughtUp);
        assertTrue(valueAt(caughtUp, "lag", allBehind) == RECORDS, "the samples before are still kept");
        // The committed offsets went from 0 to the end: the consume rate over the time between adds up to it.
        assertEquals(RECORDS, integral(caughtUp, "consume_rate", allBehind, zero), 1e-6);
    }

    /**
     * A node stopped and started again: the timeline shows its partition's leader elected elsewhere,
     * its replicas leaving and rejoining ISRs and its fencing, the cluster's figures name it missing,
     * and {@code skein top} shows the unhealthy partitions, the missing node and the laggiest group.
     */
    @Test
    @Order(3)
    void aStoppedNodeShowsInTheTimelineTheViewsAndTop() throws Exception {
        String topic = "elected";
        createTopic(topic, 1);
        commitAtZero("stalled");
        awaitGroup("stalled", h -> last(h, "lag") != null && last(h, "lag") == RECORDS);
        int stopped = cluster.node(1).image().topic(topic).partition(0).leader();
        int survivor = stopped == 1 ? 2 : 1;
        stoppedOnce = stopped;
        long stoppedAt = System.currentTimeMillis();
        cluster.node(stopped).close();

        JsonNode timeline = await("the election and fencing in the timeline", () -> get(survivor,
                "/api/timeline?since=" + (stoppedAt - 1)), t -> has(t, e -> e.get("type").asText().equals("LEADER_ELECTED")
                && e.get("topic").asText().equals(topic) && e.get("oldLeader").asInt() == stopped)
                && has(t, e -> e.get("type").asText().equals("BROKER_FENCED") && e.get("broker").asInt() == stopped)
                && has(t, e -> e.get("type").asText().equals("ISR_CHANGED")
                && ints(e.get("oldIsr")).contains(stopped) && !ints(e.get("newIsr")).contains(stopped)));
        JsonNode election = find(timeline, e -> e.get("type").asText().equals("LEADER_ELECTED")
                && e.get("topic").asText().equals(topic));
        assertNotEquals(stopped, election.get("newLeader").asInt());
        assertTrue(ints(election.get("oldIsr")).contains(stopped) && !ints(election.get("newIsr")).contains(stopped));
        assertEquals("broker " + stopped + " shut down", election.get("reason").asText());
        assertEquals("controlled shutdown", find(timeline, e -> e.get("type").asText().equals("BROKER_FENCED"))
                .get("reason").asText());

        JsonNode view = await("the under-replicated partitions sampled", () -> get(survivor, "/api/history"),
                h -> last(h, "under_replicated") != null && last(h, "under_replicated") > 0);
        assertFalse(ints(view.get("nodes")).contains(stopped));
        assertEquals(1, view.get("missing").size());
        assertEquals(stopped, view.get("missing").get(0).get("nodeId").asInt());
        assertTrue(view.get("missing").get(0).get("reason").asText().startsWith("cannot connect to"), view.toString());

        // The group's coordinator may have been the stopped node: wait for the one taking over to sample it.
        await("the stalled group sampled", () -> get(survivor, "/api/overview"),
                o -> has(o.get("groups"), g -> g.get("groupId").asText().equals("stalled") && g.get("lag").asLong() == RECORDS));
        CliRun top = CliRun.skein("top", "--once", "--admin=" + cluster.node(survivor).adminAddress());
        assertEquals(0, top.exitCode(), top.err());
        String out = top.out();
        assertFalse(out.contains("\u001b["), "one frame, no terminal codes");
        assertTrue(out.contains("Missing: broker " + stopped + ": cannot connect to"), out);
        assertTrue(out.matches("(?s).*\\nbytes_in +\\S+ +\\S+ +\\S+ +bytes/s\\n.*"), out);
        assertTrue(out.matches("(?s).*\\nunder_replicated +[\\d,-]+ .*"), out);
        assertTrue(out.matches("(?s).*\\n" + stopped + " +127\\.0\\.0\\.1 +\\d+ +(FENCED|SHUTTING_DOWN)\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n" + topic + " +0 +\\d +[\\d,]+ +[\\d,]+ +under-replicated\\n.*"), out);
        assertTrue(out.matches("(?s).*Groups furthest behind:\\nGROUP +LAG +LAG-SECONDS +CONSUMED/S +COORDINATOR\\n"
                + "stalled +" + RECORDS + " +\\d+\\.\\d{3} .*"), "the stalled group first: " + out);

        long restartedAt = System.currentTimeMillis();
        cluster.node(stopped).start();
        await("the node back in the partition's ISR", () -> get(survivor, "/api/timeline?topic=" + topic
                + "&since=" + (restartedAt - 1)), t -> has(t, e -> e.get("topic").asText().equals(topic)
                && ints(e.get("newIsr")).contains(stopped) && e.get("reason").asText().contains(
                "replica " + stopped + " caught up"))
                && has(t, e -> e.get("type").asText().equals("BROKER_UNFENCED") && e.get("broker").asInt() == stopped));
        await("every broker answering again", () -> get(survivor, "/api/history"),
                h -> h.get("missing").isEmpty() && ints(h.get("nodes")).contains(stopped));
    }

    /** The same history through the admin API, and bad requests refused with a reason. */
    @Test
    @Order(4)
    void theAdminApiServesTheSameAndBadRequestsAreRefused() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget(cluster.node(2).adminAddress()).usePlaintext().build();
        try {
            var admin = AdminServiceGrpc.newBlockingStub(channel);
            int steady = stoppedOnce == 3 ? 2 : 3;
            GetHistoryResponse history = admin.getHistory(GetHistoryRequest.newBuilder().setNodeId(steady)
                    .addSeries("messages_in").build());
            assertEquals(List.of(steady), history.getNodesList());
            assertEquals(1, history.getSeriesCount());
            assertEquals(history.getTimestampsCount(), history.getSeries(0).getValuesCount());
            assertTrue(history.getTimestampsCount() > 0);
            GetTimelineResponse timeline = admin.getTimeline(GetTimelineRequest.newBuilder().setLimit(2).build());
            assertEquals(2, timeline.getEventsCount());
            assertTrue(timeline.getEvents(0).getMetadataOffset() >= timeline.getEvents(1).getMetadataOffset(),
                    "newest first");
            assertNotEquals(TimelineEventType.TIMELINE_EVENT_UNSPECIFIED, timeline.getEvents(0).getType());
        } finally {
            channel.shutdownNow();
        }
        assertError(400, "INVALID_REQUEST", "No series 'nope'", "/api/history?series=bytes_in,nope");
        assertError(400, "INVALID_REQUEST", "No broker 42", "/api/history?node=42");
        assertError(400, "INVALID_REQUEST", "Parameter limit is a whole number", "/api/timeline?limit=ten");
        assertError(400, "INVALID_REQUEST", "Parameter group is required", "/api/groups/history");
        assertError(404, "GROUP_ID_NOT_FOUND", "No broker has samples of group 'nobody'",
                "/api/groups/history?group=nobody");
    }

    private void assertError(int status, String code, String message, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + cluster.node(1).httpPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertEquals(code, error.get("code").asText());
        assertTrue(error.get("message").asText().startsWith(message), error.toString());
    }

    private void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 3))).all().get();
        }
        cluster.awaitAll(topic + " has leaders", image -> image.topic(topic) != null
                && image.topic(topic).partitions().values().stream().allMatch(p -> p.hasLeader() && p.isr().size() == 3));
    }

    /** Sets {@code group}'s committed offsets to 0 in every partition of {@link #LAGGED}. */
    private void commitAtZero(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (int p = 0; p < 3; p++) {
            offsets.put(new TopicPartition(LAGGED, p), new OffsetAndMetadata(0));
        }
        try (Admin admin = cluster.admin()) {
            admin.alterConsumerGroupOffsets(group, offsets).all().get();
        }
    }

    /** Reads the topic to its end with assigned partitions: no group, no commits. */
    private void readEverything(String topic, int partitions, int records) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> all = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p))
                    .toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            int read = 0;
            long deadline = System.nanoTime() + WITHIN.toNanos();
            while (read < records) {
                assertTrue(System.nanoTime() < deadline, "read " + read + " of " + records + " within " + WITHIN);
                read += consumer.poll(Duration.ofMillis(100)).count();
            }
            assertEquals(records, read);
        }
    }

    private static double clientMetric(Map<MetricName, ? extends Metric> metrics, String group, String name,
                                       String topic) {
        return metrics.entrySet().stream().filter(e -> e.getKey().group().equals(group)
                        && e.getKey().name().equals(name) && topic.equals(e.getKey().tags().get("topic")))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }

    /** The broker-wide counters of node {@code id}'s {@code /metrics}, by their short names. */
    private Map<String, Double> counters(int id) throws Exception {
        String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.node(id).httpPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> counters = new HashMap<>();
        for (String name : List.of("messagesin", "bytesin", "bytesout")) {
            String prefix = "kafka_server_brokertopicmetrics_" + name + "_total ";
            counters.put(name, text.lines().filter(l -> l.startsWith(prefix))
                    .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).sum());
        }
        return counters;
    }

    private JsonNode nodeHistory(int id) throws Exception {
        return get(1, "/api/history?node=" + id);
    }

    /** Waits until node {@code id} has {@code count} samples after {@code after}; the time of the last of them. */
    private long awaitNew(int id, long after, int count) {
        JsonNode history = await(count + " samples of broker " + id + " after " + after, () -> nodeHistory(id),
                h -> times(h).stream().filter(t -> t > after).count() >= count);
        return times(history).stream().filter(t -> t > after).skip(count - 1).findFirst().orElseThrow();
    }

    private JsonNode awaitGroup(String group, Predicate<JsonNode> shows) {
        return await("group " + group + "'s history", () -> get(3, "/api/groups/history?group=" + group), shows);
    }

    private interface Read {
        JsonNode get() throws Exception;
    }

    private static JsonNode await(String what, Read read, Predicate<JsonNode> until) {
        JsonNode[] found = {null};
        Awaitility.await(what).atMost(WITHIN).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            found[0] = read.get();
            return until.test(found[0]);
        });
        return found[0];
    }

    private JsonNode get(int node, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + cluster.node(node).httpPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError(path + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private static List<Long> times(JsonNode history) {
        List<Long> times = new ArrayList<>();
        history.get("timestamps").forEach(t -> times.add(t.asLong()));
        return times;
    }

    private static long newest(JsonNode history) {
        List<Long> times = times(history);
        return times.get(times.size() - 1);
    }

    private static JsonNode values(JsonNode history, String series) {
        for (JsonNode s : history.get("series")) {
            if (s.get("name").asText().equals(series)) {
                return s.get("values");
            }
        }
        throw new AssertionError("No series " + series + " in " + history);
    }

    private static Double valueAt(JsonNode history, String series, long time) {
        int at = times(history).indexOf(time);
        JsonNode value = at < 0 ? null : values(history, series).get(at);
        return value == null || value.isNull() ? null : value.asDouble();
    }

    private static Double last(JsonNode history, String series) {
        return history.get("timestamps").isEmpty() ? null : valueAt(history, series, newest(history));
    }

    /**
     * A rate series times the time each value covers (since the sample before), over the samples after
     * {@code after} up to {@code until}; {@code after} must be a sample of it, where the window starts.
     */
    private static double integral(JsonNode history, String series, long after, long until) {
        List<Long> times = times(history);
        JsonNode values = values(history, series);
        assertTrue(after == Long.MIN_VALUE || times.contains(after), after + " is a sample of " + history);
        double sum = 0;
        for (int i = 1; i < times.size(); i++) {
            if (times.get(i) > after && times.get(i) <= until && !values.get(i).isNull()) {
                sum += values.get(i).asDouble() * (times.get(i) - times.get(i - 1)) / 1000.0;
            }
        }
        return sum;
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> ints = new ArrayList<>();
        array.forEach(n -> ints.add(n.asInt()));
        return ints;
    }

    private static boolean has(JsonNode timeline, Predicate<JsonNode> event) {
        JsonNode events = timeline.isArray() ? timeline : timeline.get("events");
        return StreamSupport.stream(events.spliterator(), false).anyMatch(event);
    }

    private static JsonNode find(JsonNode timeline, Predicate<JsonNode> event) {
        return StreamSupport.stream(timeline.get("events").spliterator(), false).filter(event).findFirst()
                .orElseThrow();
    }
}
