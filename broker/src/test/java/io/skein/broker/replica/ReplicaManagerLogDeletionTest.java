package io.skein.broker.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.skein.broker.kafka.BrokerConnector;
import io.skein.broker.metrics.BrokerMetrics;
import io.skein.log.FlushListener;
import io.skein.log.LogConfig;
import io.skein.log.LogManager;
import io.skein.log.LogManagerConfig;
import io.skein.log.MetaProperties;
import io.skein.metadata.image.ImageRecords;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.Uuids;
import io.skein.proto.metadata.Endpoint;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.PartitionRecord;
import io.skein.proto.metadata.RegisterBrokerRecord;
import io.skein.proto.metadata.RemoveTopicRecord;
import io.skein.proto.metadata.TopicRecord;
import io.skein.proto.metadata.UnfenceBrokerRecord;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 4 of issue 13: deleting a log is the most dangerous thing a broker does, so it needs
 * evidence. A broker that restarts and first sees metadata older than what it had applied (an image
 * that predates a topic) keeps that topic's log; metadata at least as new as the image the log was
 * created under, that still does not assign it, deletes it. The images here are built from records
 * and handed to a replica manager over real logs on disk, as the metadata loader hands them.
 */
class ReplicaManagerLogDeletionTest {
    private static final int BROKER = 1;
    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);

    @TempDir
    Path dir;
    Path logDir;
    final UUID ordersId = UUID.randomUUID();

    @BeforeEach
    void format() throws Exception {
        logDir = dir.resolve("logs");
        new MetaProperties("deletion-test-cluster", BROKER).format(List.of(logDir));
    }

    private static MetadataRecord register() {
        return MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder().setBrokerId(BROKER)
                .setBrokerEpoch(1).setIncarnationId(Uuids.toProto(UUID.randomUUID()))
                .addEndpoints(Endpoint.newBuilder().setName("PLAINTEXT").setHost("localhost").setPort(9092))).build();
    }

    private static MetadataRecord unfence() {
        return MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder().setBrokerId(BROKER)
                .setBrokerEpoch(1)).build();
    }

    private static List<MetadataRecord> orders(UUID id) {
        return List.of(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName("orders")
                        .setTopicId(Uuids.toProto(id))).build(),
                MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder().setTopicId(Uuids.toProto(id))
                        .setPartitionId(0).addReplicas(BROKER).addIsr(BROKER).setLeader(BROKER).setLastKnownLeader(-1))
                        .build());
    }

    private static MetadataRecord removal(UUID id) {
        return MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder().setTopicId(Uuids.toProto(id)))
                .build();
    }

    /** The cluster at {@code offset}: this broker, and topic "orders" with id {@code ordersId} unless null. */
    private static MetadataImage image(long offset, UUID ordersId) {
        MetadataDelta delta = new MetadataDelta(MetadataImage.EMPTY);
        delta.replay(register());
        delta.replay(unfence());
        if (ordersId != null) {
            orders(ordersId).forEach(delta::replay);
        }
        return delta.apply(offset);
    }

    /** A broker's replica manager over its log dir, as a (re)start opens it. */
    private record Broker(LogManager logs, ReplicaManager replicas) implements AutoCloseable {
        void publish(MetadataDelta delta, MetadataImage image) {
            replicas.onMetadataUpdate(delta, image);
        }

        /** What a loader hands a publisher for an image it has not seen grow. */
        void publishWhole(MetadataImage image) {
            publish(ImageRecords.replacementDelta(image), image);
        }

        boolean hasLog() {
            return logs.getLog(ORDERS_0).isPresent();
        }

        @Override
        public void close() throws Exception {
            replicas.close();
            logs.close();
        }
    }

    private Broker start() throws Exception {
        LogManager logs = LogManager.start(LogManagerConfig.defaults(List.of(logDir), BROKER), topic -> LogConfig.DEFAULT,
                Clock.systemUTC(), FlushListener.NONE);
        ReplicaManager replicas = new ReplicaManager(BROKER, logs, image -> LogConfig.DEFAULT, Clock.systemUTC(),
                new ReplicaManager.Replication("PLAINTEXT", BrokerConnector.PLAINTEXT, 30_000, 500, 1 << 20, 10 << 20, 1_000,
                        (partition, proposal) -> {
                            throw new AssertionError("a single replica proposes no ISR change");
                        }, () -> 1L, partitions -> {
                            throw new AssertionError("no log directory fails here");
                        }, image -> ReplicaManager.ThrottleRates.NONE), BrokerMetrics.register(new PrometheusRegistry()));
        return new Broker(logs, replicas);
    }

    /** Applies {@code records} on top of {@code base} as the batch at {@code offset}; the new image. */
    private static MetadataImage publish(Broker broker, MetadataImage base, long offset, List<MetadataRecord> records) {
        MetadataDelta delta = new MetadataDelta(base);
        records.forEach(delta::replay);
        MetadataImage next = delta.apply(offset);
        broker.publish(delta, next);
        return next;
    }

    @Test
    void aRestartThatFirstSeesOlderMetadataKeepsTheLogsCreatedSince() throws Exception {
        try (Broker broker = start()) {
            broker.publishWhole(image(10, ordersId));
            assertTrue(broker.hasLog(), "the log of a partition assigned here");
        }
        try (Broker restarted = start()) {
            MetadataImage old = image(5, null); // before the topic existed
            restarted.publishWhole(old);
            assertTrue(restarted.hasLog(), "deleted on the word of metadata older than the log");
            publish(restarted, old, 10, orders(ordersId));
            assertTrue(restarted.hasLog());
            assertEquals(ordersId, restarted.logs().getLog(ORDERS_0).orElseThrow().topicId().orElseThrow());
        }
    }

    @Test
    void metadataAsNewAsTheLogThatNoLongerAssignsItDeletesIt() throws Exception {
        try (Broker broker = start()) {
            broker.publishWhole(image(10, ordersId));
        }
        try (Broker restarted = start()) {
            MetadataImage old = image(5, null);
            restarted.publishWhole(old);
            MetadataImage created = publish(restarted, old, 10, orders(ordersId));
            assertTrue(restarted.hasLog());
            publish(restarted, created, 12, List.of(removal(ordersId)));
            assertFalse(restarted.hasLog(), "the log of a deleted topic");
        }
        try (Broker broker = start()) { // and a stray that a newer whole image no longer names goes too
            broker.publishWhole(image(20, ordersId));
            assertTrue(broker.hasLog());
        }
        try (Broker restarted = start()) {
            restarted.publishWhole(image(25, null));
            assertFalse(restarted.hasLog(), "a stray that metadata newer than the log does not assign");
        }
    }

    /**
     * The disk holds the log of the newer "orders"; a restart first sees metadata in which the name still
     * belongs to an older topic, then that topic's removal. Neither may take the newer topic's log.
     */
    @Test
    void anOlderTopicOfTheSameNameNeverTakesTheNewerOnesLog() throws Exception {
        UUID older = UUID.randomUUID();
        try (Broker broker = start()) {
            broker.publishWhole(image(10, ordersId));
        }
        try (Broker restarted = start()) {
            MetadataImage old = image(3, older);
            restarted.publishWhole(old);
            assertEquals(ordersId, restarted.logs().getLog(ORDERS_0).orElseThrow().topicId().orElseThrow(),
                    "the newer topic's log, replaced by the older topic's");
            MetadataImage removed = publish(restarted, old, 6, List.of(removal(older)));
            assertTrue(restarted.hasLog(), "the older topic's removal took the newer topic's log");
            publish(restarted, removed, 10, orders(ordersId));
            assertEquals(ordersId, restarted.logs().getLog(ORDERS_0).orElseThrow().topicId().orElseThrow());
        }
    }
}
