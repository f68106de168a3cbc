package io.skein.broker.txn;

import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;

/**
 * Where one transactional id stands (Kafka's {@code TransactionMetadata}), as its latest record in
 * {@code __transaction_state} says: immutable, so a change is prepared as a new value, written, and
 * only then, replayed, becomes the shard's. Each {@code prepare} method is one of Kafka's transitions
 * and refuses to start from a state that is not among the target's valid previous states.
 *
 * @param previousProducerId       the producer id before the latest change: after a rotation, the
 *                                 old one, so that a retry that crossed it is recognised
 * @param nextProducerId           TV2: the producer id to continue with once this transaction
 *                                 completes, when ending it exhausted the epochs; else -1
 * @param lastProducerEpoch        the epoch before the latest bump, so that a retried InitProducerId or
 *                                 EndTxn, whose answer was lost, is told the bumped one; -1 if none
 * @param txnStartTimestamp        when the first partition was added to the ongoing transaction; -1 if none
 * @param clientTransactionVersion the transaction version of the client's latest change: TV2 (2) bumps
 *                                 the epoch at every EndTxn
 */
public record TransactionMetadata(String transactionalId, long producerId, long previousProducerId,
                                  long nextProducerId, short producerEpoch, short lastProducerEpoch, int txnTimeoutMs,
                                  TransactionState state, Set<TopicPartition> topicPartitions, long txnStartTimestamp,
                                  long txnLastUpdateTimestamp, short clientTransactionVersion) {
    public static final long NO_PRODUCER_ID = -1;
    public static final short NO_PRODUCER_EPOCH = -1;
    /** The transaction version of KIP-890 part 2, which bumps the epoch at every EndTxn. */
    public static final short TV_2 = 2;

    public TransactionMetadata {
        topicPartitions = Set.copyOf(topicPartitions);
    }

    /** A transactional id seen for the first time, before its first InitProducerId is written. */
    static TransactionMetadata create(String transactionalId, long producerId, int txnTimeoutMs, long now) {
        return new TransactionMetadata(transactionalId, producerId, NO_PRODUCER_ID, NO_PRODUCER_ID, NO_PRODUCER_EPOCH,
                NO_PRODUCER_EPOCH, txnTimeoutMs, TransactionState.EMPTY, Set.of(), -1, now, (short) 0);
    }

    /**
     * Kafka keeps the last epoch, Short.MAX_VALUE, out of the producer's reach, so that the coordinator
     * can always fence it.
     */
    static boolean isEpochExhausted(short producerEpoch) {
        return producerEpoch >= Short.MAX_VALUE - 1;
    }

    boolean isProducerEpochExhausted() {
        return isEpochExhausted(producerEpoch);
    }

    static boolean supportsEpochBump(short transactionVersion) {
        return transactionVersion >= TV_2;
    }

    boolean supportsEpochBump() {
        return supportsEpochBump(clientTransactionVersion);
    }

    /** Whether the completion of this transaction moves its producer to {@link #nextProducerId}. */
    private boolean rotatesOnCompletion() {
        return supportsEpochBump() && nextProducerId != NO_PRODUCER_ID;
    }

    /**
     * Whether {@code id} and {@code epoch} are the producer this prepared transaction's completion
     * goes on with (what EndTxn answered: with TV2 the bumped epoch, or the next id at epoch 0).
     */
    boolean isProducerAfterCompletion(long id, short epoch) {
        return rotatesOnCompletion() ? id == nextProducerId && epoch == 0
                : id == producerId && epoch == producerEpoch;
    }

    // ---------------------------------------------------------------- transitions

    /**
     * InitProducerId: the next epoch, no transaction. With the epoch the producer last had
     * ({@code expectedEpoch}, KIP-360), a retry whose answer was lost gets the current epoch again.
     *
     * @param expectedEpoch the producer's epoch, or -1 for a producer that names none
     * @throws ProducerFencedException if the producer's epoch is neither the current nor the last one
     */
    TransactionMetadata prepareIncrementProducerEpoch(int newTxnTimeoutMs, short expectedEpoch, boolean hasExpected,
                                                      long now) {
        if (isProducerEpochExhausted()) {
            throw new IllegalStateException("No epoch left for producer id " + producerId + " of " + transactionalId);
        }
        short bumped = (short) (producerEpoch + 1);
        short epoch;
        short lastEpoch;
        if (!hasExpected) {
            epoch = bumped;
            lastEpoch = NO_PRODUCER_EPOCH;
        } else if (producerEpoch == NO_PRODUCER_EPOCH || expectedEpoch == producerEpoch) {
            epoch = bumped;
            lastEpoch = producerEpoch;
        } else if (expectedEpoch == lastProducerEpoch) {
            epoch = producerEpoch;
            lastEpoch = lastProducerEpoch;
        } else {
            throw new ProducerFencedException("Producer epoch " + expectedEpoch + " of " + transactionalId
                    + " is neither the current " + producerEpoch + " nor the last " + lastProducerEpoch);
        }
        return transitionTo(TransactionState.EMPTY, producerId, NO_PRODUCER_ID, epoch, lastEpoch, newTxnTimeoutMs,
                Set.of(), -1, now, clientTransactionVersion);
    }

    /** InitProducerId once the epochs of the producer id are exhausted: a new producer id, at epoch 0. */
    TransactionMetadata prepareProducerIdRotation(long newProducerId, int newTxnTimeoutMs, long now,
                                                  boolean recordLastEpoch) {
        return transitionTo(TransactionState.EMPTY, newProducerId, NO_PRODUCER_ID, (short) 0,
                recordLastEpoch ? producerEpoch : NO_PRODUCER_EPOCH, newTxnTimeoutMs, Set.of(), -1, now,
                clientTransactionVersion);
    }

    /** AddPartitionsToTxn (or AddOffsetsToTxn): the transaction is ongoing with these partitions too. */
    TransactionMetadata prepareAddPartitions(Set<TopicPartition> added, long now, short transactionVersion) {
        Set<TopicPartition> partitions = new HashSet<>(topicPartitions);
        partitions.addAll(added);
        long start = state == TransactionState.ONGOING ? txnStartTimestamp : now;
        return transitionTo(TransactionState.ONGOING, producerId, nextProducerId, producerEpoch, lastProducerEpoch,
                txnTimeoutMs, partitions, start, now, transactionVersion);
    }

    /**
     * EndTxn: PrepareCommit or PrepareAbort. With TV2 the epoch is bumped, so that the markers, written
     * with the new epoch, fence whatever the producer still sends in the transaction they end; if it
     * has run out, the producer continues as {@code nextProducerId} once the transaction completes.
     *
     * @param noPartitionAdded TV2's abort of a transaction the coordinator never saw start
     */
    TransactionMetadata prepareAbortOrCommit(TransactionState newState, short transactionVersion, long nextProducerId,
                                             long now, boolean noPartitionAdded) {
        short epoch = producerEpoch;
        short lastEpoch = lastProducerEpoch;
        if (supportsEpochBump(transactionVersion)) {
            // Short.MAX_VALUE is only reached by fencing an exhausted producer: its abort goes through unbumped.
            epoch = producerEpoch == Short.MAX_VALUE ? producerEpoch : (short) (producerEpoch + 1);
            lastEpoch = producerEpoch;
        }
        return transitionTo(newState, producerId, nextProducerId, epoch, lastEpoch, txnTimeoutMs, topicPartitions,
                noPartitionAdded ? now : txnStartTimestamp, now, transactionVersion);
    }

    /**
     * The abort that fences the producer of an ongoing transaction: a new producer's InitProducerId, or
     * the transaction's timeout. The epoch is bumped past the producer's (and, as {@code serverVersion}
     * is TV2, once more as any TV2 abort), and never handed to a producer: the next InitProducerId bumps again.
     */
    TransactionMetadata prepareFenceProducerEpoch(short serverVersion, long now) {
        checkTransition(state, TransactionState.PREPARE_EPOCH_FENCE);
        short fenced = producerEpoch == Short.MAX_VALUE ? producerEpoch : (short) (producerEpoch + 1);
        TransactionMetadata fencing = new TransactionMetadata(transactionalId, producerId, previousProducerId,
                nextProducerId, fenced, NO_PRODUCER_EPOCH, txnTimeoutMs, TransactionState.PREPARE_EPOCH_FENCE,
                topicPartitions, txnStartTimestamp, txnLastUpdateTimestamp, clientTransactionVersion);
        return fencing.prepareAbortOrCommit(TransactionState.PREPARE_ABORT, serverVersion, NO_PRODUCER_ID, now, false);
    }

    /**
     * Every partition has its marker: the transaction is complete. After a TV2 EndTxn that exhausted
     * the epochs, the producer continues as the next producer id, at epoch 0.
     */
    TransactionMetadata prepareComplete(long now) {
        TransactionState complete = state == TransactionState.PREPARE_COMMIT
                ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        boolean rotate = rotatesOnCompletion();
        return transitionTo(complete, rotate ? nextProducerId : producerId, NO_PRODUCER_ID,
                rotate ? 0 : producerEpoch, lastProducerEpoch, txnTimeoutMs, Set.of(), txnStartTimestamp, now,
                clientTransactionVersion);
    }

    /** Expiry: the transactional id is forgotten (written as a tombstone). */
    TransactionMetadata prepareDead() {
        return transitionTo(TransactionState.DEAD, producerId, NO_PRODUCER_ID, producerEpoch, lastProducerEpoch,
                txnTimeoutMs, Set.of(), txnStartTimestamp, txnLastUpdateTimestamp, clientTransactionVersion);
    }

    private TransactionMetadata transitionTo(TransactionState newState, long newProducerId, long newNextProducerId,
                                             short newEpoch, short newLastEpoch, int newTimeoutMs,
                                             Set<TopicPartition> partitions, long startTimestamp, long now,
                                             short transactionVersion) {
        checkTransition(state, newState);
        if (newState != TransactionState.DEAD && newEpoch < 0) {
            throw new IllegalArgumentException("Illegal producer epoch " + newEpoch + " for " + transactionalId);
        }
        return new TransactionMetadata(transactionalId, newProducerId, producerId, newNextProducerId, newEpoch,
                newLastEpoch, newTimeoutMs, newState, partitions, startTimestamp, now, transactionVersion);
    }

    private void checkTransition(TransactionState from, TransactionState to) {
        if (!to.validPreviousStates().contains(from)) {
            throw new IllegalStateException("Transactional id " + transactionalId + " cannot go from " + from
                    + " to " + to);
        }
    }
}
