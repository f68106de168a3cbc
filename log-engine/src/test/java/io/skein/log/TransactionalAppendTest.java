package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.producer.ProducerStateManager.ProducerStateEntry;
import io.skein.log.record.TestRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.requests.TransactionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactional batches and the markers the leader writes for the coordinator, appended to real logs:
 * the marker as kafka-clients reads it back, what the log refuses, and the same producer state on a
 * follower that copies the leader's batches and after a restart.
 */
class TransactionalAppendTest {
    static final long PRODUCER = 42;

    @TempDir
    Path dir;

    @RegisterExtension
    final TestLogs logs = new TestLogs();

    ByteBuffer txn(short epoch, int sequence, String... values) {
        String[] keysAndValues = new String[2 * values.length];
        for (int i = 0; i < values.length; i++) {
            keysAndValues[2 * i] = "k" + i;
            keysAndValues[2 * i + 1] = values[i];
        }
        return TestRecords.transactionalBatch(PRODUCER, epoch, sequence, logs.clock.millis(), keysAndValues);
    }

    static LogAppendInfo marker(PartitionLog log, short epoch, int coordinatorEpoch, TransactionResult result) {
        LeaderAppendResult appended = log.appendMarker(PRODUCER, epoch, coordinatorEpoch, result, 0);
        appended.flushed().join();
        return appended.info();
    }

    static ProducerStateEntry entry(PartitionLog log) {
        return log.producerState().entries().stream().filter(e -> e.producerId() == PRODUCER).findFirst().orElseThrow();
    }

    @Test
    void theLeaderWritesTheMarkerAsKafkaReadsIt() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, txn((short) 3, 0, "a", "b"), 0);
            assertEquals(OptionalLong.of(0), entry(log).currentTxnFirstOffset());

            LogAppendInfo written = marker(log, (short) 3, 7, TransactionResult.COMMIT);

            assertEquals(2, written.firstOffset());
            assertEquals(2, written.lastOffset());
            ByteBuffer read = TestRecords.bytes(log.read(2, Integer.MAX_VALUE, FetchIsolation.LOG_END, true));
            MutableRecordBatch batch = MemoryRecords.readableRecords(read).batches().iterator().next();
            batch.ensureValid();
            assertEquals(true, batch.isControlBatch());
            assertEquals(true, batch.isTransactional());
            assertEquals(PRODUCER, batch.producerId());
            assertEquals(3, batch.producerEpoch());
            assertEquals(0, batch.partitionLeaderEpoch());
            EndTransactionMarker marker = EndTransactionMarker.deserialize(batch.iterator().next());
            assertEquals(ControlRecordType.COMMIT, marker.controlType());
            assertEquals(7, marker.coordinatorEpoch());
            assertEquals(OptionalLong.empty(), entry(log).currentTxnFirstOffset());
            assertEquals(7, entry(log).coordinatorEpoch());
        }
    }

    /** Only the leader writes markers: a produce request carrying one is refused whole. */
    @Test
    void aClientMayNotAppendAMarker() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, txn((short) 0, 0, "a"), 0);
            ByteBuffer marker = TestRecords.marker(0, PRODUCER, (short) 0, 0, true, logs.clock.millis(), 0);
            assertThrows(InvalidRecordException.class, () -> log.appendAsLeader(marker, 0));
            assertEquals(1, log.logEndOffset());
            assertEquals(OptionalLong.of(0), entry(log).currentTxnFirstOffset());
        }
    }

    @Test
    void theLogRefusesWhatKafkaRefuses() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            appendAsLeader(log, txn((short) 1, 0, "a"), 0);
            ByteBuffer plain = TestRecords.idempotentBatch(PRODUCER, (short) 1, 1, logs.clock.millis(), "k", "b");
            assertThrows(InvalidTxnStateException.class, () -> log.appendAsLeader(plain, 0));
            assertThrows(InvalidProducerEpochException.class,
                    () -> log.appendMarker(PRODUCER, (short) 0, 0, TransactionResult.ABORT, 0));
            marker(log, (short) 1, 4, TransactionResult.ABORT);
            appendAsLeader(log, txn((short) 1, 1, "c"), 0);
            assertThrows(TransactionCoordinatorFencedException.class,
                    () -> log.appendMarker(PRODUCER, (short) 1, 3, TransactionResult.COMMIT, 0));
            assertEquals(3, log.logEndOffset(), "nothing refused was written");
        }
    }

    /**
     * A coordinator's transactional batches to its own partition (the group coordinator's offsets)
     * all carry sequence 0, as Kafka's do: several in one transaction are all written, none is taken
     * for a retry, and the producer's epoch and transaction are checked as a client's. From a client,
     * the same batch would be a retry.
     */
    @Test
    void aCoordinatorWritesTransactionalBatchesWithoutSequenceChecks() throws IOException {
        try (PartitionLog log = logs.open(dir, LogConfig.DEFAULT)) {
            for (int i = 0; i < 3; i++) {
                log.appendAsLeader(txn((short) 2, 0, "a", "b"), 0, AppendOrigin.COORDINATOR).flushed().join();
            }
            assertEquals(6, log.logEndOffset(), "three batches, none a retry");
            assertEquals(OptionalLong.of(0), entry(log).currentTxnFirstOffset());
            ByteBuffer plain = TestRecords.idempotentBatch(PRODUCER, (short) 2, 0, logs.clock.millis(), "k", "v");
            assertThrows(InvalidTxnStateException.class, () -> log.appendAsLeader(plain, 0, AppendOrigin.COORDINATOR));
            assertThrows(InvalidProducerEpochException.class,
                    () -> log.appendAsLeader(txn((short) 1, 0, "c"), 0, AppendOrigin.COORDINATOR));
            assertTrue(log.appendAsLeader(txn((short) 2, 0, "a", "b"), 0).duplicate(), "a client's retry");

            marker(log, (short) 2, 0, TransactionResult.COMMIT);
            assertEquals(OptionalLong.empty(), entry(log).currentTxnFirstOffset());
            assertEquals(7, log.logEndOffset(), "nothing refused or retried was written");
        }
    }

    /** The follower copies the leader's batches, markers included, and ends up with the same producer state. */
    @Test
    void aFollowerReplaysTheLeadersMarkers() throws IOException {
        try (PartitionLog leader = logs.open(dir.resolve("leader"), LogConfig.DEFAULT);
             PartitionLog follower = logs.open(dir.resolve("follower"), LogConfig.DEFAULT)) {
            appendAsLeader(leader, txn((short) 0, 0, "a"), 0);
            marker(leader, (short) 0, 0, TransactionResult.ABORT);
            appendAsLeader(leader, txn((short) 0, 1, "b", "c"), 0);

            follower.appendAsFollower(TestRecords.bytes(leader.read(0, Integer.MAX_VALUE, FetchIsolation.LOG_END, true)));

            assertEquals(leader.producerState().entries(), follower.producerState().entries());
            assertEquals(OptionalLong.of(2), entry(follower).currentTxnFirstOffset());
        }
    }

    /** The transaction still open at a restart is open after it, whether loaded from a snapshot or a scan. */
    @Test
    void aReopenedLogKnowsTheTransactionStillOpen() throws IOException {
        PartitionLog log = logs.open(dir, TestLogs.smallSegments(300));
        appendAsLeader(log, txn((short) 0, 0, "a"), 0);
        marker(log, (short) 0, 0, TransactionResult.COMMIT);
        appendAsLeader(log, txn((short) 0, 1, "b"), 0);
        List<ProducerStateEntry> before = log.producerState().entries();

        log = logs.reopen(log);
        try {
            assertEquals(OptionalLong.of(log.logEndOffset()), log.producerSnapshotLoaded());
            assertEquals(before, log.producerState().entries());
            assertEquals(OptionalLong.of(2), entry(log).currentTxnFirstOffset());
        } finally {
            log.close();
        }
        log = logs.openAfterCrash(dir, TestLogs.smallSegments(300), 0);
        try {
            assertEquals(before, log.producerState().entries());
        } finally {
            log.close();
        }
    }
}
