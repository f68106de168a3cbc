package io.skein.broker.coordinator;

import io.skein.broker.kafka.LogRecords;
import io.skein.broker.kafka.LogRecords.KeyValue;
import io.skein.broker.kafka.LogRecords.TransactionalProducer;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.replica.ReplicaManager.ProduceResult;
import io.skein.broker.replica.ReplicaManager.TxnMarker;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * A coordinator's writes to its partitions through this broker's replica manager (Kafka's
 * {@code CoordinatorPartitionWriter}): as their leader, with acks=all, as a coordinator, whose
 * transactional batches carry no sequence; each waits at most {@code timeoutMs} to be replicated.
 */
public final class CoordinatorPartitionWriter implements CoordinatorRuntime.Writer {
    private final ReplicaManager replicaManager;
    private final long timeoutMs;
    private final Clock clock;

    public CoordinatorPartitionWriter(ReplicaManager replicaManager, long timeoutMs, Clock clock) {
        this.replicaManager = replicaManager;
        this.timeoutMs = timeoutMs;
        this.clock = clock;
    }

    @Override
    public CompletableFuture<CoordinatorRuntime.Appended> append(TopicPartition partition,
                                                                 TransactionalProducer producer,
                                                                 List<KeyValue> records) {
        CompletableFuture<CoordinatorRuntime.Appended> appended = new CompletableFuture<>();
        long now = clock.millis();
        replicaManager.appendCoordinatorRecords(timeoutMs, partition, producer == null ? LogRecords.batchOf(now, records)
                : LogRecords.transactionalBatchOf(now, producer, records), result -> appended.complete(outcome(result)));
        return appended;
    }

    @Override
    public CompletableFuture<CoordinatorRuntime.Appended> appendMarker(TopicPartition partition, TxnMarker marker) {
        CompletableFuture<CoordinatorRuntime.Appended> appended = new CompletableFuture<>();
        replicaManager.appendMarkers(timeoutMs, marker, List.of(partition),
                results -> appended.complete(outcome(results.get(partition))));
        return appended;
    }

    private static CoordinatorRuntime.Appended outcome(ProduceResult result) {
        return new CoordinatorRuntime.Appended(result.error(), result.baseOffset());
    }
}
