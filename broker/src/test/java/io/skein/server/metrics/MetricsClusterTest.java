package io.skein.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.node.NodeConfig;
import io.skein.testing.StringClients;
import io.skein.testing.TestCluster;
import io.skein.testing.TestNode;
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
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} of a real three-node cluster while real Kafka clients produce and consume: the
 * counters move by what the clients say they sent and received, the group lag is what a Kafka admin
 * client computes, acks=all sends to a topic flushed on every message move the log flush series,
 * the JVM's series are there, every scrape passes Prometheus' own {@code promtool check metrics},
 * and the endpoint speaks OpenMetrics to a scraper that asks for it.
 *
 * <p>The topic has one replica per partition, one partition per broker, so that the group's
 * coordinator holds one of them and asks the others' leaders for their ends and record times.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsClusterTest {
    private static final String TOPIC = "metered";
    private static final String GROUP = "metered-readers";
    private static final int PARTITIONS = 3;
    private static final int CONSUMED = 1200;
    private static final int UNCONSUMED = 300;
    private static final Duration WITHIN = Duration.ofSeconds(60);

    private TestCluster cluster;
    private double producedRecords;
    private double producedBytes;
    private double consumedBytes;

    @BeforeAll
    void produceAndConsume(@TempDir Path dir) throws Exception {
        // The group lag series are the history's latest sample: every second here, not every ten.
        cluster = TestCluster.start(dir, 3, Map.of(NodeConfig.METRICS_HISTORY_SAMPLE_INTERVAL_MS, "1000"));
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
        }
        cluster.awaitAll(TOPIC + " has leaders", image -> image.topic(TOPIC) != null
                && image.topic(TOPIC).partitions().values().stream().allMatch(p -> p.hasLeader()));
        try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, "5"))) {
            send(producer, 0, CONSUMED);
            // One batch per record (each send waits): what the consumer reads below is exactly these batches.
            consumedBytes = topicMetric(producer.metrics(), "producer-topic-metrics", "byte-total");
            consumeEverythingAndCommit();
            send(producer, CONSUMED, UNCONSUMED); // the group's lag
            producedRecords = topicMetric(producer.metrics(), "producer-topic-metrics", "record-send-total");
            producedBytes = topicMetric(producer.metrics(), "producer-topic-metrics", "byte-total");
        }
        assertEquals(CONSUMED + UNCONSUMED, producedRecords);
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static void send(KafkaProducer<String, String> producer, int from, int count) throws Exception {
        for (int i = from; i < from + count; i++) {
            producer.send(new ProducerRecord<>(TOPIC, "key-" + i, "value " + i + " ".repeat(i % 97))).get();
        }
    }

    /**
     * Reads the topic to its end with assigned partitions (no rebalance, so nothing is read twice) and
     * commits. (The consumer's own bytes-consumed-total is no reference: it is not the size of the
     * batches it fetched, and came to about half of it here.)
     */
    private void consumeEverythingAndCommit() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(TOPIC, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            int read = 0;
            long deadline = System.nanoTime() + WITHIN.toNanos();
            while (read < CONSUMED) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("Read " + read + " of " + CONSUMED + " records within " + WITHIN);
                }
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            assertEquals(CONSUMED, read);
            consumer.commitSync();
        }
    }

    private static double topicMetric(Map<MetricName, ? extends Metric> metrics, String group, String name) {
        return metrics.entrySet().stream()
                .filter(e -> e.getKey().group().equals(group) && e.getKey().name().equals(name)
                        && TOPIC.equals(e.getKey().tags().get("topic")))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }

    private List<Scrape> scrapeAll() throws Exception {
        List<Scrape> scrapes = new ArrayList<>();
        for (TestNode node : cluster.nodes()) {
            scrapes.add(Scrape.of(node.httpPort()));
        }
        return scrapes;
    }

    private static double sum(List<Scrape> scrapes, String name, Map<String, String> labels) {
        return scrapes.stream().mapToDouble(s -> s.sum(name, labels)).sum();
    }

    @Test
    void topicCountersMoveByWhatTheClientsSentAndReceived() throws Exception {
        List<Scrape> scrapes = scrapeAll();
        Map<String, String> topic = Map.of("topic", TOPIC);
        assertEquals(producedRecords, sum(scrapes, "kafka_server_brokertopicmetrics_messagesin_total", topic));
        assertEquals(producedBytes, sum(scrapes, "kafka_server_brokertopicmetrics_bytesin_total", topic));
        assertEquals(consumedBytes, sum(scrapes, "kafka_server_brokertopicmetrics_bytesout_total", topic));
        // What came in is what the logs hold: one replica, nothing deleted or compacted.
        assertEquals(producedBytes, sum(scrapes, "kafka_log_log_size", topic));
        assertEquals(producedRecords, sum(scrapes, "kafka_log_log_logendoffset", topic));
        for (Scrape scrape : scrapes) { // the broker's totals include the topic's (and the offsets' commits)
            assertTrue(scrape.value("kafka_server_brokertopicmetrics_messagesin_total")
                    >= scrape.sum("kafka_server_brokertopicmetrics_messagesin_total", topic));
        }
    }

    @Test
    void requestAndStateGaugesDescribeTheCluster() throws Exception {
        List<Scrape> scrapes = scrapeAll();
        double produces = sum(scrapes, "kafka_network_requestmetrics_requests_total", Map.of("request", "Produce"));
        assertTrue(produces >= CONSUMED + UNCONSUMED, "each send waited for its answer: one request each");
        assertEquals(produces, sum(scrapes, "kafka_network_requestmetrics_totaltimems_count", Map.of("request", "Produce")));
        double consumerFetches = sum(scrapes, "kafka_network_requestmetrics_requests_total",
                Map.of("request", "FetchConsumer"));
        assertTrue(consumerFetches > 0);
        assertTrue(sum(scrapes, "kafka_network_requestmetrics_requests_total", Map.of("request", "Fetch"))
                >= consumerFetches);
        assertEquals(1, sum(scrapes, "kafka_controller_kafkacontroller_activecontrollercount", Map.of()));
        assertEquals(1, sum(scrapes, "skein_metadata_quorum_role", Map.of("role", "leader")));
        for (Scrape scrape : scrapes) {
            assertEquals(0, scrape.value("kafka_controller_kafkacontroller_offlinepartitionscount"));
            assertEquals(3, scrape.value("kafka_controller_kafkacontroller_activebrokercount"));
            assertEquals(0, scrape.value("kafka_server_replicamanager_underreplicatedpartitions"));
            // One replica per partition, one partition per broker: each leads and holds one of the topic's.
            assertEquals(1, scrape.find("kafka_log_log_size", Map.of("topic", TOPIC)).size());
            assertEquals(1, scrape.sum("kafka_cluster_partition_replicascount", Map.of("topic", TOPIC)));
            assertTrue(scrape.value("kafka_server_replicamanager_leadercount") >= 1);
        }
    }

    @Test
    void groupLagIsWhatAKafkaAdminClientComputes() throws Exception {
        Map<TopicPartition, Long> expected = new HashMap<>();
        try (Admin admin = cluster.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                    .forEach((tp, end) -> expected.put(tp, end.offset() - committed.get(tp).offset()));
        }
        assertEquals(PARTITIONS, expected.size());
        assertEquals(UNCONSUMED, expected.values().stream().mapToLong(Long::longValue).sum());
        // A follower's high watermark may trail its leader's for a fetch: wait for the series to agree.
        Awaitility.await().atMost(WITHIN).untilAsserted(() -> {
            List<Scrape> scrapes = scrapeAll();
            for (Map.Entry<TopicPartition, Long> partition : expected.entrySet()) {
                Map<String, String> labels = Map.of("consumergroup", GROUP, "topic", TOPIC,
                        "partition", Integer.toString(partition.getKey().partition()));
                List<Scrape.Sample> lag = scrapes.stream()
                        .flatMap(s -> s.find("kafka_consumergroup_lag", labels).stream()).toList();
                assertEquals(1, lag.size(), "one broker, the coordinator, reports " + labels + ": " + lag);
                assertEquals(partition.getValue(), lag.get(0).value(), 0.0, labels.toString());
            }
            assertEquals(UNCONSUMED, sum(scrapes, "kafka_consumergroup_lag", Map.of("consumergroup", GROUP)));
        });
        // The age of the oldest unconsumed record, of every partition, from its leader wherever it is.
        Awaitility.await().atMost(WITHIN).untilAsserted(() -> {
            List<Scrape.Sample> ages = new ArrayList<>();
            for (Scrape scrape : scrapeAll()) {
                ages.addAll(scrape.find("skein_consumergroup_lag_seconds", Map.of("consumergroup", GROUP)));
            }
            assertEquals(PARTITIONS, ages.size(), "one age per partition, from the coordinator: " + ages);
            for (Scrape.Sample age : ages) {
                long behind = expected.get(new TopicPartition(TOPIC, Integer.parseInt(age.labels().get("partition"))));
                if (behind > 0) {
                    assertTrue(age.value() > 0 && age.value() < WITHIN.toSeconds() * 10, age.toString());
                } else {
                    assertEquals(0, age.value(), age.toString());
                }
            }
        });
    }

    @Test
    void everySegmentFsyncIsTimedAsKafkasLogFlushStats() throws Exception {
        String durable = "metered-durable";
        int records = 20;
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(durable, 1, (short) 3)
                    .configs(Map.of(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, "1")))).all().get();
        }
        cluster.awaitAll(durable + " has a leader", image -> image.topic(durable) != null
                && image.topic(durable).partitions().values().stream().allMatch(p -> p.hasLeader()));
        String flushes = "kafka_log_logflushstats_logflushrateandtimems";
        List<Scrape> before = scrapeAll();
        try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(durable, "key-" + i, "value " + i)).get();
            }
        }
        List<Scrape> after = scrapeAll();
        // Each send waited for its answer, which flush.messages=1 gives once its offset is on the leader's disk.
        assertTrue(sum(after, flushes + "_count", Map.of()) - sum(before, flushes + "_count", Map.of()) >= records,
                "at least one fsync per acknowledged send");
        assertTrue(sum(after, flushes + "_sum", Map.of()) > sum(before, flushes + "_sum", Map.of()),
                "the fsyncs' milliseconds add up");
        for (Scrape scrape : after) {
            List<Scrape.Sample> quantiles = scrape.find(flushes, Map.of());
            assertEquals(6, quantiles.size(), "Kafka's six percentiles: " + quantiles);
        }
    }

    @Test
    void theJvmsSeriesAreServedAsJmxExportersAgentServesThem() throws Exception {
        for (Scrape scrape : scrapeAll()) {
            assertTrue(scrape.sum("jvm_memory_used_bytes", Map.of("area", "heap")) > 0);
            assertTrue(scrape.find("jvm_memory_pool_used_bytes", Map.of()).size() > 1, "a series per memory pool");
            assertTrue(scrape.find("jvm_gc_collection_seconds_count", Map.of()).size() >= 1, "a series per collector");
            assertTrue(scrape.value("jvm_threads_current") > 0);
            assertTrue(scrape.value("jvm_classes_currently_loaded") > 0);
            assertTrue(scrape.value("process_cpu_seconds_total") > 0);
            assertTrue(scrape.value("process_open_fds") > 0);
        }
    }

    @Test
    void everyScrapePassesPromtool() throws Exception {
        for (Scrape scrape : scrapeAll()) {
            Promtool.Verdict verdict = Promtool.checkMetrics(scrape.text());
            assertEquals(0, verdict.exitCode(), "promtool check metrics: " + verdict.output());
        }
    }

    @Test
    void speaksOpenMetricsWhenAskedAndRefusesWhatItDoesNotServe() throws Exception {
        int port = cluster.node(1).httpPort();
        HttpResponse<String> openMetrics = Scrape.get(port, "/metrics",
                "application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertEquals(200, openMetrics.statusCode());
        assertTrue(openMetrics.headers().firstValue("Content-Type").orElseThrow()
                .startsWith("application/openmetrics-text"));
        assertTrue(openMetrics.body().endsWith("# EOF\n"), "an OpenMetrics exposition ends with # EOF");
        HttpResponse<String> text = Scrape.get(port, "/metrics", null);
        assertTrue(text.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"));
        assertEquals(404, Scrape.get(port, "/metrics/extra", null).statusCode());
        assertEquals(404, Scrape.get(port, "/nothing-here", null).statusCode());
        HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/metrics")).POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
    }
}
