package io.skein.broker.txn;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * An exactly-once consume-transform-produce application, as Kafka's examples write one: each poll's
 * records become one transaction of their outputs and the offsets after them
 * ({@code sendOffsetsToTransaction} with the consumer's group metadata). An abortable error aborts
 * and rewinds to the group's committed offsets; an error the producer cannot recover from, or a
 * commit whose outcome is unknown (timed out), replaces the producer, whose initialisation ends the
 * old one's transaction, and rewinds too. An output's key names its input ({@code partition:offset})
 * so a check can tie them together.
 */
final class ConsumeTransformProduce implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final Supplier<KafkaProducer<String, String>> producers;
    private final String input;
    private final String output;
    private final Thread thread;
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Map<String, Integer> recoveries = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> committed = new ConcurrentHashMap<>();
    private volatile boolean inTransaction;
    private volatile boolean running = true;
    private KafkaProducer<String, String> producer;

    ConsumeTransformProduce(String bootstrap, String groupId, Supplier<KafkaProducer<String, String>> producers,
                            String input, String output) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "100");
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        this.producers = producers;
        this.input = input;
        this.output = output;
        this.thread = new Thread(this::run, "consume-transform-produce-" + groupId);
        thread.start();
    }

    /** Transactions committed so far. */
    int commits() {
        return commits.get();
    }

    /** Whether a transaction is open: begun, and its commit not yet answered. */
    boolean inTransaction() {
        return inTransaction;
    }

    /** The offsets after the inputs whose outputs this instance committed, by input partition. */
    Map<TopicPartition, Long> committed() {
        return Map.copyOf(committed);
    }

    /** Why transactions were aborted or producers replaced, by exception class, with how often. */
    Map<String, Integer> recoveries() {
        return Map.copyOf(recoveries);
    }

    /** What stopped the loop, if it stopped on its own: a failure the test reports. */
    Throwable failure() {
        return failure.get();
    }

    private void run() {
        try {
            producer = producers.get();
            producer.initTransactions();
            consumer.subscribe(List.of(input));
            while (running) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                if (!records.isEmpty()) {
                    transform(records);
                }
            }
        } catch (Throwable e) {
            failure.set(e);
        } finally {
            if (producer != null) {
                producer.close(Duration.ZERO);
            }
            consumer.close(Duration.ZERO);
        }
    }

    private void transform(ConsumerRecords<String, String> records) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        try {
            producer.beginTransaction();
            inTransaction = true;
            for (ConsumerRecord<String, String> record : records) {
                producer.send(new ProducerRecord<>(output, record.partition(),
                        record.partition() + ":" + record.offset(), record.value()));
                next.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
            }
            producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
            producer.commitTransaction();
            next.forEach((tp, offset) -> committed.put(tp, offset.offset()));
            commits.incrementAndGet();
        } catch (ProducerFencedException | FencedInstanceIdException | OutOfOrderSequenceException | TimeoutException e) {
            recovered(e);
            replaceProducer();
            rewind();
        } catch (KafkaException e) {
            recovered(e);
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailed) {
                recovered(abortFailed);
                replaceProducer();
            }
            rewind();
        } finally {
            inTransaction = false;
        }
    }

    private void recovered(KafkaException e) {
        recoveries.merge(e.getClass().getSimpleName(), 1, Integer::sum);
    }

    private void replaceProducer() {
        producer.close(Duration.ZERO);
        producer = producers.get();
        producer.initTransactions();
    }

    /**
     * Back to the group's committed offsets: a read_committed consumer's fetch of them is stable, so
     * it waits for the transaction just ended, whichever way it ended.
     */
    private void rewind() {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> offsets = consumer.committed(assigned, Duration.ofSeconds(120));
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata offset = offsets.get(tp);
            if (offset == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, offset);
            }
        }
    }

    /** Stops the loop after the transaction under way, and waits for it. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(Duration.ofSeconds(150).toMillis());
        if (thread.isAlive()) {
            throw new IllegalStateException(thread.getName() + " did not stop");
        }
    }
}
