package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skein transactions} (and so the admin API's transaction RPCs) against a real node serving
 * transactions, with a real open transaction: tables and JSON out, Kafka's errors as exit code 1,
 * bad usage as 2.
 */
@Timeout(120)
class TransactionsCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "cli-txn";

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of("transaction.state.log.num.partitions", "2"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static CliRun skein(String... args) {
        return CliRun.atAdmin(node.adminAddress(), args);
    }

    private static JsonNode json(CliRun run) throws IOException {
        return run.json();
    }

    /** The run failed with exit code 1, naming the Kafka error {@code reason}. */
    private static void failsWith(String reason, CliRun run) {
        assertEquals(1, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("Error: " + reason + ": "), run.err());
    }

    /** A producer with an open transaction, whose first record went to {@code partition}, at the returned offset. */
    private static long openTransaction(KafkaProducer<String, String> producer, int partition) throws Exception {
        producer.initTransactions();
        producer.beginTransaction();
        return producer.send(new ProducerRecord<>(TOPIC, partition, null, "open")).get().offset();
    }

    private static KafkaProducer<String, String> producer(String transactionalId) {
        return StringClients.producer(node.bootstrap(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "600000", ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000"));
    }

    @Test
    void transactionsAreListedAndDescribedAndTheirProducersShown() throws Exception {
        try (KafkaProducer<String, String> producer = producer("cli-open")) {
            long startOffset = openTransaction(producer, 0);

            JsonNode listed = json(skein("transactions", "list", "--pattern", "cli-.*", "-o", "json"));
            assertEquals(1, listed.get("transactions").size(), listed.toString());
            JsonNode summary = listed.get("transactions").get(0);
            assertEquals("cli-open", summary.get("transactionalId").asText());
            assertEquals("Ongoing", summary.get("state").asText());
            assertEquals(1, summary.get("coordinator").asInt());
            String producerId = summary.get("producerId").asText();
            CliRun table = skein("transactions", "list", "--state", "Ongoing", "--producer-id", producerId);
            assertEquals(0, table.exitCode(), table.err());
            assertTrue(table.out().matches("(?s)TRANSACTIONAL-ID +COORDINATOR +PRODUCER-ID +STATE\n"
                    + "cli-open +1 +" + producerId + " +Ongoing\n"), table.out());
            assertEquals("TRANSACTIONAL-ID  COORDINATOR  PRODUCER-ID  STATE\n",
                    skein("transactions", "list", "--state", "CompleteAbort", "--pattern", "cli-open").out());

            JsonNode described = json(skein("transactions", "describe", "cli-open", "-o", "json"))
                    .get("transactions").get(0);
            assertEquals("Ongoing", described.get("state").asText());
            assertEquals(600_000, described.get("timeoutMs").asInt());
            assertTrue(described.get("startTimeMs").asLong() > 0, described.toString());
            assertEquals(TOPIC, described.get("partitions").get(0).get("topic").asText());
            assertEquals(0, described.get("partitions").get(0).get("partitions").get(0).asInt());
            CliRun describedTable = skein("transactions", "describe", "cli-open");
            assertTrue(describedTable.out().contains(" Ongoing ") && describedTable.out().contains(" cli-txn:0\n"),
                    describedTable.out());

            JsonNode producers = json(skein("transactions", "producers", "--topic", TOPIC, "--partition", "0",
                    "-o", "json")).get("producers");
            JsonNode open = producers.get(0);
            assertEquals(producerId, open.get("producerId").asText());
            assertEquals(startOffset, open.get("transactionStartOffset").asLong());
            assertEquals(-1, open.get("coordinatorEpoch").asInt());
            CliRun producersTable = skein("transactions", "producers", "--topic", TOPIC, "--partition", "0");
            assertTrue(producersTable.out().matches("(?s)PRODUCER-ID +EPOCH +COORDINATOR-EPOCH +LAST-SEQUENCE +"
                    + "LAST-TIMESTAMP +TXN-START-OFFSET\n.*"), producersTable.out());
            assertTrue(producersTable.out().lines().anyMatch(line -> line.matches(producerId + " +\\d+ +- +0 +\\S+Z +"
                    + startOffset)), producersTable.out());
            producer.commitTransaction();
        }
    }

    @Test
    void refusalsAreKafkasErrorsAndBadUsageIsExitCodeTwo() throws Exception {
        failsWith("TRANSACTIONAL_ID_NOT_FOUND", skein("transactions", "describe", "cli-nobody"));
        JsonNode error = JSON.readTree(skein("transactions", "describe", "cli-nobody", "-o", "json").out()).get("error");
        assertEquals("NOT_FOUND", error.get("code").asText());
        failsWith("INVALID_REQUEST", skein("transactions", "list", "--state", "Bogus"));
        CliRun badPattern = skein("transactions", "list", "--pattern", "(");
        failsWith("INVALID_REGULAR_EXPRESSION", badPattern);
        assertTrue(badPattern.err().contains("`(` is not a valid regular expression"), badPattern.err());
        failsWith("UNKNOWN_TOPIC_OR_PARTITION", skein("transactions", "producers", "--topic", "nothing",
                "--partition", "0"));
        failsWith("UNKNOWN_TOPIC_OR_PARTITION", skein("transactions", "abort", "--topic", TOPIC, "--partition", "5",
                "--start-offset", "0"));
        assertEquals(2, skein("transactions", "describe").exitCode(), "a transactional id is required");
        assertEquals(2, skein("transactions", "abort", "--topic", TOPIC, "--partition", "0").exitCode(),
                "--start-offset is required");
        assertTrue(CliRun.skein("transactions", "--help").out().contains("abort"));
    }

    @Test
    void abortEndsTheOpenTransactionThatStartsAtTheOffset() throws Exception {
        try (KafkaProducer<String, String> producer = producer("cli-abort")) {
            long startOffset = openTransaction(producer, 1);
            failsWith("INVALID_REQUEST", skein("transactions", "abort", "--topic", TOPIC, "--partition", "1",
                    "--start-offset", Long.toString(startOffset + 1)));

            CliRun aborted = skein("transactions", "abort", "--topic", TOPIC, "--partition", "1",
                    "--start-offset", Long.toString(startOffset));
            assertEquals(0, aborted.exitCode(), aborted.err());
            assertTrue(aborted.out().matches("Aborted the transaction of producer \\d+ \\(epoch \\d+\\) starting at "
                    + "offset " + startOffset + " of cli-txn-1\n"), aborted.out());
            JsonNode after = json(skein("transactions", "producers", "--topic", TOPIC, "--partition", "1", "-o", "json"));
            after.get("producers").forEach(p -> assertEquals(-1, p.get("transactionStartOffset").asLong(), after.toString()));
            failsWith("INVALID_REQUEST", skein("transactions", "abort", "--topic", TOPIC, "--partition", "1",
                    "--start-offset", Long.toString(startOffset)));
        }
    }
}
