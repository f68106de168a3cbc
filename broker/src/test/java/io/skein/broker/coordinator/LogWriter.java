package io.skein.broker.coordinator;

import io.skein.broker.kafka.LogRecords;
import io.skein.broker.kafka.LogRecords.KeyValue;
import io.skein.broker.kafka.LogRecords.TransactionalProducer;
import io.skein.broker.replica.ReplicaManager.TxnMarker;
import io.skein.log.AppendOrigin;
import io.skein.log.LeaderAppendResult;
import io.skein.log.PartitionLog;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * A coordinator's writes to one real log, as its only replica, leading at epoch 0, makes them: a
 * coordinator's append, acknowledged once written (the high watermark moves to the log end). While
 * {@link #failWith} names an error, every write fails with it and nothing is written; while acks are
 * held, writes reach the log but are acknowledged only when the test completes their held ack.
 */
public final class LogWriter implements CoordinatorRuntime.Writer {
    private final PartitionLog log;
    private volatile Errors failure = Errors.NONE;
    private volatile boolean holdAcks;
    private final Queue<CompletableFuture<Errors>> heldAcks = new ConcurrentLinkedQueue<>();

    public LogWriter(PartitionLog log) {
        this.log = log;
    }

    /** The outcome of the next writes: NONE writes them, any other error fails them unwritten. */
    public void failWith(Errors error) {
        failure = error;
    }

    /** Whether the next writes wait for the test to acknowledge them through {@link #heldAcks}. */
    public void holdAcks(boolean hold) {
        holdAcks = hold;
    }

    /** The acknowledgements of written records still held, oldest first: complete one with the write's outcome. */
    public Queue<CompletableFuture<Errors>> heldAcks() {
        return heldAcks;
    }

    @Override
    public CompletableFuture<CoordinatorRuntime.Appended> append(TopicPartition partition,
                                                                 TransactionalProducer producer,
                                                                 List<KeyValue> records) {
        long now = System.currentTimeMillis();
        return write(() -> log.appendAsLeader(producer == null ? LogRecords.batchOf(now, records)
                : LogRecords.transactionalBatchOf(now, producer, records), 0, AppendOrigin.COORDINATOR));
    }

    @Override
    public CompletableFuture<CoordinatorRuntime.Appended> appendMarker(TopicPartition partition, TxnMarker marker) {
        return write(() -> log.appendMarker(marker.producerId(), marker.producerEpoch(), marker.coordinatorEpoch(),
                LogRecords.transactionResult(marker.commit()), 0));
    }

    private CompletableFuture<CoordinatorRuntime.Appended> write(Supplier<LeaderAppendResult> append) {
        if (failure != Errors.NONE) {
            return CompletableFuture.completedFuture(CoordinatorRuntime.Appended.failed(failure));
        }
        LeaderAppendResult appended = append.get();
        appended.flushed().join();
        log.updateHighWatermark(log.logEndOffset());
        CoordinatorRuntime.Appended written = new CoordinatorRuntime.Appended(Errors.NONE, appended.info().firstOffset());
        if (!holdAcks) {
            return CompletableFuture.completedFuture(written);
        }
        CompletableFuture<Errors> ack = new CompletableFuture<>();
        heldAcks.add(ack);
        return ack.thenApply(error -> error == Errors.NONE ? written : CoordinatorRuntime.Appended.failed(error));
    }
}
