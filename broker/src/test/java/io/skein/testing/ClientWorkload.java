package io.skein.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What a Kafka user does with unmodified clients, as scenarios that throw {@link AssertionError} when
 * the broker gets something wrong. It uses only client APIs that kafka-clients 3.9 and 4.x share, so
 * the same scenarios run in this JVM against the project's kafka-clients and in a child JVM against
 * an older release ({@link #main}).
 */
public final class ClientWorkload {
    private final String bootstrap;
    private final String prefix;

    /** @param prefix starts every topic name, so that runs against one broker do not collide */
    public ClientWorkload(String bootstrap, String prefix) {
        this.bootstrap = bootstrap;
        this.prefix = prefix;
    }

    /** Runs the scenarios named in the arguments after the bootstrap and the topic prefix; exits 0 if all pass. */
    public static void main(String[] args) {
        ClientWorkload workload = new ClientWorkload(args[0], args[1]);
        System.out.println("kafka-clients from " + KafkaProducer.class.getProtectionDomain().getCodeSource().getLocation());
        try {
            for (String scenario : Arrays.asList(args).subList(2, args.length)) {
                workload.run(scenario);
                System.out.println("PASSED " + scenario);
            }
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace(System.out);
            System.exit(1);
        }
    }

    public void run(String scenario) throws Exception {
        switch (scenario) {
            case "roundtrip" -> keyedRoundTrip(100_000, 6);
            case "codecs" -> compressionCodecs();
            case "acks" -> acksZeroAndOne();
            case "admin" -> adminOperations();
            case "txn-offsets" -> transactionalOffsets();
            default -> throw new IllegalArgumentException("No scenario " + scenario);
        }
    }

    /**
     * The default producer (idempotent, acks=all) writes {@code count} keyed records; a consumer that
     * assigns itself every partition and seeks to the beginning reads them all back: each key in one
     * partition, each partition in the order written, nothing lost or doubled.
     */
    public void keyedRoundTrip(int count, int partitions) throws Exception {
        String topic = prefix + "-roundtrip";
        createTopic(topic, partitions, Map.of());
        Map<String, Integer> partitionOfKey = new HashMap<>();
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                sends.add(producer.send(new ProducerRecord<>(topic, "key-" + (i % 1000), Integer.toString(i))));
            }
            for (int i = 0; i < count; i++) {
                int partition = sends.get(i).get().partition();
                Integer earlier = partitionOfKey.putIfAbsent("key-" + (i % 1000), partition);
                check(earlier == null || earlier == partition, "key-" + (i % 1000) + " went to partitions " + earlier
                        + " and " + partition);
            }
        }
        Map<Integer, List<ConsumerRecord<String, String>>> read = readAll(topic, partitions, count);
        int total = 0;
        for (Map.Entry<Integer, List<ConsumerRecord<String, String>>> entry : read.entrySet()) {
            int previous = -1;
            long expectedOffset = 0;
            for (ConsumerRecord<String, String> record : entry.getValue()) {
                int value = Integer.parseInt(record.value());
                check(value > previous, "partition " + entry.getKey() + " holds " + value + " after " + previous);
                check(record.offset() == expectedOffset, "partition " + entry.getKey() + " skips from offset "
                        + expectedOffset + " to " + record.offset());
                check(partitionOfKey.get(record.key()) == entry.getKey(), record.key() + " read from partition "
                        + entry.getKey());
                check(record.key().equals("key-" + (value % 1000)), "record " + value + " has key " + record.key());
                previous = value;
                expectedOffset++;
                total++;
            }
        }
        check(total == count, "read " + total + " records, wrote " + count);
    }

    /** Every codec Kafka has: batches are accepted, stored as sent, and read back intact. */
    public void compressionCodecs() throws Exception {
        for (String codec : List.of("gzip", "snappy", "lz4", "zstd")) {
            String topic = prefix + "-codec-" + codec;
            createTopic(topic, 1, Map.of());
            try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
                    ProducerConfig.LINGER_MS_CONFIG, "50"))) {
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                for (int i = 0; i < 2_000; i++) {
                    sends.add(producer.send(new ProducerRecord<>(topic, "k" + i, codec + "-" + i + "-" + "x".repeat(i % 100))));
                }
                for (Future<RecordMetadata> send : sends) {
                    send.get();
                }
            }
            List<ConsumerRecord<String, String>> read = readAll(topic, 1, 2_000).get(0);
            for (int i = 0; i < 2_000; i++) {
                check(read.get(i).value().equals(codec + "-" + i + "-" + "x".repeat(i % 100)),
                        codec + " record " + i + " reads back as " + read.get(i).value());
            }
        }
    }

    /** Producers with acks=0 (no responses at all) and acks=1 (the leader's append). */
    public void acksZeroAndOne() throws Exception {
        for (String acks : List.of("0", "1")) {
            String topic = prefix + "-acks" + acks;
            createTopic(topic, 2, Map.of());
            try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.ACKS_CONFIG, acks,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"))) {
                for (int i = 0; i < 5_000; i++) {
                    producer.send(new ProducerRecord<>(topic, Integer.toString(i), "v" + i));
                }
                producer.flush();
            }
            Map<Integer, List<ConsumerRecord<String, String>>> read = readAll(topic, 2, 5_000);
            Set<String> values = read.values().stream().flatMap(List::stream).map(ConsumerRecord::value)
                    .collect(Collectors.toSet());
            check(values.size() == 5_000, "acks=" + acks + ": read " + values.size() + " distinct records of 5000");
        }
    }

    /** Admin: create (and refuse to create twice), list, describe, add partitions (never remove), configs, delete. */
    public void adminOperations() throws Exception {
        String topic = prefix + "-admin";
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1).configs(Map.of("retention.ms", "3600000"))))
                    .all().get();
            expectFailure(() -> admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(),
                    TopicExistsException.class);
            check(admin.listTopics().names().get().contains(topic), "listTopics lacks " + topic);
            TopicDescription described = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            check(described.partitions().size() == 3, "described " + described);
            check(described.partitions().stream().allMatch(p -> p.leader() != null && p.isr().size() == 1),
                    "partitions without a leader: " + described);

            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all().get();
            check(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size() == 5,
                    "partitions not added");
            expectFailure(() -> admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all().get(),
                    InvalidPartitionsException.class);

            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            check("3600000".equals(config.get("retention.ms").value()), "retention.ms is " + config.get("retention.ms"));
            check(config.get("segment.bytes") != null, "segment.bytes not described");

            admin.deleteTopics(List.of(topic)).all().get();
            check(!admin.listTopics().names().get().contains(topic), topic + " still listed after deletion");
            expectFailure(() -> admin.describeTopics(List.of(topic)).allTopicNames().get(),
                    UnknownTopicOrPartitionException.class);
        }
    }

    /**
     * Offsets sent to transactions (needs a broker serving transactions): those of a committed
     * transaction become the group's, those of an aborted one never do; a read_committed member of the
     * group reads the committed ones once the transaction's markers are written.
     */
    public void transactionalOffsets() throws Exception {
        String topic = prefix + "-txn-offsets";
        String group = prefix + "-txn-group";
        createTopic(topic, 1, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                prefix + "-txn"))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed"));
            producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(4)), new ConsumerGroupMetadata(group));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted"));
            producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(9)), new ConsumerGroupMetadata(group));
            producer.abortTransaction();
        }
        Properties props = new Properties();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, String> consumer = consumer(props)) {
            OffsetAndMetadata committed = consumer.committed(Set.of(tp), Duration.ofSeconds(60)).get(tp);
            check(committed != null && committed.offset() == 4, "the group's committed offset is " + committed);
        }
    }

    private void createTopic(String topic, int partitions, Map<String, String> configs) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
        }
    }

    /** Reads {@code count} records from the start of every partition, by partition in offset order. */
    private Map<Integer, List<ConsumerRecord<String, String>>> readAll(String topic, int partitions, int count) {
        Map<Integer, List<ConsumerRecord<String, String>>> read = new HashMap<>();
        IntStream.range(0, partitions).forEach(p -> read.put(p, new ArrayList<>()));
        try (KafkaConsumer<String, String> consumer = consumer(new Properties())) {
            List<TopicPartition> assigned = IntStream.range(0, partitions)
                    .mapToObj(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int total = 0;
            while (total < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    read.get(record.partition()).add(record);
                    total++;
                }
            }
            check(total >= count, "read " + total + " of " + count + " records from " + topic + " within 60 s");
        }
        return read;
    }

    private KafkaProducer<String, String> producer(Map<String, String> overrides) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.putAll(overrides);
        return new KafkaProducer<>(props);
    }

    private KafkaConsumer<String, String> consumer(Properties overrides) {
        Properties props = new Properties();
        props.putAll(overrides);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(props);
    }

    private Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    private static void expectFailure(Call call, Class<? extends Throwable> expected) throws Exception {
        try {
            call.run();
        } catch (ExecutionException e) {
            check(expected.isInstance(e.getCause()), "expected " + expected.getSimpleName() + ", got " + e.getCause());
            return;
        }
        throw new AssertionError("expected " + expected.getSimpleName() + ", but the call succeeded");
    }

    private static void check(boolean condition, String problem) {
        if (!condition) {
            throw new AssertionError(problem);
        }
    }
}
