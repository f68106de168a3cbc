package io.skein.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.skein.testing.ProcessCluster.Node;
import io.skein.testing.StringClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consume-transform-produce ({@link ConsumeTransformProduce}) on three broker processes while one
 * of them is SIGKILLed mid-run and restarted: the leader of an output partition, the transaction
 * coordinator of the application's transactional id, or its group's coordinator. Inputs keep
 * arriving throughout, so transactions are under way when the process dies. Whenever the
 * application is stopped (once after the restart, once at the end) the outputs a read_committed
 * consumer sees are exactly one per input below the group's committed offsets: none lost, none
 * twice, and the offsets never ahead of the outputs nor behind them; at the end the offsets are
 * those of the inputs' ends.
 */
@Timeout(400)
class ConsumeTransformProduceFailuresTest {
    private static final int PARTITIONS = 3;
    private static final int PREFILLED = 600;
    private static final int TRANSACTIONS_PER_STAGE = 5;
    private static final Duration STAGE = Duration.ofSeconds(120);

    @TempDir
    static Path dir;
    static TransactionalProcessCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TransactionalProcessCluster.start(dir);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    /** The process a test kills: by what it is to the application. */
    enum Victim { OUTPUT_LEADER, TRANSACTION_COORDINATOR, GROUP_COORDINATOR }

    /**
     * The victim is chosen first, then the application's transactional id and group such that
     * their coordinators are elsewhere, unless the victim is that coordinator: each crash hits the
     * one role it names (and, as any broker here leads something, some input or output partitions).
     */
    @ParameterizedTest
    @EnumSource(Victim.class)
    void everyInputIsTransformedExactlyOnceThroughACrashOfThe(Victim role) throws Exception {
        String name = role.name().toLowerCase(Locale.ROOT).replace('_', '-');
        String input = name + "-in";
        String output = name + "-out";
        cluster.createTopic(input, PARTITIONS);
        cluster.createTopic(output, PARTITIONS);
        Node victim = cluster.processes.broker(switch (role) {
            case OUTPUT_LEADER -> cluster.leader(output, 0);
            case TRANSACTION_COORDINATOR -> cluster.transactionCoordinator(name + "-txn-0");
            case GROUP_COORDINATOR -> cluster.groupCoordinator(name + "-group-0");
        });
        String transactionalId = role == Victim.TRANSACTION_COORDINATOR ? name + "-txn-0"
                : TransactionalProcessCluster.idNotCoordinatedBy(name + "-txn", victim.id(), cluster::transactionCoordinator);
        String groupId = role == Victim.GROUP_COORDINATOR ? name + "-group-0"
                : TransactionalProcessCluster.idNotCoordinatedBy(name + "-group", victim.id(), cluster::groupCoordinator);
        exactlyOnceThroughACrashOf(victim, input, output, transactionalId, groupId);
    }

    private static void exactlyOnceThroughACrashOf(Node victim, String input, String output, String transactionalId,
                                                   String groupId) throws Exception {
        Map<String, Integer> recoveries = new HashMap<>();
        try (Inputs inputs = new Inputs(input)) {
            await("inputs prefilled").atMost(STAGE).until(() -> inputs.acknowledged() >= PREFILLED);
            try (ConsumeTransformProduce app = application(groupId, transactionalId, input, output)) {
                awaitCommits(app, TRANSACTIONS_PER_STAGE, "before the crash");
                await("a transaction under way").atMost(STAGE).pollInterval(Duration.ofMillis(1))
                        .until(app::inTransaction);
                victim.kill();
                awaitCommits(app, app.commits() + TRANSACTIONS_PER_STAGE, "with " + victim + " down");
                victim.start();
                cluster.awaitFullIsr(input, PARTITIONS);
                cluster.awaitFullIsr(output, PARTITIONS);
                cluster.awaitStateTopicsFullIsr();
                awaitCommits(app, app.commits() + TRANSACTIONS_PER_STAGE, "after " + victim + " restarted");
                recoveries.putAll(app.recoveries());
            }
            assertOutputsMatchCommittedInputs(groupId, input, output);

            // The application starts again under the same ids, and works through every input.
            Map<TopicPartition, Long> ends;
            try (ConsumeTransformProduce app = application(groupId, transactionalId, input, output)) {
                awaitCommits(app, 1, "after the application restarted");
                inputs.close();
                ends = endOffsets(input, "read_uncommitted");
                await("every input processed").atMost(STAGE).until(() -> failIfStopped(app).committed().equals(ends));
                app.recoveries().forEach((error, count) -> recoveries.merge(error, count, Integer::sum));
            }
            assertEquals(ends, assertOutputsMatchCommittedInputs(groupId, input, output),
                    "the group's committed offsets are the inputs' ends");
        }
        // What the crash cost: aborted transactions and replaced producers, by the error that caused them.
        System.out.println("crash of " + victim + " under " + transactionalId + ": recoveries " + recoveries);
    }

    private static ConsumeTransformProduce application(String groupId, String transactionalId, String input,
                                                       String output) {
        return new ConsumeTransformProduce(cluster.processes.bootstrap(), groupId,
                () -> cluster.producer(transactionalId), input, output);
    }

    private static ConsumeTransformProduce failIfStopped(ConsumeTransformProduce app) {
        if (app.failure() != null) {
            throw new AssertionError("the application stopped", app.failure());
        }
        return app;
    }

    private static void awaitCommits(ConsumeTransformProduce app, int commits, String when) {
        await(commits + " transactions committed " + when).atMost(STAGE)
                .until(() -> failIfStopped(app).commits() >= commits);
    }

    /**
     * With the application stopped: the outputs a read_committed consumer reads, once every output
     * transaction has ended, are exactly one per input below the group's committed offsets. Returns
     * those offsets.
     */
    private static Map<TopicPartition, Long> assertOutputsMatchCommittedInputs(String groupId, String input,
                                                                               String output) {
        Map<TopicPartition, Long> committed = committedOffsets(groupId, input);
        List<String> expected = new ArrayList<>();
        read(input, committed, (tp, offset, key) -> {
            if (offset < committed.get(tp)) {
                expected.add(tp.partition() + ":" + offset);
            }
        });
        List<String> outputs = new ArrayList<>();
        read(output, endOffsets(output, "read_uncommitted"), (tp, offset, key) -> outputs.add(key));
        Set<String> seen = new HashSet<>();
        List<String> twice = outputs.stream().filter(key -> !seen.add(key)).toList();
        assertEquals(List.of(), twice, "inputs with more than one output");
        Set<String> missing = new HashSet<>(expected);
        missing.removeAll(seen);
        Set<String> unexpected = new HashSet<>(seen);
        expected.forEach(unexpected::remove);
        assertEquals(Set.of(), missing, "inputs below the committed offsets " + committed + " without an output");
        assertEquals(Set.of(), unexpected, "outputs of inputs at or past the committed offsets " + committed);
        assertFalse(expected.isEmpty(), "the application committed some inputs");
        return committed;
    }

    /** The group's committed offsets of {@code topic}'s partitions, fetched stable (after any transaction holding them). */
    private static Map<TopicPartition, Long> committedOffsets(String groupId, String topic) {
        try (KafkaConsumer<String, String> consumer = consumer(groupId, "read_committed")) {
            Map<TopicPartition, Long> committed = new HashMap<>();
            Map<TopicPartition, OffsetAndMetadata> offsets = consumer.committed(Set.copyOf(partitions(topic)),
                    Duration.ofSeconds(120));
            partitions(topic).forEach(tp -> committed.put(tp, offsets.get(tp) == null ? 0 : offsets.get(tp).offset()));
            return committed;
        }
    }

    private static Map<TopicPartition, Long> endOffsets(String topic, String isolation) {
        try (KafkaConsumer<String, String> consumer = consumer(null, isolation)) {
            return Map.copyOf(consumer.endOffsets(partitions(topic), Duration.ofSeconds(120)));
        }
    }

    /** A record as {@link #read} hands it over. */
    private interface RecordVisitor {
        void visit(TopicPartition tp, long offset, String key);
    }

    /**
     * Reads {@code topic} read_committed from the beginning until the position of each partition
     * reaches {@code until}: past the high watermark, that is once every transaction below it has ended.
     */
    private static void read(String topic, Map<TopicPartition, Long> until, RecordVisitor visitor) {
        try (KafkaConsumer<String, String> consumer = consumer(null, "read_committed")) {
            List<TopicPartition> assigned = partitions(topic);
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            await("reading " + topic + " up to " + until).atMost(STAGE).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> visitor.visit(
                        new TopicPartition(record.topic(), record.partition()), record.offset(), record.key()));
                return assigned.stream().allMatch(tp -> consumer.position(tp) >= until.get(tp));
            });
        }
    }

    private static List<TopicPartition> partitions(String topic) {
        return IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    private static KafkaConsumer<String, String> consumer(String groupId, String isolation) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.processes.bootstrap());
        if (groupId != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    /**
     * Input records written without pause until closed (an idempotent producer, acks=all, patient
     * through a failover), so that the application is busy whenever a crash lands. A send that fails
     * leaves no input, which the checks, reading the input topic, account for.
     */
    private static final class Inputs implements AutoCloseable {
        private static final int BURST = 10;
        private static final long PACE_MS = 50;

        private final KafkaProducer<String, String> producer;
        private final AtomicInteger acknowledged = new AtomicInteger();
        private final Thread thread;
        private volatile boolean running = true;

        Inputs(String topic) {
            producer = StringClients.producer(cluster.processes.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000", ProducerConfig.MAX_BLOCK_MS_CONFIG, "120000"));
            thread = new Thread(() -> {
                for (int next = 0; running; ) {
                    for (int i = 0; i < BURST; i++, next++) {
                        producer.send(new ProducerRecord<>(topic, next % PARTITIONS, null, "in-" + next),
                                (metadata, e) -> {
                                    if (e == null) {
                                        acknowledged.incrementAndGet();
                                    }
                                });
                    }
                    producer.flush();
                    try {
                        Thread.sleep(PACE_MS); // a steady stream, not a flood the checks then have to read
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "inputs-" + topic);
            thread.start();
        }

        int acknowledged() {
            return acknowledged.get();
        }

        /** Stops writing once the writes under way are acknowledged or failed. */
        @Override
        public void close() throws InterruptedException {
            if (running) {
                running = false;
                thread.join();
                producer.close();
            }
        }
    }
}
