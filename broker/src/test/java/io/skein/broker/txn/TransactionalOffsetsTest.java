package io.skein.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.RawKafkaClient;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offsets committed inside transactions ({@code sendOffsetsToTransaction}) with the project's
 * kafka-clients on a real node: consume-transform-produce gives every input exactly one committed
 * output, with the group's offsets moving exactly with the committed outputs; a stable offset fetch
 * waits for an open transaction; a zombie producer is fenced by a new instance of its transactional
 * id, and a zombie consumer generation's offsets are refused (KIP-447).
 */
@Timeout(240)
class TransactionalOffsetsTest {
    private static final String INPUT = "ctp-in";
    private static final String OUTPUT = "ctp-out";
    private static final int INPUTS = 240;

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of("transaction.state.log.num.partitions", "3", "offsets.topic.num.partitions", "3",
                "group.initial.rebalance.delay.ms", "0"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(INPUT, 3, (short) 1), new NewTopic(OUTPUT, 3, (short) 1),
                    new NewTopic("zombie-in", 1, (short) 1), new NewTopic("stable", 1, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(), Map.of())) {
            for (int i = 0; i < INPUTS; i++) {
                producer.send(new ProducerRecord<>(INPUT, i % 3, null, "in-" + i));
            }
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("zombie-in", "z-" + i));
            }
        }
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static KafkaConsumer<String, String> consumer(String groupId, Map<String, String> overrides) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putAll(overrides);
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    private static KafkaProducer<String, String> transactional(String transactionalId) {
        return StringClients.producer(node.bootstrap(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000"));
    }

    /** The offsets after {@code records}, per partition: what a transaction that processed them commits. */
    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<String, String> records) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, String>> partition = records.records(tp);
            next.put(tp, new OffsetAndMetadata(partition.get(partition.size() - 1).offset() + 1));
        }
        return next;
    }

    /** The group's committed offsets as a read_committed consumer reads them (stable: it waits out open transactions). */
    private static Map<TopicPartition, OffsetAndMetadata> committed(KafkaConsumer<String, String> consumer,
                                                                    Set<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        consumer.committed(partitions, Duration.ofSeconds(60)).forEach((tp, offset) -> {
            if (offset != null) {
                committed.put(tp, new OffsetAndMetadata(offset.offset()));
            }
        });
        return committed;
    }

    /**
     * Consume-transform-produce as Kafka's exactly-once applications run it: each batch read is
     * written out and its offsets sent to the same transaction; every third transaction aborts, and
     * the consumer goes back to the group's committed offsets. Each input's output appears exactly
     * once, from a committed transaction; the committed offsets move exactly when outputs commit.
     */
    @Test
    void everyInputIsTransformedExactlyOnceAndItsOffsetCommittedWithItsOutput() throws Exception {
        Set<TopicPartition> inputs = IntStream.range(0, 3).mapToObj(p -> new TopicPartition(INPUT, p))
                .collect(Collectors.toSet());
        Set<Integer> aborted = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = consumer("ctp", Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "25"));
             KafkaProducer<String, String> producer = transactional("ctp-txn")) {
            producer.initTransactions();
            consumer.subscribe(List.of(INPUT));
            Map<TopicPartition, Long> ends = consumer.endOffsets(inputs);
            Map<TopicPartition, OffsetAndMetadata> expected = new HashMap<>();
            int attempt = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
            while (!inputs.stream().allMatch(tp -> expected.containsKey(tp) && expected.get(tp).offset() == ends.get(tp))) {
                assertTrue(System.nanoTime() < deadline, "every input processed in time; committed " + expected);
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                attempt++;
                producer.beginTransaction();
                for (ConsumerRecord<String, String> record : records) {
                    producer.send(new ProducerRecord<>(OUTPUT, record.partition(), null, record.value() + "|" + attempt));
                }
                producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
                if (attempt % 3 == 0) {
                    producer.abortTransaction();
                    aborted.add(attempt);
                    for (TopicPartition tp : records.partitions()) {
                        consumer.seek(tp, expected.containsKey(tp) ? expected.get(tp).offset() : 0);
                    }
                } else {
                    producer.commitTransaction();
                    expected.putAll(nextOffsets(records));
                }
                assertEquals(expected, committed(consumer, inputs), "after attempt " + attempt);
            }
        }
        assertFalse(aborted.isEmpty());

        List<String> outputs = readCommitted(OUTPUT, 3);
        List<String> transformed = new ArrayList<>();
        for (String output : outputs) {
            String[] inputAndAttempt = output.split("\\|");
            assertFalse(aborted.contains(Integer.parseInt(inputAndAttempt[1])), "from an aborted transaction: " + output);
            transformed.add(inputAndAttempt[0]);
        }
        assertEquals(IntStream.range(0, INPUTS).mapToObj(i -> "in-" + i).sorted().toList(),
                transformed.stream().sorted().toList(), "each input exactly once");
    }

    /** Every value a read_committed consumer reads from the start of the topic's partitions to their ends. */
    private static List<String> readCommitted(String topic, int partitions) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> reader = consumer("unused", Map.of())) {
            List<TopicPartition> assigned = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p))
                    .toList();
            reader.assign(assigned);
            reader.seekToBeginning(assigned);
            Map<TopicPartition, Long> ends = reader.endOffsets(assigned);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                reader.poll(Duration.ofMillis(100)).forEach(record -> values.add(record.value()));
                return assigned.stream().allMatch(tp -> reader.position(tp) >= ends.get(tp));
            });
        }
        return values;
    }

    private static OffsetFetchResponsePartitions stableFetch(String groupId, TopicPartition tp) throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            return client.committedOffset(groupId, tp, true);
        }
    }

    /** A stable fetch (read_committed consumers ask for one) of a partition an open transaction holds is UNSTABLE_OFFSET_COMMIT. */
    @Test
    void aStableFetchIsRefusedWhileATransactionHoldsThePartitionsOffset() throws Exception {
        TopicPartition tp = new TopicPartition("stable", 0);
        try (KafkaProducer<String, String> producer = transactional("stable-txn")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(7)), new ConsumerGroupMetadata("stable"));
            OffsetFetchResponsePartitions open = stableFetch("stable", tp);
            assertEquals(Errors.UNSTABLE_OFFSET_COMMIT.code(), open.errorCode());
            assertEquals(-1, open.committedOffset());

            producer.commitTransaction();
            await().atMost(Duration.ofSeconds(30)).until(() -> stableFetch("stable", tp).errorCode() == Errors.NONE.code());
            assertEquals(7, stableFetch("stable", tp).committedOffset());
        }
    }

    private static Throwable rootOf(Throwable thrown) {
        return thrown instanceof KafkaException && thrown.getCause() != null ? rootOf(thrown.getCause()) : thrown;
    }

    /**
     * Zombies (KIP-447): a new instance of a transactional id fences the old one, whose open
     * transaction, offsets and all, is aborted; and offsets sent with the group metadata of a
     * consumer generation the group has moved past are refused, whatever the producer.
     */
    @Test
    void zombieProducersAndZombieConsumerGenerationsAreFenced() throws Exception {
        TopicPartition tp = new TopicPartition("zombie-in", 0);
        try (KafkaConsumer<String, String> first = consumer("zombies", Map.of());
             KafkaConsumer<String, String> second = consumer("zombies", Map.of());
             KafkaProducer<String, String> zombie = transactional("zombie-txn")) {
            first.subscribe(List.of("zombie-in"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                first.poll(Duration.ofMillis(100));
                return !first.assignment().isEmpty();
            });
            ConsumerGroupMetadata firstGeneration = first.groupMetadata();

            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>(OUTPUT, 0, null, "from the zombie"));
            zombie.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(9)), firstGeneration);
            try (KafkaProducer<String, String> successor = transactional("zombie-txn")) {
                successor.initTransactions(); // fences the zombie and aborts its transaction
                Throwable fenced = assertThrows(KafkaException.class, zombie::commitTransaction);
                assertTrue(rootOf(fenced) instanceof ProducerFencedException, fenced.toString());
                assertEquals(Map.of(), committed(first, Set.of(tp)), "the zombie's offsets were aborted");

                successor.beginTransaction();
                successor.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(3)), firstGeneration);
                successor.commitTransaction();
                assertEquals(Map.of(tp, new OffsetAndMetadata(3)), committed(first, Set.of(tp)));

                // A second member joins: the group moves to a new generation, which the first member joins too.
                second.subscribe(List.of("zombie-in"));
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    first.poll(Duration.ofMillis(100));
                    second.poll(Duration.ofMillis(100));
                    return first.groupMetadata().generationId() > firstGeneration.generationId()
                            && second.groupMetadata().generationId() == first.groupMetadata().generationId();
                });
                successor.beginTransaction();
                assertThrows(CommitFailedException.class, () -> successor.sendOffsetsToTransaction(
                        Map.of(tp, new OffsetAndMetadata(5)), firstGeneration), "a generation the group has left");
                successor.abortTransaction();
                assertEquals(Map.of(tp, new OffsetAndMetadata(3)), committed(first, Set.of(tp)));

                successor.beginTransaction();
                successor.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(5)), first.groupMetadata());
                successor.commitTransaction();
                assertEquals(Map.of(tp, new OffsetAndMetadata(5)), committed(first, Set.of(tp)));
            }
        }
    }
}
