package io.skein.broker;

import static io.skein.testing.RawKafkaClient.idempotentBatch;
import static io.skein.testing.RawKafkaClient.only;
import static io.skein.testing.RawKafkaClient.produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.awaitility.Awaitility.await;

import io.skein.log.LogManager;
import io.skein.log.PartitionLog;
import io.skein.log.producer.ProducerSnapshots;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idempotent producers, batch by batch: a retried batch is answered with the offset it first got and
 * not written again, as long as it is among the producer's last five; sequences must follow on; an
 * older producer epoch is fenced; and all of it survives a restart, loaded from the log's producer
 * snapshots and the batches after them.
 */
@Timeout(120)
class IdempotenceTest {
    private static final short PRODUCE_VERSION = 12;

    @TempDir
    Path dir;

    private static PartitionProduceResponse send(RawKafkaClient client, long producerId, short epoch, int sequence,
                                                 String... values) throws Exception {
        return only(client.call(produce("idem", 0, (short) -1, idempotentBatch(producerId, epoch, sequence,
                List.of(values))), PRODUCE_VERSION));
    }

    private static void assertWritten(long offset, PartitionProduceResponse response) {
        assertEquals(Errors.NONE.code(), response.errorCode(), response.toString());
        assertEquals(offset, response.baseOffset(), response.toString());
    }

    private static void assertError(Errors error, PartitionProduceResponse response) {
        assertEquals(error.code(), response.errorCode(), response.toString());
    }

    @Test
    void retriesAreAnsweredWithTheirFirstOffsetAndGapsAndOldEpochsAreRefused() throws Exception {
        try (TestNode node = TestNode.start(dir)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("idem", 1, (short) 1))).all().get();
            }
            long producerId;
            long otherProducerId;
            try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
                InitProducerIdResponseData init = client.call(new InitProducerIdRequestData()
                        .setTransactionalId(null).setTransactionTimeoutMs(60_000), (short) 4);
                assertEquals(Errors.NONE.code(), init.errorCode());
                assertEquals(0, init.producerEpoch());
                producerId = init.producerId();
                InitProducerIdResponseData again = client.call(new InitProducerIdRequestData()
                        .setTransactionalId(null).setTransactionTimeoutMs(60_000), (short) 4);
                otherProducerId = again.producerId();
                assertNotEquals(producerId, otherProducerId, "producer ids are never given twice");

                assertWritten(0, send(client, producerId, (short) 0, 0, "a", "b", "c"));
                assertWritten(0, send(client, producerId, (short) 0, 0, "a", "b", "c")); // a retry: not written again
                assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, send(client, producerId, (short) 0, 5, "gap"));
                assertWritten(3, send(client, producerId, (short) 0, 3, "d"));
                assertWritten(4, send(client, otherProducerId, (short) 0, 0, "other"));
                for (int sequence = 4; sequence < 9; sequence++) {
                    assertWritten(sequence + 1, send(client, producerId, (short) 0, sequence, "s" + sequence));
                }
                // Five batches are remembered (sequences 4 to 8); the one at sequence 3 is forgotten.
                assertWritten(5, send(client, producerId, (short) 0, 4, "s4"));
                assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, send(client, producerId, (short) 0, 3, "d"));

                assertWritten(10, send(client, producerId, (short) 1, 0, "new epoch"));
                assertError(Errors.INVALID_PRODUCER_EPOCH, send(client, producerId, (short) 0, 9, "fenced"));
                assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, send(client, producerId, (short) 2, 7, "new epochs start at 0"));
            }

            node.restart();
            try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
                assertWritten(10, send(client, producerId, (short) 1, 0, "new epoch"));
                assertWritten(4, send(client, otherProducerId, (short) 0, 0, "other"));
                assertError(Errors.INVALID_PRODUCER_EPOCH, send(client, producerId, (short) 0, 9, "fenced"));
                assertWritten(11, send(client, producerId, (short) 1, 1, "after the restart"));
            }
        }
    }

    @Test
    void aRetryIsRecognisedAfterACrashFromTheRollSnapshotAndTheBatchesAfterIt() throws Exception {
        try (TestNode node = TestNode.start(dir)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("idem", 1, (short) 1))).all().get();
            }
            long producerId;
            Path partitionDir;
            try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
                InitProducerIdResponseData init = client.call(new InitProducerIdRequestData()
                        .setTransactionalId(null).setTransactionTimeoutMs(60_000), (short) 4);
                producerId = init.producerId();
                assertWritten(0, send(client, producerId, (short) 0, 0, "a", "b"));
                assertWritten(2, send(client, producerId, (short) 0, 2, "c"));
                PartitionLog log = node.replica(new TopicPartition("idem", 0)).orElseThrow();
                partitionDir = log.dir();
                log.roll(); // a snapshot at offset 3, written in the background
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(ProducerSnapshots.file(partitionDir, 3)));
                assertWritten(3, send(client, producerId, (short) 0, 3, "d"));
                assertWritten(4, send(client, producerId, (short) 0, 4, "e"));
            }
            node.close();
            // As a crash would leave the disk: no snapshot at the log end, which a clean close writes, and
            // no clean-shutdown marker, so the log is recovered and its producers replayed after offset 3.
            Files.delete(ProducerSnapshots.file(partitionDir, 5));
            Files.delete(partitionDir.getParent().resolve(LogManager.CLEAN_SHUTDOWN_FILE));

            node.start();
            try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
                assertWritten(4, send(client, producerId, (short) 0, 4, "e")); // a batch after the snapshot
                assertWritten(0, send(client, producerId, (short) 0, 0, "a", "b")); // one the snapshot holds
                assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, send(client, producerId, (short) 0, 7, "gap"));
                assertWritten(5, send(client, producerId, (short) 0, 5, "f"));
            }
        }
    }
}
