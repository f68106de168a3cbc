package io.skein.broker.txn;

import io.skein.broker.coordinator.CoordinatorResult;
import io.skein.broker.coordinator.CoordinatorShard;
import io.skein.broker.coordinator.CoordinatorTimer;
import io.skein.broker.kafka.LogRecords.KeyValue;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional ids of one {@code __transaction_state} partition, which this broker leads, run by
 * the {@link io.skein.broker.coordinator.CoordinatorRuntime}. Their state changes only through
 * {@link #replay}, at load and once an operation's records are written; the client operations are
 * {@link TransactionOperations}', which read the state and return records. Besides the written
 * state the shard keeps, in memory, the change under way for each transactional id (Kafka's pending
 * state): while one is being written, no other may start.
 *
 * <p>Once a PrepareCommit or PrepareAbort is written (or loaded), the transaction is handed to
 * {@code markers}, which writes its markers and then calls {@link #completeTransaction}.
 */
public final class TransactionCoordinatorShard implements CoordinatorShard, TransactionRecords.Replay {
    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinatorShard.class);
    static final String ABORT_TIMED_OUT_TIMER = "abort-timed-out-transactions";
    static final String EXPIRE_TIMER = "remove-expired-transactional-ids";
    /** How long before a failed write of a completed transaction is tried again. */
    static final long COMPLETE_RETRY_BACKOFF_MS = 100;

    private final TransactionConfig config;
    private final Clock clock;
    private final int coordinatorEpoch;
    private final Consumer<PendingCompleteTxn> markers;
    private final CoordinatorTimer timer;
    private final TransactionOperations operations;
    private final Map<String, TransactionMetadata> transactions = new HashMap<>();
    private final Map<String, TransactionState> pending = new HashMap<>();

    /**
     * @param coordinatorEpoch the leader epoch of the partition, which the markers carry
     * @param producerIds      new producer ids; throws a retriable Kafka error if none is at hand
     * @param markers          writes the markers of a prepared transaction
     */
    public TransactionCoordinatorShard(TransactionConfig config, Clock clock, int coordinatorEpoch,
                                       ProducerIdGenerator producerIds, Consumer<PendingCompleteTxn> markers,
                                       CoordinatorTimer timer) {
        this.config = config;
        this.clock = clock;
        this.coordinatorEpoch = coordinatorEpoch;
        this.markers = markers;
        this.timer = timer;
        this.operations = new TransactionOperations(this, config, clock, producerIds);
    }

    public TransactionOperations operations() {
        return operations;
    }

    // ---------------------------------------------------------------- reading

    Optional<TransactionMetadata> transaction(String transactionalId) {
        return Optional.ofNullable(transactions.get(transactionalId));
    }

    /** The transactional ids {@code filter} lists at {@code nowMs}. */
    List<TransactionMetadata> transactions(TransactionFilter filter, long nowMs) {
        return transactions.values().stream().filter(t -> filter.matches(t, nowMs)).toList();
    }

    /** The markers {@code prepared}, a transaction of this shard in PrepareCommit or PrepareAbort, is written with. */
    PendingCompleteTxn markersOf(TransactionMetadata prepared) {
        return PendingCompleteTxn.of(prepared, coordinatorEpoch);
    }

    /** Whether a change of {@code transactionalId} is being written. */
    boolean hasPendingTransition(String transactionalId) {
        return pending.containsKey(transactionalId);
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes {@code target} as the new state of its transactional id, which has no other change
     * under way until the write's outcome is known; a prepared transaction written goes to the markers.
     */
    <T> CoordinatorResult<T> write(TransactionMetadata target, TransactionState pendingState,
                                   Function<Errors, T> answer) {
        return writeAll(List.of(target), pendingState).map(answer);
    }

    private CoordinatorResult<Errors> writeAll(List<TransactionMetadata> targets, TransactionState pendingState) {
        List<KeyValue> records = new ArrayList<>();
        for (TransactionMetadata target : targets) {
            pending.put(target.transactionalId(), pendingState);
            records.add(TransactionRecords.record(target));
        }
        return new CoordinatorResult<>(records, error -> {
            targets.forEach(target -> pending.remove(target.transactionalId()));
            if (error == Errors.NONE) {
                targets.stream().filter(t -> t.state().isPrepared()).forEach(this::sendMarkers);
            }
            return error;
        });
    }

    private void sendMarkers(TransactionMetadata prepared) {
        markers.accept(markersOf(prepared));
    }

    /**
     * Every partition of {@code txn} has its marker: the transaction is complete, unless it has moved
     * on meanwhile (then there is nothing to do). A write that fails is tried again while this shard lives.
     */
    public CoordinatorResult<Void> completeTransaction(PendingCompleteTxn txn) {
        TransactionMetadata current = transactions.get(txn.transactionalId());
        if (current == null || !current.state().isPrepared() || current.producerId() != txn.producerId()
                || current.producerEpoch() != txn.producerEpoch() || hasPendingTransition(txn.transactionalId())) {
            log.debug("Markers of {} written, but it has moved on: {}", txn, current);
            return CoordinatorResult.of(null);
        }
        TransactionMetadata complete = current.prepareComplete(clock.millis());
        return write(complete, complete.state(), error -> {
                    if (error != Errors.NONE) {
                        log.warn("Cannot write the completion of {} ({}): trying again", txn.transactionalId(), error);
                        timer.schedule("complete-" + txn.transactionalId(), COMPLETE_RETRY_BACKOFF_MS,
                                () -> completeTransaction(txn));
                    }
                    return null;
                });
    }

    // ---------------------------------------------------------------- timers

    /**
     * Aborts the ongoing transactions older than their timeout, fencing their producers (Kafka's
     * {@code abortTimedOutTransactions}); then runs again after the interval.
     */
    CoordinatorResult<Void> abortTimedOutTransactions() {
        timer.schedule(ABORT_TIMED_OUT_TIMER, config.abortTimedOutTransactionsIntervalMs(),
                this::abortTimedOutTransactions);
        long now = clock.millis();
        List<TransactionMetadata> aborts = transactions.values().stream()
                .filter(t -> t.state() == TransactionState.ONGOING && !hasPendingTransition(t.transactionalId())
                        && t.txnStartTimestamp() + t.txnTimeoutMs() < now)
                .map(t -> t.prepareFenceProducerEpoch(TransactionMetadata.TV_2, now)).toList();
        aborts.forEach(t -> log.info("Aborting the transaction of {}, older than its timeout of {} ms",
                t.transactionalId(), t.txnTimeoutMs()));
        return writeAll(aborts, TransactionState.PREPARE_EPOCH_FENCE).map(error -> null);
    }

    /**
     * Forgets the transactional ids idle for {@code transactional.id.expiration.ms} with no transaction
     * (Kafka's {@code removeExpiredTransactionalIds}); then runs again after the interval.
     */
    CoordinatorResult<Void> removeExpiredTransactionalIds() {
        timer.schedule(EXPIRE_TIMER, config.removeExpiredTransactionalIdsIntervalMs(),
                this::removeExpiredTransactionalIds);
        long now = clock.millis();
        List<TransactionMetadata> expired = transactions.values().stream()
                .filter(t -> t.state().isExpirationAllowed() && !hasPendingTransition(t.transactionalId())
                        && t.txnLastUpdateTimestamp() <= now - config.transactionalIdExpirationMs())
                .map(TransactionMetadata::prepareDead).toList();
        return writeAll(expired, TransactionState.DEAD).map(error -> null);
    }

    // ---------------------------------------------------------------- the shard's life

    /** Starts the timers, and the markers of the transactions that were being completed. */
    @Override
    public CoordinatorResult<Void> onLoaded() {
        timer.schedule(ABORT_TIMED_OUT_TIMER, config.abortTimedOutTransactionsIntervalMs(),
                this::abortTimedOutTransactions);
        timer.schedule(EXPIRE_TIMER, config.removeExpiredTransactionalIdsIntervalMs(),
                this::removeExpiredTransactionalIds);
        transactions.values().stream().filter(t -> t.state().isPrepared()).forEach(this::sendMarkers);
        return CoordinatorResult.of(null);
    }

    /** Nothing is parked in the shard; markers under way stop by the coordinator epoch they were sent with. */
    @Override
    public void onUnloaded() {
        transactions.clear();
        pending.clear();
    }

    // ---------------------------------------------------------------- replay: what each record means

    /** The coordinator writes no transactions of its own: every record counts as it is read. */
    @Override
    public void replay(long offset, long producerId, ByteBuffer key, ByteBuffer value) {
        TransactionRecords.replay(key, value, this);
    }

    /** No transaction writes here, so a marker (which WriteTxnMarkers could name this partition for) ends none. */
    @Override
    public void replayEndTransactionMarker(long producerId, boolean commit) {
    }

    /** The whole state of a transactional id, as of this record. */
    @Override
    public void transaction(TransactionMetadata metadata) {
        transactions.put(metadata.transactionalId(), metadata);
    }

    @Override
    public void transactionRemoved(String transactionalId) {
        transactions.remove(transactionalId);
    }
}
