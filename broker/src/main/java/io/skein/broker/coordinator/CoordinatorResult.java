package io.skein.broker.coordinator;

import io.skein.broker.kafka.LogRecords.KeyValue;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.protocol.Errors;

/**
 * What an operation on a shard returns: the records that carry its change, and its answer once they
 * are written. The shard changes only when the records are replayed, after they are written.
 *
 * @param records   to append to the shard's partition, with acks=all; none for an operation that only reads
 * @param onWritten the answer, given the write's outcome: NONE once every record is written and
 *                  replayed, else the append's error and nothing replayed. Runs on the shard's thread
 *                  and may settle what lives only in memory (requests parked in the shard).
 * @param retryAfterPendingWrites no answer yet: the operation depends on a write under way, and is to
 *                  run again once the writes made before it are answered (see {@link #afterPendingWrites()})
 */
public record CoordinatorResult<T>(List<KeyValue> records, Function<Errors, T> onWritten,
                                   boolean retryAfterPendingWrites) {
    public CoordinatorResult {
        records = List.copyOf(records);
    }

    public CoordinatorResult(List<KeyValue> records, Function<Errors, T> onWritten) {
        this(records, onWritten, false);
    }

    /** The same records, with {@code answer} made of this result's answer. */
    public <U> CoordinatorResult<U> map(Function<T, U> answer) {
        return new CoordinatorResult<>(records, onWritten.andThen(answer), retryAfterPendingWrites);
    }

    /**
     * Not yet: the operation's answer depends on a write still under way, so the runtime runs it again
     * once the writes made before it have been answered, instead of the client asking again later.
     * Only for an operation that knows such a write is under way (a change being written for the
     * same key), which bounds the wait by that write's; it writes nothing now.
     */
    public static <T> CoordinatorResult<T> afterPendingWrites() {
        return new CoordinatorResult<>(List.of(), error -> {
            throw new IllegalStateException("an operation to run again has no answer");
        }, true);
    }

    /** An answer that writes nothing. */
    public static <T> CoordinatorResult<T> of(T response) {
        return new CoordinatorResult<>(List.of(), error -> response);
    }

    /**
     * What a failed write of a coordinator's partition, or of its verification with a transaction
     * coordinator, means to its clients (Kafka's mapping); {@code tooLarge} is the answer to records
     * too large, which depends on the request.
     */
    public static Errors clientError(Errors appendError, Errors tooLarge) {
        return switch (appendError) {
            // Kafka's answer to a verification that did not reach the transaction coordinator: older
            // clients retry it without looking for the group coordinator again.
            case NETWORK_EXCEPTION -> Errors.COORDINATOR_LOAD_IN_PROGRESS;
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT ->
                    Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> tooLarge;
            default -> appendError;
        };
    }
}
