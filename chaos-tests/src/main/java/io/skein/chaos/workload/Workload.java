package io.skein.chaos.workload;

import io.skein.chaos.history.History;
import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Read;
import io.skein.chaos.history.Op.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Real kafka-clients at work while faults come and go, each on a thread of its own, recording
 * into the history: producers writing unique values round-robin over the partitions (or, in the
 * transactional workload, in transactions: {@link TransactionalProducer}), a consumer reading every
 * partition by assign(), consumers in a group that commit after every poll, and (in the transactional
 * workload, unless left out) consume-transform-produce members ({@link ConsumeTransformProduce}).
 * Consumers read as the {@link WorkloadMode} says: read_committed in the transactional workload.
 */
public final class Workload implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);

    private final Map<String, Object> client;
    private final String topic;
    private final int partitions;
    private final History history;
    private final Map<String, Object> producerOverrides;
    private final WorkloadMode mode;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param client            every client's bootstrap servers and security ({@code SkeinCluster.kafkaClient()})
     * @param producerOverrides on top of acks=all, idempotence and retries (the negative control uses acks=1);
     *                          not for transactional producers, which need acks=all
     */
    public Workload(Map<String, Object> client, String topic, int partitions, History history,
                    Map<String, Object> producerOverrides, WorkloadMode mode) {
        this.client = Map.copyOf(client);
        this.topic = topic;
        this.partitions = partitions;
        this.history = history;
        this.producerOverrides = producerOverrides;
        this.mode = mode;
    }

    public void startProducers(int count, int sendsPerSecond) {
        for (int i = 1; i <= count; i++) {
            String name = "producer-" + i;
            start(name, () -> produce(name, sendsPerSecond));
        }
    }

    /**
     * Producers that send in transactions ({@link TransactionalProducer}), their transactional ids their
     * names ("txn-producer-1"), at up to {@code transactionsPerSecond} each.
     */
    public void startTransactionalProducers(int count, int transactionsPerSecond, long seed) {
        for (int i = 1; i <= count; i++) {
            String name = "txn-producer-" + i;
            start(name, new TransactionalProducer(name, client, topic, partitions, history, running::get,
                    Duration.ofMillis(1000 / Math.max(1, transactionsPerSecond)), seed + i));
        }
    }

    /**
     * Members of {@code group} that consume, transform and produce exactly once ({@link ConsumeTransformProduce}).
     * They read read_committed whatever the mode, as exactly-once processing must (in the read_uncommitted
     * negative control too: its aborted reads are the live consumers').
     */
    public void startConsumeTransformProduce(int count, String group, long seed) {
        for (int i = 1; i <= count; i++) {
            String name = ConsumeTransformProduce.PROCESS_PREFIX + i;
            start(name, new ConsumeTransformProduce(name, client, topic, history, running::get,
                    member -> subscribe(member, group, "read_committed"), seed + 100 + i));
        }
    }

    /** One consumer that assign()s every partition and reads from the beginning. */
    public void startAssignedConsumer() {
        start("consumer-assigned", this::consumeAssigned);
    }

    /** Consumers in one group that commit synchronously after every poll. */
    public void startGroupConsumers(int count, String group) {
        for (int i = 1; i <= count; i++) {
            String name = "consumer-group-" + i;
            start(name, () -> consumeInGroup(name, group));
        }
    }

    private void start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    private void produce(String name, int sendsPerSecond) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putAll(producerOverrides);
        long pauseNanos = 1_000_000_000L / Math.max(1, sendsPerSecond);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (long n = 0; running.get(); n++) {
                int partition = (int) (n % partitions);
                String value = name + "-" + n;
                Op invoked = history.invoke(name, Fn.SEND, partition, value);
                try {
                    producer.send(new ProducerRecord<>(topic, partition, null, value), (metadata, error) -> {
                        if (error == null) {
                            history.complete(invoked, Type.OK, metadata.offset(), null, null);
                        } else {
                            // A send that failed may still have been written (a timeout, a lost answer).
                            history.complete(invoked, Type.INFO, null, null, error.toString());
                        }
                    });
                } catch (RuntimeException e) {
                    history.complete(invoked, Type.INFO, null, null, e.toString());
                }
                Thread.sleep(pauseNanos / 1_000_000, (int) (pauseNanos % 1_000_000));
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private KafkaConsumer<String, String> consumer(String name, String group) {
        return consumer(name, group, mode.consumerIsolation());
    }

    private KafkaConsumer<String, String> consumer(String name, String group, String isolation) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        if (group != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    private List<TopicPartition> allPartitions() {
        return IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    private void consumeAssigned() {
        try (KafkaConsumer<String, String> consumer = consumer("consumer-assigned", null)) {
            consumer.assign(allPartitions());
            consumer.seekToBeginning(allPartitions());
            history.info("consumer-assigned", Fn.ASSIGN, allPartitions().toString());
            while (running.get()) {
                poll("consumer-assigned", consumer);
            }
        }
    }

    /** A consumer of {@code group} subscribed to the topic, its assignments noted in the history. */
    private KafkaConsumer<String, String> subscribe(String name, String group, String isolation) {
        KafkaConsumer<String, String> consumer = consumer(name, group, isolation);
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                history.info(name, Fn.ASSIGN, assigned.toString());
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> lost) {
                history.info(name, Fn.ASSIGN, "lost " + lost);
            }
        });
        return consumer;
    }

    private void consumeInGroup(String name, String group) {
        try (KafkaConsumer<String, String> consumer = subscribe(name, group, mode.consumerIsolation())) {
            while (running.get()) {
                if (poll(name, consumer)) {
                    try {
                        consumer.commitSync(Duration.ofSeconds(10));
                    } catch (RuntimeException e) {
                        // Not fatal: the next commit, or the group's next assignment, takes over.
                    }
                }
            }
        }
    }

    /** @return whether records came back */
    private boolean poll(String name, KafkaConsumer<String, String> consumer) {
        Op invoked = history.invoke(name, Fn.POLL, null, null);
        try {
            ConsumerRecords<String, String> records = consumer.poll(POLL);
            List<Read> reads = new ArrayList<>(records.count());
            for (ConsumerRecord<String, String> record : records) {
                reads.add(new Read(record.partition(), record.offset(), record.value()));
            }
            history.complete(invoked, Type.OK, null, reads, null);
            return !reads.isEmpty();
        } catch (RuntimeException e) {
            history.complete(invoked, Type.FAIL, null, null, e.toString());
            return false;
        }
    }

    /**
     * After every fault has healed: each partition read whole, from its start to its end offset (in the
     * transactional workload, read_committed, once no transaction is open there: see {@link #stableEnd}).
     */
    public void finalRead(Duration timeout) throws InterruptedException {
        try (KafkaConsumer<String, String> consumer = consumer("final-reader", null, mode.finalReadIsolation());
             KafkaConsumer<String, String> uncommitted = consumer("final-reader-hw", null, "read_uncommitted")) {
            for (TopicPartition tp : allPartitions()) {
                Op invoked = history.invoke("final-reader", Fn.FINAL_READ, tp.partition(), null);
                try {
                    long end = stableEnd(consumer, uncommitted, tp, timeout);
                    consumer.assign(List.of(tp));
                    consumer.seekToBeginning(List.of(tp));
                    List<Read> reads = new ArrayList<>();
                    long deadline = System.nanoTime() + timeout.toNanos();
                    while (consumer.position(tp, timeout) < end && System.nanoTime() < deadline) {
                        for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                            reads.add(new Read(record.partition(), record.offset(), record.value()));
                        }
                    }
                    if (consumer.position(tp, timeout) < end) {
                        history.complete(invoked, Type.FAIL, null, null, "read up to " + consumer.position(tp)
                                + " of " + end + " within " + timeout);
                    } else {
                        history.complete(invoked, Type.OK, null, reads, null);
                    }
                } catch (RuntimeException e) {
                    history.complete(invoked, Type.FAIL, null, null, e.toString());
                }
            }
        }
    }

    /**
     * Where the final read of {@code tp} ends: its end offset as {@code consumer} sees it. Read_committed,
     * that is the last stable offset, below the high watermark while a transaction is open there: a
     * committed one until its marker is written, one an abandoned producer left open until the
     * coordinator aborts it on its timeout. Reading before they meet would miss committed records, so it
     * waits for that, up to {@code timeout}; a transaction still open then never ended, and the partition
     * is left unread.
     */
    private static long stableEnd(KafkaConsumer<String, String> consumer, KafkaConsumer<String, String> uncommitted,
                                  TopicPartition tp, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
            long highWatermark = uncommitted.endOffsets(List.of(tp), timeout).get(tp);
            if (end >= highWatermark) {
                return end;
            }
            if (System.nanoTime() >= deadline) {
                throw new IllegalStateException("the last stable offset " + end + " stayed below the high watermark "
                        + highWatermark + " for " + timeout.toSeconds() + " s: a transaction never ended");
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Stops every client and waits for them: producers flush what they have in flight first. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join(120_000);
        }
    }
}
