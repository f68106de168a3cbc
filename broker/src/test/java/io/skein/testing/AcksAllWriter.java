package io.skein.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * An idempotent acks=all producer writing increasing numbers round-robin to a topic's partitions
 * on a thread of its own, while a test breaks the cluster, until told to finish; then every
 * acknowledged number must be read back once, in order per partition, and no send may have failed.
 */
public final class AcksAllWriter {
    /** The key of the writer's records, which tells them from others a test wrote to the topic (such as filler). */
    private static final String KEY = "acks-all-writer";
    private final String bootstrap;
    private final String topic;
    private final int partitions;
    private final List<List<Integer>> acked = new ArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final Supplier<KafkaProducer<String, String>> producer;
    private final Thread thread;

    /** A writer whose producer rides out failovers with settings of its own ({@link #producer}). */
    public AcksAllWriter(String bootstrap, String topic, int partitions) {
        this(bootstrap, topic, partitions, () -> producer(bootstrap, "all"));
    }

    /**
     * A writer whose producer has kafka-clients' defaults throughout (acks=all and idempotence are the
     * defaults since Kafka 3.0), as an application that tuned nothing has it.
     */
    public static AcksAllWriter withDefaultClient(String bootstrap, String topic, int partitions) {
        return new AcksAllWriter(bootstrap, topic, partitions, () -> StringClients.producer(bootstrap, Map.of()));
    }

    private AcksAllWriter(String bootstrap, String topic, int partitions,
                          Supplier<KafkaProducer<String, String>> producer) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.partitions = partitions;
        this.producer = producer;
        for (int p = 0; p < partitions; p++) {
            acked.add(new CopyOnWriteArrayList<>());
        }
        this.thread = new Thread(this::run, "writer-" + topic);
        thread.start();
    }

    /** A producer that rides out failovers: long delivery timeout, retries with a short back-off. */
    public static KafkaProducer<String, String> producer(String bootstrap, String acks) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(acks.equals("all")));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "200");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    /** Every record of every partition of {@code topic}, by partition, once at least {@code expected} are read. */
    public static Map<Integer, List<String>> readAll(String bootstrap, String topic, int partitions, int expected) {
        return read(bootstrap, topic, partitions, expected, record -> true);
    }

    /**
     * The {@code wanted} records of every partition of {@code topic}, by partition, once every partition
     * is read up to its end offset as the read began and at least {@code expected} wanted records are read.
     */
    private static Map<Integer, List<String>> read(String bootstrap, String topic, int partitions, int expected,
                                                   Predicate<ConsumerRecord<String, String>> wanted) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        Map<Integer, List<String>> values = new ConcurrentHashMap<>();
        List<TopicPartition> tps = IntStream.range(0, partitions)
                .mapToObj(p -> new TopicPartition(topic, p)).toList();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps, Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (wanted.test(record)) {
                        values.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(record.value());
                    }
                }
                return values.values().stream().mapToInt(List::size).sum() >= expected
                        && tps.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
            });
        }
        return values;
    }

    private void run() {
        try (KafkaProducer<String, String> producer = this.producer.get()) {
            for (int i = 0; producing.get(); i++) {
                int partition = i % partitions;
                int value = i;
                producer.send(new ProducerRecord<>(topic, partition, KEY, Integer.toString(value)), (meta, e) -> {
                    if (e == null) {
                        acked.get(partition).add(value);
                    } else {
                        failures.add(e);
                    }
                });
                if (i % 50 == 49) {
                    Thread.sleep(20); // a steady load, not a flood of buffered records
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failures.add(e); // a send that throws instead of failing its future is a failed send too
        }
    }

    /** How many sends have been acknowledged so far. */
    public int acknowledged() {
        return acked.stream().mapToInt(List::size).sum();
    }

    public void finishAndCheck() throws InterruptedException {
        producing.set(false);
        thread.join(180_000);
        assertFalse(thread.isAlive(), "the writer did not finish its sends within 180 s");
        int total = acked.stream().mapToInt(List::size).sum();
        assertTrue(total > 0, "nothing was acknowledged");
        // Read to the end rather than to the count acknowledged, so that a loss fails as a loss, not as a wait.
        Map<Integer, List<String>> read = read(bootstrap, topic, partitions, 0, record -> KEY.equals(record.key()));
        for (int p = 0; p < partitions; p++) {
            List<Integer> consumed = read.getOrDefault(p, List.of()).stream().map(Integer::valueOf).toList();
            assertEquals(consumed.stream().distinct().count(), consumed.size(), "a duplicate in partition " + p);
            List<Integer> sorted = new ArrayList<>(consumed);
            Collections.sort(sorted);
            assertEquals(sorted, consumed, "partition " + p + " out of order");
            assertTrue(consumed.containsAll(acked.get(p)), "an acknowledged record of partition " + p + " is lost");
        }
        assertEquals(List.of(), failures.stream().map(Throwable::toString).distinct().toList(), "failed sends");
    }
}
