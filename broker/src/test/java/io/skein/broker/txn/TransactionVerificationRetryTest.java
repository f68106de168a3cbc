package io.skein.broker.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactional producers as the transactional benchmark runs them (Kafka 4 clients, so TV2: the
 * leaders add each transaction's partitions), several at once, acks=all, with several requests in
 * flight from the start of every transaction. Their first batches of a transaction reach the
 * coordinator together, often while the previous transaction's markers are still being written;
 * the brokers must sort that out among themselves (the coordinator lets an add wait for the one
 * being written, and for the previous transaction to complete), so that no producer has a batch
 * refused and sends it again, as with Kafka.
 */
@Timeout(300)
class TransactionVerificationRetryTest {
    private static final int PRODUCERS = 6;
    private static final int PARTITIONS = 6;
    private static final int TRANSACTIONS = 30;
    private static final int RECORDS_PER_TRANSACTION = 300;
    private static final String VALUE = "x".repeat(1024);
    /**
     * The leaders' window for an add to wait in is as long as a request may take: on a busy machine
     * markers can take longer than the default 100 ms, and the test is of where the wait happens (the
     * brokers, not the producer), not of how long markers take.
     */
    private static final Map<String, String> SERVED = Map.of("transaction.state.log.num.partitions", "5",
            "add.partitions.to.txn.retry.backoff.max.ms", "30000");

    @Test
    void producersOnOneBrokerSendNoBatchTwice(@TempDir Path dir) throws Exception {
        try (TestNode node = TestNode.start(dir, SERVED)) {
            createTopic(node, "one-broker");
            assertEquals(0.0, runProducers(node.bootstrap(), "one-broker"), "records the producers sent again");
        }
    }

    /** The leaders that are not the coordinator add partitions over the network: the same holds. */
    @Test
    void producersOnTwoBrokersSendNoBatchTwice(@TempDir Path dir) throws Exception {
        try (TestNode first = TestNode.start(dir.resolve("1"), SERVED);
             TestNode second = TestNode.startBroker(dir.resolve("2"), first, 2, SERVED)) {
            createTopic(first, "two-brokers");
            TestNode.awaitAll(List.of(first, second), "every partition of two-brokers led", image ->
                    image.topic("two-brokers") != null && image.topic("two-brokers").partitions().size() == PARTITIONS
                            && image.topic("two-brokers").partitions().values().stream().allMatch(p -> p.hasLeader()));
            assertEquals(Set.of(1, 2), first.image().topic("two-brokers").partitions().values().stream()
                    .map(p -> p.leader()).collect(Collectors.toSet()), "both brokers lead partitions");
            assertEquals(0.0, runProducers(first.bootstrap(), "two-brokers"), "records the producers sent again");
        }
    }

    private static void createTopic(TestNode node, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
    }

    /** Runs the producers, each committing its transactions; the records they sent again, together. */
    private static double runProducers(String bootstrap, String topic) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(PRODUCERS);
        try {
            List<Future<Double>> retries = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                String transactionalId = topic + "-" + p;
                retries.add(threads.submit(() -> commitTransactions(bootstrap, topic, transactionalId)));
            }
            double total = 0;
            for (Future<Double> producerRetries : retries) {
                total += producerRetries.get();
            }
            return total;
        } finally {
            threads.shutdownNow();
        }
    }

    /** Commits the transactions of one producer, spread over every partition; its {@code record-retry-total}. */
    private static double commitTransactions(String bootstrap, String topic, String transactionalId) {
        try (KafkaProducer<String, String> producer = StringClients.producer(bootstrap, Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId, ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000",
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, "5",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5"))) {
            producer.initTransactions();
            for (int txn = 0; txn < TRANSACTIONS; txn++) {
                producer.beginTransaction();
                for (int i = 0; i < RECORDS_PER_TRANSACTION; i++) {
                    producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, VALUE));
                }
                producer.commitTransaction();
            }
            return producerMetric(producer, "record-retry-total");
        }
    }

    private static double producerMetric(KafkaProducer<?, ?> producer, String name) {
        for (Map.Entry<MetricName, ? extends Metric> metric : producer.metrics().entrySet()) {
            if (metric.getKey().name().equals(name) && metric.getKey().group().equals("producer-metrics")) {
                return ((Number) metric.getValue().metricValue()).doubleValue();
            }
        }
        throw new AssertionError("The producer has no metric " + name);
    }
}
