package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.FetchIsolation;
import io.skein.log.FileSlice;
import io.skein.log.PartitionLog;
import io.skein.log.record.RecordBatchView;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Topic configs that change what the leader writes, seen by Kafka's own producer and consumer. */
@Timeout(120)
class LogAppendTimeTest {
    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            admin.createTopics(List.of(
                    new NewTopic("stamped", 1, (short) 1).configs(Map.of("message.timestamp.type", "LogAppendTime",
                            "compression.type", "lz4")),
                    new NewTopic("recent", 1, (short) 1).configs(Map.of("message.timestamp.before.max.ms", "60000"))))
                    .all().get();
        }
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static KafkaProducer<String, String> producer() {
        return StringClients.producer(node.bootstrap(), Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000",
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000"));
    }

    @Test
    void theProducerAndTheConsumerSeeTheLeadersAppendTimeAndTheTopicsCodec() throws Exception {
        long createTime = 1_000L; // long ago: the leader's stamp must replace it
        RecordMetadata sent;
        try (KafkaProducer<String, String> producer = producer()) {
            sent = producer.send(new ProducerRecord<>("stamped", 0, createTime, "k", "v")).get();
        }
        assertTrue(sent.timestamp() > createTime, "the produce response carries the log append time: " + sent);

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            TopicPartition tp = new TopicPartition("stamped", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (read.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
            assertEquals(1, read.size(), "the record was not read within 30 s");
            assertEquals(0, consumer.offsetsForTimes(Map.of(tp, sent.timestamp())).get(tp).offset());
        }
        assertEquals(TimestampType.LOG_APPEND_TIME, read.get(0).timestampType());
        assertEquals(sent.timestamp(), read.get(0).timestamp());
        PartitionLog log = node.replica(new TopicPartition("stamped", 0)).orElseThrow();
        FileSlice slice = log.read(0, Integer.MAX_VALUE, FetchIsolation.LOG_END, true);
        ByteBuffer header = ByteBuffer.allocate(RecordBatchView.HEADER_SIZE);
        slice.channel().read(header, slice.position());
        assertEquals(3, new RecordBatchView().at(header, 0).compressionId(), "stored as lz4 (id 3), sent uncompressed");
    }

    @Test
    void aCreateTimeOutsideTheTopicsBoundsFailsWithInvalidTimestamp() throws Exception {
        try (KafkaProducer<String, String> producer = producer()) {
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("recent", 0, System.currentTimeMillis() - 3_600_000L, "k",
                            "an hour old")).get());
            assertTrue(failed.getCause() instanceof InvalidTimestampException, failed.toString());
            producer.send(new ProducerRecord<>("recent", 0, System.currentTimeMillis(), "k", "now")).get();
        }
    }
}
