package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.ChildJvm;
import io.skein.testing.KafkaTools;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kafka-transactions.sh} (Kafka's {@code TransactionsCommand}) against a real node serving
 * transactions, with real transactions open and committed: list, describe, describe-producers, and
 * find-hanging and abort on a transaction its coordinator has forgotten.
 */
@Timeout(300)
class KafkaTransactionsToolTest {
    private static final String TOOL = "org.apache.kafka.tools.TransactionsCommand";
    private static final Map<String, String> SERVED = Map.of("transaction.state.log.num.partitions", "3");

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir.resolve("node"), SERVED);
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static ChildJvm.Result transactions(TestNode node, String... args) throws Exception {
        return KafkaTools.run(node.bootstrap(), null, TOOL, args);
    }

    /** The rows of the tool's table whose first column is {@code first}, split into columns. */
    private static List<List<String>> rows(String output, String first) {
        return ChildJvm.printed(output).stream().map(String::trim).map(line -> List.of(line.split("\\s+")))
                .filter(columns -> columns.get(0).equals(first)).toList();
    }

    private static KafkaProducer<String, String> producer(TestNode node, String transactionalId) {
        return StringClients.producer(node.bootstrap(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "600000", ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000"));
    }

    private static void createTopic(TestNode node, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
    }

    @Test
    void listDescribeAndDescribeProducersShowOpenAndCommittedTransactions() throws Exception {
        createTopic(node, "tool-txn");
        try (KafkaProducer<String, String> done = producer(node, "tool-done");
             KafkaProducer<String, String> open = producer(node, "tool-open")) {
            done.initTransactions();
            done.beginTransaction();
            done.send(new ProducerRecord<>("tool-txn", "committed"));
            done.commitTransaction();
            open.initTransactions();
            open.beginTransaction();
            long startOffset = open.send(new ProducerRecord<>("tool-txn", "open")).get().offset();

            String listed = KafkaTools.succeeded(transactions(node, "list"));
            assertTrue(listed.matches("(?s).*TransactionalId\\s+Coordinator\\s+ProducerId\\s+TransactionState.*"), listed);
            List<String> openRow = rows(listed, "tool-open").get(0);
            assertEquals(List.of("1", "Ongoing"), List.of(openRow.get(1), openRow.get(3)), listed);
            List<String> doneRow = rows(listed, "tool-done").get(0);
            assertEquals(List.of("1", "CompleteCommit"), List.of(doneRow.get(1), doneRow.get(3)), listed);
            String openProducerId = openRow.get(2);
            String doneProducerId = doneRow.get(2);
            String matching = KafkaTools.succeeded(transactions(node, "list", "--transactional-id-pattern", "tool-o.*"));
            assertEquals(1, rows(matching, "tool-open").size(), matching);
            assertEquals(0, rows(matching, "tool-done").size(), matching);

            String described = KafkaTools.succeeded(transactions(node, "describe", "--transactional-id", "tool-open"));
            List<String> description = rows(described, "1").get(0);
            assertEquals(List.of("1", "tool-open", openProducerId), description.subList(0, 3), described);
            assertEquals(List.of("Ongoing", "600000"), description.subList(4, 6), described);
            assertEquals("tool-txn-0", description.get(8), described);
            ChildJvm.Result unknown = transactions(node, "describe", "--transactional-id", "tool-nobody");
            assertEquals(1, unknown.exitCode(), unknown.output());
            assertTrue(unknown.output().contains("Failed to describe transaction state of transactional-id "
                    + "`tool-nobody`"), unknown.output());

            String producers = KafkaTools.succeeded(transactions(node, "describe-producers", "--topic", "tool-txn",
                    "--partition", "0"));
            assertTrue(producers.matches("(?s).*ProducerId\\s+ProducerEpoch\\s+LatestCoordinatorEpoch\\s+LastSequence"
                    + "\\s+LastTimestamp\\s+CurrentTransactionStartOffset.*"), producers);
            List<String> openProducer = rows(producers, openProducerId).get(0);
            assertEquals(List.of("-1", "0"), openProducer.subList(2, 4), "no marker yet, one record: " + producers);
            assertEquals(Long.toString(startOffset), openProducer.get(5), producers);
            assertEquals("None", rows(producers, doneProducerId).get(0).get(5), producers);
            open.commitTransaction();
        }
    }

    /**
     * A transaction whose producer died and whose coordinator lost its state (its partition of
     * {@code __transaction_state} gone from the disk): its data holds the partition's last stable
     * offset and nothing will ever end it. find-hanging finds it, as it does not while the coordinator
     * knows it, and abort ends it with DescribeProducers' epochs.
     */
    @Test
    void findHangingFindsATransactionItsCoordinatorForgotAndAbortEndsIt(@TempDir Path hangingDir) throws Exception {
        try (TestNode lost = TestNode.start(hangingDir, SERVED)) {
            createTopic(lost, "stuck");
            TopicPartition stuck = new TopicPartition("stuck", 0);
            KafkaProducer<String, String> killed = producer(lost, "hanger");
            killed.initTransactions();
            killed.beginTransaction();
            long startOffset = killed.send(new ProducerRecord<>("stuck", "never ended")).get().offset();
            killed.close(Duration.ZERO); // no abort on the way out
            String[] findHanging = {"find-hanging", "--topic", "stuck", "--max-transaction-timeout", "0"};
            String known = KafkaTools.succeeded(transactions(lost, findHanging));
            assertEquals(List.of(), rows(known, "stuck"), "the coordinator still has it: " + known);

            lost.close();
            try (Stream<Path> state = Files.list(hangingDir.resolve("data"))) {
                state.filter(p -> p.getFileName().toString().startsWith("__transaction_state-"))
                        .forEach(KafkaTransactionsToolTest::deleteTree);
            }
            lost.start();

            String hanging = KafkaTools.succeeded(transactions(lost, findHanging));
            List<List<String>> found = rows(hanging, "stuck");
            assertEquals(1, found.size(), hanging);
            assertEquals(Long.toString(startOffset), found.get(0).get(5), hanging);
            assertEquals(startOffset, lastStableOffset(lost, stuck), "it holds read_committed consumers back");

            KafkaTools.succeeded(transactions(lost, "abort", "--topic", "stuck", "--partition", "0",
                    "--start-offset", Long.toString(startOffset)));
            assertEquals(List.of(), rows(KafkaTools.succeeded(transactions(lost, findHanging)), "stuck"));
            assertEquals(startOffset + 2, lastStableOffset(lost, stuck), "past the record and its abort marker");
        }
    }

    private static long lastStableOffset(TestNode node, TopicPartition tp) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest()),
                    new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).partitionResult(tp).get().offset();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
