package io.skein.server.console;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The console's test messages: a Kafka producer of this broker's own (acks=all, idempotent, as
 * {@code skein produce} sends), made on the first message and closed with the console.
 */
final class TestProducer implements AutoCloseable {
    private static final int MAX_BLOCK_MS = 10_000;
    private static final int DELIVERY_TIMEOUT_MS = 30_000;

    private final Map<String, Object> config;
    private KafkaProducer<byte[], byte[]> producer;
    private boolean closed;

    /** @param selfClient kafka-clients properties of a client of this broker (bootstrap and security) */
    TestProducer(Map<String, Object> selfClient, int nodeId) {
        this.config = new HashMap<>(selfClient);
        config.putAll(Map.of(ProducerConfig.CLIENT_ID_CONFIG, "skein-console-" + nodeId,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MS / 2,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MS));
    }

    /** Where the record was written; a record without a partition goes where its key hashes to. */
    CompletableFuture<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        CompletableFuture<RecordMetadata> written = new CompletableFuture<>();
        producer().send(record, (metadata, failure) -> {
            if (failure != null) {
                written.completeExceptionally(failure);
            } else {
                written.complete(metadata);
            }
        });
        return written;
    }

    private synchronized KafkaProducer<byte[], byte[]> producer() {
        if (closed) {
            throw new IllegalStateException("The console is closed");
        }
        if (producer == null) {
            producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close();
        }
    }
}
