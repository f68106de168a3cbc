package io.skein.broker.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactional producers of the project's kafka-clients against a real node: they find the
 * coordinator, read transaction.version 2 (TV2), get their producer id, and a second producer of the
 * same transactional id fences the first. Commits and aborts end to end are {@link TransactionsEndToEndTest}'s.
 */
@Timeout(120)
class TransactionalProducerTest {
    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of("transaction.state.log.num.partitions", "3"));
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap()));
    }

    private static KafkaProducer<String, String> producer(String transactionalId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    @Test
    void clientsAreToldTransactionVersion2() throws Exception {
        try (Admin admin = admin()) {
            FeatureMetadata features = admin.describeFeatures().featureMetadata().get();
            assertEquals(2, features.finalizedFeatures().get("transaction.version").maxVersionLevel());
            assertEquals(2, features.supportedFeatures().get("transaction.version").maxVersion());
        }
    }

    @Test
    void aSecondProducerOfTheTransactionalIdFencesTheFirst() throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic("fenced", 1, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> first = producer("fencing"); KafkaProducer<String, String> second = producer("fencing")) {
            first.initTransactions();
            second.initTransactions();
            first.beginTransaction();
            first.send(new ProducerRecord<>("fenced", "k", "v"));
            // The leader asks the coordinator to add the partition, which refuses the old epoch; as Kafka's
            // leaders do, the producer is told INVALID_PRODUCER_EPOCH, an abortable error. Its abort is fenced.
            assertThrows(InvalidProducerEpochException.class, first::commitTransaction);
            assertThrows(ProducerFencedException.class, first::abortTransaction);
        }
    }
}
