package io.skein.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.RawKafkaClient;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The administration of transactions through kafka-clients' Admin against a real node serving them:
 * DescribeTransactions and ListTransactions from the coordinator, DescribeProducers from the
 * partition's log, and Admin.abortTransaction, which writes an ABORT marker at the partition leader
 * with the producer's epoch and coordinator epoch from DescribeProducers.
 */
@Timeout(180)
class TransactionAdminTest {
    private static final String TOPIC = "txn-admin";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    @TempDir
    static Path dir;
    static TestNode node;
    static Admin admin;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of("transaction.state.log.num.partitions", "3"));
        admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()));
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
    }

    @AfterAll
    static void stopNode() {
        admin.close();
        node.close();
    }

    private static KafkaProducer<String, String> producer(String transactionalId) {
        return StringClients.producer(node.bootstrap(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "600000", ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000"));
    }

    private static TransactionDescription describe(String transactionalId) throws Exception {
        return admin.describeTransactions(Set.of(transactionalId)).description(transactionalId).get();
    }

    private static Map<Long, ProducerState> producers(TopicPartition tp) throws Exception {
        return admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers().stream()
                .collect(Collectors.toMap(ProducerState::producerId, p -> p));
    }

    /** The listings {@code options} gives, of this test's transactional ids only (the other tests' are there too). */
    private static Set<TransactionListing> list(ListTransactionsOptions options) throws Exception {
        return Set.copyOf(admin.listTransactions(options.filterOnTransactionalIdPattern("list-.*")).all().get());
    }

    @Test
    void describeAndListShowTheCoordinatorsTransactionsAndDescribeProducersTheLogs() throws Exception {
        try (KafkaProducer<String, String> done = producer("list-done"); KafkaProducer<String, String> open = producer("list-open")) {
            done.initTransactions();
            done.beginTransaction();
            done.send(new ProducerRecord<>(TOPIC, 0, null, "committed"));
            done.commitTransaction();
            open.initTransactions();
            open.beginTransaction();
            long startOffset = open.send(new ProducerRecord<>(TOPIC, 0, null, "open-0")).get().offset();
            open.send(new ProducerRecord<>(TOPIC, 1, null, "open-1")).get();

            TransactionDescription ongoing = describe("list-open");
            assertEquals(TransactionState.ONGOING, ongoing.state());
            assertEquals(Set.of(P0, P1), ongoing.topicPartitions());
            assertEquals(600_000, ongoing.transactionTimeoutMs());
            assertTrue(ongoing.transactionStartTimeMs().isPresent(), "an ongoing transaction has a start time");
            assertEquals(1, ongoing.coordinatorId());
            TransactionDescription committed = describe("list-done");
            assertEquals(TransactionState.COMPLETE_COMMIT, committed.state());
            assertEquals(Set.of(), committed.topicPartitions());
            ExecutionException unknown = assertThrows(ExecutionException.class, () -> describe("list-nobody"));
            assertInstanceOf(TransactionalIdNotFoundException.class, unknown.getCause());

            // The log knows both producers: the open one with its transaction, the other with its marker's coordinator epoch.
            Map<Long, ProducerState> inP0 = producers(P0);
            ProducerState openProducer = inP0.get(ongoing.producerId());
            assertEquals(startOffset, openProducer.currentTransactionStartOffset().orElseThrow(), inP0.toString());
            assertEquals(ongoing.producerEpoch(), openProducer.producerEpoch());
            assertEquals(0, openProducer.lastSequence());
            assertTrue(openProducer.coordinatorEpoch().isEmpty(), "no marker of it yet: " + openProducer);
            ProducerState doneProducer = inP0.get(committed.producerId());
            assertTrue(doneProducer.currentTransactionStartOffset().isEmpty(), inP0.toString());
            assertTrue(doneProducer.coordinatorEpoch().isPresent(), "its commit marker's: " + doneProducer);

            TransactionListing openListing = new TransactionListing("list-open", ongoing.producerId(),
                    TransactionState.ONGOING);
            TransactionListing doneListing = new TransactionListing("list-done", committed.producerId(),
                    TransactionState.COMPLETE_COMMIT);
            assertEquals(Set.of(openListing, doneListing), list(new ListTransactionsOptions()));
            assertEquals(Set.of(openListing), list(new ListTransactionsOptions().filterStates(
                    List.of(TransactionState.ONGOING))));
            assertEquals(Set.of(doneListing), list(new ListTransactionsOptions().filterProducerIds(
                    List.of(committed.producerId()))));
            assertEquals(Set.of(), list(new ListTransactionsOptions().filterOnDuration(Long.MAX_VALUE)));
            long sinceStart = System.currentTimeMillis() - ongoing.transactionStartTimeMs().getAsLong();
            await().atMost(Duration.ofSeconds(10)).until(() -> list(new ListTransactionsOptions()
                    .filterOnDuration(sinceStart)).contains(openListing));
            assertEquals(Set.of(openListing), Set.copyOf(admin.listTransactions(new ListTransactionsOptions()
                    .filterOnTransactionalIdPattern("list-o.*")).all().get()), "the pattern matches whole ids");
            open.commitTransaction();
        }
    }

    @Test
    void theRequestsAnswerKafkasErrors() throws Exception {
        try (RawKafkaClient raw = new RawKafkaClient(node.bootstrap())) {
            ListTransactionsResponseData unknownState = raw.call(new ListTransactionsRequestData()
                    .setStateFilters(List.of("Bogus")), ApiKeys.LIST_TRANSACTIONS.latestVersion());
            assertEquals(Errors.NONE.code(), unknownState.errorCode());
            assertEquals(List.of("Bogus"), unknownState.unknownStateFilters());
            assertEquals(List.of(), unknownState.transactionStates(), "no state is known, so none is listed");
            ListTransactionsResponseData badPattern = raw.call(new ListTransactionsRequestData()
                    .setTransactionalIdPattern("("), ApiKeys.LIST_TRANSACTIONS.latestVersion());
            assertEquals(Errors.INVALID_REGULAR_EXPRESSION.code(), badPattern.errorCode());

            DescribeTransactionsResponseData empty = raw.call(new DescribeTransactionsRequestData()
                    .setTransactionalIds(List.of("")), ApiKeys.DESCRIBE_TRANSACTIONS.latestVersion());
            assertEquals(Errors.INVALID_REQUEST.code(), empty.transactionStates().get(0).errorCode());

            DescribeProducersRequestData request = new DescribeProducersRequestData();
            request.topics().add(new DescribeProducersRequestData.TopicRequest().setName("no-such-topic")
                    .setPartitionIndexes(List.of(0)));
            request.topics().add(new DescribeProducersRequestData.TopicRequest().setName("bad/name")
                    .setPartitionIndexes(List.of(0)));
            request.topics().add(new DescribeProducersRequestData.TopicRequest().setName(TOPIC)
                    .setPartitionIndexes(List.of(7)));
            DescribeProducersResponseData producers = raw.call(request, ApiKeys.DESCRIBE_PRODUCERS.latestVersion());
            assertEquals(List.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.INVALID_TOPIC_EXCEPTION,
                    Errors.UNKNOWN_TOPIC_OR_PARTITION), producers.topics().stream()
                    .map(t -> Errors.forCode(t.partitions().get(0).errorCode())).toList());
        }
    }

    @Test
    void abortTransactionWritesTheAbortMarkerAtTheLeader() throws Exception {
        try (KafkaProducer<String, String> producer = producer("abort-me")) {
            producer.initTransactions();
            producer.beginTransaction();
            long startOffset = producer.send(new ProducerRecord<>(TOPIC, 1, null, "doomed")).get().offset();
            assertEquals(startOffset, lastStableOffset(P1), "the open transaction holds the last stable offset");

            ProducerState open = producers(P1).values().stream()
                    .filter(p -> p.currentTransactionStartOffset().orElse(-1) == startOffset).findFirst().orElseThrow();
            admin.abortTransaction(new AbortTransactionSpec(P1, open.producerId(), (short) open.producerEpoch(),
                    open.coordinatorEpoch().orElse(0))).all().get();

            assertEquals(highWatermark(P1), lastStableOffset(P1), "nothing is left open in the partition");
            assertTrue(producers(P1).get(open.producerId()).currentTransactionStartOffset().isEmpty());
            // The coordinator still has the transaction; its own abort's marker finds nothing open, as in Kafka.
            producer.abortTransaction();
            await().atMost(Duration.ofSeconds(30)).until(() -> describe("abort-me").state()
                    == TransactionState.COMPLETE_ABORT);
            assertEquals(highWatermark(P1), lastStableOffset(P1));
        }
    }

    private static long lastStableOffset(TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(tp).get().offset();
    }

    private static long highWatermark(TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
    }
}
