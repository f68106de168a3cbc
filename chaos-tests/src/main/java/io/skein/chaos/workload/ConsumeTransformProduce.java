package io.skein.chaos.workload;

import io.skein.chaos.history.History;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Read;
import io.skein.chaos.history.Op.Write;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Exactly-once consume-transform-produce (KIP-447), as Kafka Streams works: a member of a group polls
 * read_committed, turns each value a producer sent into a new value in the same partition, and commits
 * those with the group's new offsets ({@code sendOffsetsToTransaction}) in one transaction; one in five
 * is aborted on purpose. After a transaction that did not commit it goes back to the group's committed
 * offsets, so every input is turned exactly once by a committed transaction: what an input's two
 * committed turnings would break shows as {@code reprocessed}. The outputs are not turned again.
 */
final class ConsumeTransformProduce extends TransactionalClient {
    static final String PROCESS_PREFIX = "ctp-";
    private static final int ABORT_ONE_IN = 5;
    private static final Duration POLL = Duration.ofMillis(200);

    private final Function<String, KafkaConsumer<String, String>> subscribe;
    private final Random random;
    private KafkaConsumer<String, String> consumer;
    private Map<TopicPartition, OffsetAndMetadata> offsets = Map.of();

    /** @param subscribe a read_committed consumer of the group, subscribed, for a member of that name */
    ConsumeTransformProduce(String name, Map<String, Object> client, String topic, History history,
                            BooleanSupplier running, Function<String, KafkaConsumer<String, String>> subscribe,
                            long seed) {
        super(name, client, topic, history, running, Duration.ZERO);
        this.subscribe = subscribe;
        this.random = new Random(seed);
    }

    @Override
    protected Plan plan(long n) {
        if (consumer == null) {
            consumer = subscribe.apply(name);
        }
        ConsumerRecords<String, String> records;
        try {
            records = consumer.poll(POLL);
        } catch (KafkaException e) { // a rebalance, a coordinator away: the next poll tries again
            return null;
        }
        if (records.isEmpty()) {
            return null;
        }
        List<Read> reads = new ArrayList<>(records.count());
        List<Write> writes = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            reads.add(new Read(record.partition(), record.offset(), record.value()));
            next.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
            if (!record.value().startsWith(PROCESS_PREFIX)) {
                writes.add(new Write(record.partition(), name + "-" + n + "-" + writes.size(), null));
            }
        }
        offsets = next;
        return new Plan(writes, reads, random.nextInt(ABORT_ONE_IN) == 0);
    }

    @Override
    protected void beforeCommit(KafkaProducer<String, String> producer) {
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
    }

    /** Back to the group's committed offsets; if they cannot be had, a new member of the group starts there. */
    @Override
    protected void notCommitted() {
        Set<TopicPartition> assigned = consumer.assignment();
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned, Duration.ofSeconds(10));
            for (TopicPartition partition : assigned) {
                OffsetAndMetadata offset = committed.get(partition);
                if (offset == null) {
                    consumer.seekToBeginning(List.of(partition));
                } else {
                    consumer.seek(partition, offset);
                }
            }
            history.info(name, Fn.ASSIGN, "back to the group's committed offsets of " + assigned);
        } catch (KafkaException e) {
            closeClients();
            history.info(name, Fn.ASSIGN, "left the group to rejoin at its committed offsets: " + e);
        }
    }

    @Override
    protected void closeClients() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
            consumer = null;
        }
    }
}
