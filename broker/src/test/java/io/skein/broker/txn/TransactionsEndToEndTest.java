package io.skein.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.RawKafkaClient;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions end to end with the project's kafka-clients on a real node serving them: a
 * transactional producer commits and aborts across three partitions; a read_committed consumer sees
 * exactly the committed records, a read_uncommitted one all of them; an open transaction holds
 * read_committed consumers back (even from later non-transactional records) until it ends. Across
 * two brokers, the leaders that are not the coordinator add partitions and take markers over the
 * network, and DescribeProducers reads their logs (NOT_LEADER_OR_FOLLOWER from a broker without a replica).
 */
@Timeout(180)
class TransactionsEndToEndTest {
    private static final String TOPIC = "txn-e2e";
    private static final List<TopicPartition> PARTITIONS = IntStream.range(0, 3)
            .mapToObj(p -> new TopicPartition(TOPIC, p)).toList();

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of("transaction.state.log.num.partitions", "3"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static KafkaConsumer<String, String> consumer(String isolationLevel) {
        return consumer(node, isolationLevel, PARTITIONS);
    }

    private static KafkaConsumer<String, String> consumer(TestNode node, String isolationLevel,
                                                          List<TopicPartition> partitions) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer());
        consumer.assign(partitions);
        return consumer;
    }

    /**
     * Every value the consumer may read from the start of each partition: it polls until its position
     * reaches the end offsets its isolation level allows (the last stable offset for read_committed).
     */
    private static List<String> readAll(KafkaConsumer<String, String> consumer) {
        Set<TopicPartition> partitions = consumer.assignment();
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        List<String> values = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                values.add(record.value());
            }
            return partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
        });
        return values.stream().sorted().toList();
    }

    private static void sendToEachPartition(KafkaProducer<String, String> producer, String prefix) {
        PARTITIONS.forEach(tp -> producer.send(new ProducerRecord<>(TOPIC, tp.partition(), null, prefix + tp.partition())));
    }

    @Test
    void readCommittedSeesExactlyTheCommittedRecordsAndWaitsForOpenTransactions() throws Exception {
        try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "e2e", ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000"));
             KafkaProducer<String, String> plain = StringClients.producer(node.bootstrap(), Map.of());
             KafkaConsumer<String, String> committed = consumer("read_committed");
             KafkaConsumer<String, String> uncommitted = consumer("read_uncommitted")) {
            producer.initTransactions();
            producer.beginTransaction();
            sendToEachPartition(producer, "committed-a");
            producer.commitTransaction();
            producer.beginTransaction();
            sendToEachPartition(producer, "aborted");
            producer.flush(); // written, then aborted
            producer.abortTransaction();
            producer.beginTransaction();
            sendToEachPartition(producer, "committed-b");
            producer.commitTransaction();

            List<String> committedValues = List.of("committed-a0", "committed-a1", "committed-a2",
                    "committed-b0", "committed-b1", "committed-b2");
            assertEquals(committedValues, readAll(committed));
            assertEquals(List.of("aborted0", "aborted1", "aborted2", "committed-a0", "committed-a1", "committed-a2",
                    "committed-b0", "committed-b1", "committed-b2"), readAll(uncommitted));

            // An open transaction holds the last stable offset at its first record, later writes and all.
            producer.beginTransaction();
            RecordMetadata open = producer.send(new ProducerRecord<>(TOPIC, 0, null, "open")).get();
            plain.send(new ProducerRecord<>(TOPIC, 0, null, "plain")).get();
            TopicPartition p0 = PARTITIONS.get(0);
            assertEquals(open.offset(), committed.endOffsets(List.of(p0)).get(p0));
            assertEquals(committedValues, readAll(committed));
            assertEquals(open.offset(), committed.position(p0), "held at the open transaction");
            List<String> all = readAll(uncommitted);
            assertEquals(List.of("open", "plain"), all.stream().filter(v -> v.equals("open") || v.equals("plain")).toList());

            producer.commitTransaction();
            List<String> afterCommit = new ArrayList<>(committedValues);
            afterCommit.addAll(List.of("open", "plain"));
            assertEquals(afterCommit.stream().sorted().toList(), readAll(committed));
        }
    }

    /**
     * A producer that keeps several produce requests in flight from the start of each transaction, as
     * ProducerPerformance does: the first batches of a transaction wait for their coordinator
     * (sometimes answered CONCURRENT_TRANSACTIONS and retried) while later ones arrive. Each
     * partition must still take the batches in their order: a later batch may neither overtake an
     * earlier one of the same connection nor start the transaction before it (Kafka's verification
     * guard), or the producer's retries are refused as out of sequence until it gives up.
     */
    @Test
    void aProducerWithManyRequestsInFlightCommitsTransactionAfterTransaction() throws Exception {
        String topic = "txn-pipelined";
        List<TopicPartition> partitions = IntStream.range(0, 6).mapToObj(p -> new TopicPartition(topic, p)).toList();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 6, (short) 1))).all().get();
        }
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "pipelined", ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000",
                        ProducerConfig.LINGER_MS_CONFIG, "0", ProducerConfig.BATCH_SIZE_CONFIG, "512"))) {
            producer.initTransactions();
            for (int txn = 0; txn < 10; txn++) {
                producer.beginTransaction();
                for (int i = 0; i < 1_000; i++) {
                    String value = "t" + txn + "-" + i;
                    producer.send(new ProducerRecord<>(topic, i % 6, null, value));
                    sent.add(value);
                }
                producer.commitTransaction();
            }
        }
        try (KafkaConsumer<String, String> committed = consumer(node, "read_committed", partitions)) {
            assertEquals(sent.stream().sorted().toList(), readAll(committed));
        }
    }

    /**
     * A transaction left open past its {@code transaction.timeout.ms} is aborted by its coordinator (at
     * its next check, every 10 s by default): read_committed consumers move past it without seeing it,
     * and its producer, whose epoch the abort bumped, cannot commit it late.
     */
    @Test
    void aTransactionOpenPastItsTimeoutIsAbortedAndItsProducerCannotCommitIt() throws Exception {
        String topic = "txn-timeout";
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "timeout", ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "1000",
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000"));
             KafkaConsumer<String, String> committed = consumer(node, "read_committed", List.of(tp))) {
            producer.initTransactions();
            producer.beginTransaction();
            RecordMetadata open = producer.send(new ProducerRecord<>(topic, 0, null, "abandoned")).get();
            assertEquals(open.offset(), committed.endOffsets(List.of(tp)).get(tp), "held at the open transaction");

            await().atMost(Duration.ofSeconds(60)).until(() -> committed.endOffsets(List.of(tp)).get(tp) > open.offset());
            assertEquals(List.of(), readAll(committed), "the abandoned record, aborted");
            assertThrows(KafkaException.class, producer::commitTransaction);
        }
    }

    @Test
    void leadersOnAnotherBrokerThanTheCoordinatorAddPartitionsAndTakeMarkersOverTheNetwork(@TempDir Path twoDir)
            throws Exception {
        Map<String, String> served = Map.of("transaction.state.log.num.partitions", "1");
        String topic = "spread";
        List<TopicPartition> spread = IntStream.range(0, 4).mapToObj(p -> new TopicPartition(topic, p)).toList();
        try (TestNode first = TestNode.start(twoDir.resolve("1"), served);
             TestNode second = TestNode.startBroker(twoDir.resolve("2"), first, 2, served);
             Admin admin = Admin.create(Map.of("bootstrap.servers", first.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get();
            TestNode.awaitAll(List.of(first, second), "topic spread with every partition led", image ->
                    image.topic(topic) != null && image.topic(topic).partitions().size() == 4
                            && image.topic(topic).partitions().values().stream().allMatch(p -> p.hasLeader()));
            assertEquals(Set.of(1, 2), admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .stream().map(p -> p.leader().id()).collect(Collectors.toSet()), "both brokers lead partitions");

            try (KafkaProducer<String, String> producer = StringClients.producer(first.bootstrap(),
                    Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "spread-txn", ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000"));
                 KafkaConsumer<String, String> committed = consumer(first, "read_committed", spread)) {
                producer.initTransactions();
                for (String outcome : List.of("commit", "abort", "commit-again")) {
                    producer.beginTransaction();
                    spread.forEach(tp -> producer.send(new ProducerRecord<>(topic, tp.partition(), null,
                            outcome + tp.partition())));
                    producer.flush();
                    if (outcome.equals("abort")) {
                        producer.abortTransaction();
                    } else {
                        producer.commitTransaction();
                    }
                }
                List<String> expected = IntStream.range(0, 4).boxed()
                        .flatMap(p -> java.util.stream.Stream.of("commit" + p, "commit-again" + p)).sorted().toList();
                // Once committed, every partition's marker is below its high watermark: nothing is left open.
                assertEquals(expected, readAll(committed));
            }
            // Each leader's log has the producer's markers from the coordinator on broker 1 (its epoch);
            // a broker without a replica answers NOT_LEADER_OR_FOLLOWER, as Kafka's does.
            TopicPartition onSecond = spread.stream().filter(tp -> first.image().topic(topic)
                    .partition(tp.partition()).leader() == 2).findFirst().orElseThrow();
            ProducerState producer = admin.describeProducers(List.of(onSecond)).partitionResult(onSecond).get()
                    .activeProducers().get(0);
            assertTrue(producer.currentTransactionStartOffset().isEmpty(), producer.toString());
            assertTrue(producer.coordinatorEpoch().isPresent(), producer.toString());
            // (Raw: the Admin client would send to the leader it has cached for the partition, whatever broker is named.)
            try (RawKafkaClient raw = new RawKafkaClient(first.bootstrap())) {
                DescribeProducersRequestData request = new DescribeProducersRequestData();
                request.topics().add(new DescribeProducersRequestData.TopicRequest().setName(topic)
                        .setPartitionIndexes(List.of(onSecond.partition())));
                DescribeProducersResponseData notHere = raw.call(request, ApiKeys.DESCRIBE_PRODUCERS.latestVersion());
                assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), notHere.topics().get(0).partitions().get(0).errorCode());
            }
        }
    }
}
