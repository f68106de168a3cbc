package io.skein.broker.txn;

import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * A transaction in PrepareCommit or PrepareAbort whose markers are to be written (Kafka's
 * {@code PendingCompleteTxn}): with what producer id and epoch, by which coordinator epoch (the
 * leader epoch of its {@code __transaction_state} partition, which leaders use to refuse a deposed
 * coordinator's markers), to which partitions.
 */
public record PendingCompleteTxn(String transactionalId, int coordinatorEpoch, long producerId, short producerEpoch,
                                 boolean commit, short transactionVersion, Set<TopicPartition> partitions) {
    public PendingCompleteTxn {
        partitions = Set.copyOf(partitions);
    }

    static PendingCompleteTxn of(TransactionMetadata prepared, int coordinatorEpoch) {
        return new PendingCompleteTxn(prepared.transactionalId(), coordinatorEpoch, prepared.producerId(),
                prepared.producerEpoch(), prepared.state() == TransactionState.PREPARE_COMMIT,
                prepared.clientTransactionVersion(), prepared.topicPartitions());
    }
}
