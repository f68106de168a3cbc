package io.skein.broker.txn;

import static io.skein.broker.txn.TransactionMetadata.NO_PRODUCER_EPOCH;
import static io.skein.broker.txn.TransactionMetadata.NO_PRODUCER_ID;

import io.skein.broker.coordinator.CoordinatorResult;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The transaction coordinator's answers to producers and partition leaders (Kafka's
 * {@code TransactionCoordinator} handlers), as operations on one {@link TransactionCoordinatorShard}:
 * each checks the request against the written state and returns the record of the change, answered
 * once written.
 */
public final class TransactionOperations {
    private final TransactionCoordinatorShard shard;
    private final TransactionConfig config;
    private final Clock clock;
    private final ProducerIdGenerator producerIds;

    TransactionOperations(TransactionCoordinatorShard shard, TransactionConfig config, Clock clock,
                          ProducerIdGenerator producerIds) {
        this.shard = shard;
        this.config = config;
        this.clock = clock;
        this.producerIds = producerIds;
    }

    // ---------------------------------------------------------------- InitProducerId

    /**
     * InitProducerId for a transactional producer: the next epoch of its producer id (a new id the
     * first time, or once the epochs run out), fencing every earlier producer of the transactional id.
     * An ongoing transaction is aborted first, with CONCURRENT_TRANSACTIONS answered meanwhile so that
     * the producer asks again once it is.
     *
     * @param expectedProducerId the producer's current id and epoch (KIP-360), or -1 for a new producer
     */
    public CoordinatorResult<InitProducerIdResponseData> initProducerId(String transactionalId, int timeoutMs,
                                                                       long expectedProducerId, short expectedEpoch) {
        if (transactionalId.isEmpty()) {
            return CoordinatorResult.of(initError(Errors.INVALID_REQUEST));
        }
        if (timeoutMs <= 0 || timeoutMs > config.transactionMaxTimeoutMs()) {
            return CoordinatorResult.of(initError(Errors.INVALID_TRANSACTION_TIMEOUT));
        }
        long now = clock.millis();
        boolean hasExpected = expectedProducerId != NO_PRODUCER_ID;
        try {
            TransactionMetadata current = shard.transaction(transactionalId).orElseGet(() ->
                    TransactionMetadata.create(transactionalId, producerIds.generateProducerId(), timeoutMs, now));
            if (shard.hasPendingTransition(transactionalId)) {
                return CoordinatorResult.of(initError(Errors.CONCURRENT_TRANSACTIONS));
            }
            if (hasExpected && !isValidProducerId(current, expectedProducerId, expectedEpoch)) {
                return CoordinatorResult.of(initError(Errors.PRODUCER_FENCED));
            }
            return switch (current.state()) {
                case PREPARE_COMMIT, PREPARE_ABORT -> CoordinatorResult.of(initError(Errors.CONCURRENT_TRANSACTIONS));
                case ONGOING -> shard.write(current.prepareFenceProducerEpoch(TransactionMetadata.TV_2, now),
                        TransactionState.PREPARE_EPOCH_FENCE, error -> initError(error == Errors.NONE
                                ? Errors.CONCURRENT_TRANSACTIONS : CoordinatorResult.clientError(error, Errors.UNKNOWN_SERVER_ERROR)));
                case EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT -> {
                    TransactionMetadata next = current.isProducerEpochExhausted()
                            && (!hasExpected || expectedEpoch == current.producerEpoch())
                            ? current.prepareProducerIdRotation(producerIds.generateProducerId(), timeoutMs, now, hasExpected)
                            : current.prepareIncrementProducerEpoch(timeoutMs, expectedEpoch, hasExpected, now);
                    yield shard.write(next, TransactionState.EMPTY, error -> error == Errors.NONE
                            ? new InitProducerIdResponseData().setProducerId(next.producerId())
                                    .setProducerEpoch(next.producerEpoch())
                            : initError(CoordinatorResult.clientError(error, Errors.UNKNOWN_SERVER_ERROR)));
                }
                case DEAD, PREPARE_EPOCH_FENCE -> throw new IllegalStateException(transactionalId + " is "
                        + current.state() + ", which is never written");
            };
        } catch (ApiException e) {
            return CoordinatorResult.of(initError(Errors.forException(e)));
        }
    }

    /**
     * Whether a producer naming its id may have the transactional id's next epoch: its id is the
     * current one (its epoch is checked next), or the one before a rotation it has not heard of, or the
     * transactional id is new (a producer continuing after its id expired).
     */
    private static boolean isValidProducerId(TransactionMetadata current, long producerId, short epoch) {
        return current.producerEpoch() == NO_PRODUCER_EPOCH || producerId == current.producerId()
                || (producerId == current.previousProducerId() && TransactionMetadata.isEpochExhausted(epoch));
    }

    private static InitProducerIdResponseData initError(Errors error) {
        return new InitProducerIdResponseData().setErrorCode(error.code()).setProducerId(NO_PRODUCER_ID)
                .setProducerEpoch(NO_PRODUCER_EPOCH);
    }

    // ---------------------------------------------------------------- AddPartitionsToTxn, AddOffsetsToTxn

    /**
     * Adds partitions to the producer's transaction, starting one if none is ongoing: from the client
     * (AddPartitionsToTxn v3 and older, AddOffsetsToTxn) or, with TV2, from the leader of a partition
     * the producer first writes to.
     *
     * <p>While a change of the transactional id is being written, the add runs again once it is,
     * where Kafka answers CONCURRENT_TRANSACTIONS: with TV2 a producer's first batches to several
     * partitions reach their leaders together, and each leader's add would otherwise be refused
     * while the first is written, costing the producer a retry (and its later batches with it). The
     * change is usually that add, or the transaction's completion; whatever it is, the add is then
     * judged on what was written. This comes before the producer's checks, as in Kafka: the change
     * may be the one that gives the producer the id it names (a completion after TV2's epochs ran out
     * moves it to its next id).
     *
     * <p>Likewise an add that finds the previous transaction prepared, its markers being written, for
     * the producer that transaction's completion goes on with, waits for the completion (the shard's
     * next writes) until {@code waitDeadlineNanos}, and is then judged on it; if it has not come, it is
     * refused CONCURRENT_TRANSACTIONS, as Kafka refuses it at once. A TV2 producer starts its next
     * transaction as soon as EndTxn is answered, so the leaders of its first batches ask while the
     * markers, which take milliseconds, are written; refused, they would ask again only after their
     * back-off. The deadline is the leader's retry window, which it then need not use; a client's add,
     * which the client retries itself, passes one already past and is answered at once.
     *
     * @param waitDeadlineNanos until when, on the {@link System#nanoTime()} scale, the add may wait for
     *                          the completion of the transaction before
     */
    public CoordinatorResult<Errors> addPartitions(String transactionalId, long producerId, short producerEpoch,
                                                   Set<TopicPartition> partitions, short transactionVersion,
                                                   long waitDeadlineNanos) {
        if (transactionalId.isEmpty()) {
            return CoordinatorResult.of(Errors.INVALID_REQUEST);
        }
        if (shard.hasPendingTransition(transactionalId)) {
            return CoordinatorResult.afterPendingWrites();
        }
        Optional<TransactionMetadata> found = shard.transaction(transactionalId);
        if (found.isEmpty()) {
            return CoordinatorResult.of(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        TransactionMetadata current = found.get();
        if (current.state().isPrepared() && current.isProducerAfterCompletion(producerId, producerEpoch)) {
            return CoordinatorResult.afterNextWrite(waitDeadlineNanos, Errors.CONCURRENT_TRANSACTIONS);
        }
        if (current.producerId() != producerId) {
            return CoordinatorResult.of(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        if (current.producerEpoch() != producerEpoch) {
            return CoordinatorResult.of(Errors.PRODUCER_FENCED);
        }
        if (current.state().isPrepared()) {
            return CoordinatorResult.of(Errors.CONCURRENT_TRANSACTIONS);
        }
        if (current.state() == TransactionState.ONGOING && current.topicPartitions().containsAll(partitions)) {
            return CoordinatorResult.of(Errors.NONE);
        }
        return shard.write(current.prepareAddPartitions(partitions, clock.millis(), transactionVersion),
                TransactionState.ONGOING, error -> CoordinatorResult.clientError(error, Errors.UNKNOWN_SERVER_ERROR));
    }

    /**
     * Whether the partitions are in the producer's transaction (AddPartitionsToTxn v4+ with
     * verifyOnly, from a partition leader before it appends a TV1 producer's first transactional
     * batch): each NONE, or TRANSACTION_ABORTABLE if not added; or the transaction's error for all.
     */
    public Map<TopicPartition, Errors> verifyPartitions(String transactionalId, long producerId, short producerEpoch,
                                                        Set<TopicPartition> partitions) {
        Optional<TransactionMetadata> found = shard.transaction(transactionalId);
        Errors error = transactionalId.isEmpty() ? Errors.INVALID_REQUEST
                : found.isEmpty() || found.get().producerId() != producerId ? Errors.INVALID_PRODUCER_ID_MAPPING
                : found.get().producerEpoch() != producerEpoch ? Errors.PRODUCER_FENCED
                : found.get().state().isPrepared() ? Errors.CONCURRENT_TRANSACTIONS : Errors.NONE;
        Map<TopicPartition, Errors> results = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            results.put(tp, error != Errors.NONE ? error
                    : found.get().topicPartitions().contains(tp) ? Errors.NONE : Errors.TRANSACTION_ABORTABLE);
        }
        return results;
    }

    // ---------------------------------------------------------------- EndTxn

    /**
     * EndTxn: PrepareCommit or PrepareAbort is written and the markers follow; the producer is answered
     * once the Prepare record is. With TV2 ({@code transactionVersion} 2, EndTxn v5) the epoch is bumped
     * and the answer names the producer id and epoch to go on with; a TV2 producer may also abort
     * when the coordinator saw no transaction start. A retry whose answer was lost is recognised by
     * the epoch it names (TV2: the one before the bump) and answered again.
     */
    public CoordinatorResult<EndTxnResponseData> endTxn(String transactionalId, long producerId, short producerEpoch,
                                                        boolean commit, short transactionVersion) {
        if (transactionalId.isEmpty()) {
            return CoordinatorResult.of(endError(Errors.INVALID_REQUEST));
        }
        Optional<TransactionMetadata> found = shard.transaction(transactionalId);
        if (found.isEmpty()) {
            return CoordinatorResult.of(endError(Errors.INVALID_PRODUCER_ID_MAPPING));
        }
        TransactionMetadata current = found.get();
        boolean v2 = current.supportsEpochBump();
        // A TV2 retry names the epoch before the bump, or, if that exhausted the epochs, the old id's last epoch.
        boolean retryOnOverflow = v2 && current.previousProducerId() == producerId
                && producerEpoch == Short.MAX_VALUE - 1 && current.producerEpoch() == 0;
        boolean retryOnEpochBump = v2 && current.producerEpoch() == producerEpoch + 1;
        boolean isRetry = retryOnEpochBump || retryOnOverflow;
        boolean validEpoch = !v2 ? producerEpoch == current.producerEpoch() : switch (current.state()) {
            case PREPARE_COMMIT, PREPARE_ABORT -> retryOnEpochBump;
            case COMPLETE_COMMIT, COMPLETE_ABORT -> isRetry || producerEpoch == current.producerEpoch();
            default -> producerEpoch == current.producerEpoch();
        };
        if (current.producerId() != producerId && !retryOnOverflow) {
            return CoordinatorResult.of(endError(Errors.INVALID_PRODUCER_ID_MAPPING));
        }
        if (!validEpoch) {
            return CoordinatorResult.of(endError(Errors.PRODUCER_FENCED));
        }
        if (shard.hasPendingTransition(transactionalId)) {
            return CoordinatorResult.of(endError(Errors.CONCURRENT_TRANSACTIONS));
        }
        boolean bumps = TransactionMetadata.supportsEpochBump(transactionVersion);
        TransactionState prepare = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        return switch (current.state()) {
            case ONGOING -> prepare(current, prepare, transactionVersion, false);
            case PREPARE_COMMIT, PREPARE_ABORT -> CoordinatorResult.of(endError(current.state() == prepare
                    ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE));
            case EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT -> {
                boolean sameResult = current.state() == (commit ? TransactionState.COMPLETE_COMMIT
                        : TransactionState.COMPLETE_ABORT);
                if (sameResult && (isRetry || !bumps)) {
                    yield CoordinatorResult.of(new EndTxnResponseData().setProducerId(current.producerId())
                            .setProducerEpoch(current.producerEpoch()));
                }
                if (!commit && bumps && !isRetry) {
                    yield prepare(current, prepare, transactionVersion, true);
                }
                yield CoordinatorResult.of(endError(Errors.INVALID_TXN_STATE));
            }
            case DEAD, PREPARE_EPOCH_FENCE -> throw new IllegalStateException(transactionalId + " is "
                    + current.state() + ", which is never written");
        };
    }

    private CoordinatorResult<EndTxnResponseData> prepare(TransactionMetadata current, TransactionState prepare,
                                                          short transactionVersion, boolean noPartitionAdded) {
        long now = clock.millis();
        long nextProducerId;
        try {
            nextProducerId = TransactionMetadata.supportsEpochBump(transactionVersion)
                    && current.isProducerEpochExhausted() ? producerIds.generateProducerId() : NO_PRODUCER_ID;
        } catch (ApiException e) {
            return CoordinatorResult.of(endError(Errors.forException(e)));
        }
        TransactionMetadata prepared = current.prepareAbortOrCommit(prepare, transactionVersion, nextProducerId, now,
                noPartitionAdded);
        // The producer goes on with what the transaction completes with: TV2's bumped epoch, or the next id.
        TransactionMetadata completed = prepared.prepareComplete(now);
        return shard.write(prepared, prepare, error -> error != Errors.NONE
                ? endError(CoordinatorResult.clientError(error, Errors.UNKNOWN_SERVER_ERROR))
                : new EndTxnResponseData().setProducerId(completed.producerId())
                        .setProducerEpoch(completed.producerEpoch()));
    }

    private static EndTxnResponseData endError(Errors error) {
        return new EndTxnResponseData().setErrorCode(error.code()).setProducerId(NO_PRODUCER_ID)
                .setProducerEpoch(NO_PRODUCER_EPOCH);
    }
}
