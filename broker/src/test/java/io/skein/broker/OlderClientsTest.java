package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.ChildJvm;
import io.skein.testing.ClientWorkload;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The oldest client line Skein serves, kafka-clients 3.9, in a JVM of its own: the same scenarios as
 * {@link KafkaClientsTest}, and offsets sent to transactions, as its producers send them.
 */
@Timeout(300)
class OlderClientsTest {
    @TempDir
    Path dir;

    @Test
    void kafkaClients39() throws Exception {
        try (TestNode node = TestNode.start(dir)) {
            String version = System.getProperty("skein.kafka.compat.clients.version");
            ChildJvm.Result result = ChildJvm.run(version, null, Duration.ofMinutes(4), ClientWorkload.class.getName(),
                    node.bootstrap(), "v39", "roundtrip", "codecs", "acks", "admin");
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("kafka-clients-" + version + ".jar"), result.output());
        }
    }

    /** The classic transaction protocol of 3.9's producers: AddOffsetsToTxn, then TxnOffsetCommit verified, not added. */
    @Test
    void kafkaClients39TransactionalOffsets() throws Exception {
        try (TestNode node = TestNode.start(dir, Map.of("transaction.state.log.num.partitions", "3", "offsets.topic.num.partitions", "3"))) {
            String version = System.getProperty("skein.kafka.compat.clients.version");
            ChildJvm.Result result = ChildJvm.run(version, null, Duration.ofMinutes(4), ClientWorkload.class.getName(),
                    node.bootstrap(), "v39", "txn-offsets");
            assertEquals(0, result.exitCode(), result.output());
        }
    }
}
