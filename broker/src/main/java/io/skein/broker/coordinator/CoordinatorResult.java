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
 *                  and may settle what lives only in memory (requests parked in the shard). For a
 *                  result that waits for the next write, the answer at its deadline (given NONE).
 * @param waitsFor  what the operation waits for before it runs again, instead of answering now
 * @param deadlineNanos for {@link Wait#NEXT_WRITE}: when it answers if it still waits, on the
 *                  {@link System#nanoTime()} scale
 */
public record CoordinatorResult<T>(List<KeyValue> records, Function<Errors, T> onWritten, Wait waitsFor,
                                   long deadlineNanos) {
    /** What an operation without its answer yet waits for; the runtime then runs it again. */
    public enum Wait {
        /** Nothing: the result is its answer. */
        NONE,
        /** The writes made before it to be answered (see {@link #afterPendingWrites()}). */
        PENDING_WRITES,
        /** The shard's next write to be answered, or its deadline (see {@link #afterNextWrite}). */
        NEXT_WRITE
    }

    public CoordinatorResult {
        records = List.copyOf(records);
    }

    public CoordinatorResult(List<KeyValue> records, Function<Errors, T> onWritten) {
        this(records, onWritten, Wait.NONE, 0);
    }

    /** The same records, with {@code answer} made of this result's answer. */
    public <U> CoordinatorResult<U> map(Function<T, U> answer) {
        return new CoordinatorResult<>(records, onWritten.andThen(answer), waitsFor, deadlineNanos);
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
        }, Wait.PENDING_WRITES, 0);
    }

    /**
     * Not yet: the operation's answer depends on a change that another operation will write (such as
     * the completion of a transaction whose markers are being written), with no write of it under way
     * yet. The runtime runs it again once the shard's next write is answered, and after each one
     * while it still waits; if it still waits at {@code deadlineNanos} (on the {@link System#nanoTime()}
     * scale) it answers {@code atDeadline}, at once if that has passed. It writes nothing now.
     */
    public static <T> CoordinatorResult<T> afterNextWrite(long deadlineNanos, T atDeadline) {
        return new CoordinatorResult<>(List.of(), error -> atDeadline, Wait.NEXT_WRITE, deadlineNanos);
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
