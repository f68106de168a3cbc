package io.skein.broker.txn;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The states of a transactional id, under Kafka's names, and the transitions between them that
 * Kafka's {@code TransactionState} allows: a change is prepared only from one of its state's valid
 * previous states.
 */
public enum TransactionState {
    /** No transaction: after InitProducerId, or once one completed and a new producer epoch was handed out. */
    EMPTY("Empty"),
    /** Partitions (or a group's offsets) have been added to a transaction. */
    ONGOING("Ongoing"),
    /** EndTxn committed; markers are being written to the partitions. */
    PREPARE_COMMIT("PrepareCommit"),
    /** EndTxn aborted, the transaction timed out, or a new producer fenced the old; markers are being written. */
    PREPARE_ABORT("PrepareAbort"),
    /** Every partition has its commit marker. */
    COMPLETE_COMMIT("CompleteCommit"),
    /** Every partition has its abort marker. */
    COMPLETE_ABORT("CompleteAbort"),
    /** Expired: written as a tombstone, the transactional id is forgotten. */
    DEAD("Dead"),
    /**
     * Fencing a producer whose transaction is ongoing, until its abort is written. Only ever a
     * pending state: the fence is written as the PrepareAbort it leads to.
     */
    PREPARE_EPOCH_FENCE("PrepareEpochFence");

    private final String kafkaName;

    TransactionState(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    public String kafkaName() {
        return kafkaName;
    }

    /** The state Kafka calls {@code name}, spelt exactly as Kafka spells it (ListTransactions' state filters). */
    public static Optional<TransactionState> fromKafkaName(String name) {
        return Arrays.stream(values()).filter(state -> state.kafkaName.equals(name)).findFirst();
    }

    /** The states this one may be entered from (Kafka's; TV2 may abort without a transaction, from Empty or Complete*). */
    Set<TransactionState> validPreviousStates() {
        return switch (this) {
            case EMPTY -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case ONGOING -> EnumSet.of(ONGOING, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_COMMIT -> EnumSet.of(ONGOING);
            case PREPARE_ABORT -> EnumSet.of(ONGOING, PREPARE_EPOCH_FENCE, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case COMPLETE_COMMIT -> EnumSet.of(PREPARE_COMMIT);
            case COMPLETE_ABORT -> EnumSet.of(PREPARE_ABORT);
            case DEAD -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_EPOCH_FENCE -> EnumSet.of(ONGOING);
        };
    }

    /** Whether a transactional id in this state may expire after {@code transactional.id.expiration.ms}. */
    boolean isExpirationAllowed() {
        return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }

    boolean isPrepared() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }

    boolean isComplete() {
        return this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }
}
