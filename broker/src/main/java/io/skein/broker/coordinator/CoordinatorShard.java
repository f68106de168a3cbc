package io.skein.broker.coordinator;

import java.nio.ByteBuffer;

/**
 * The state of one partition of a coordinator's internal topic, which this broker leads. The
 * partition's records are its only definition: {@link #replay} applies one, and
 * {@link #replayEndTransactionMarker} a marker that ends a transaction among them, the same way when
 * the partition is loaded and when an operation's records or a marker have just been written.
 * Confined to the thread of its {@link CoordinatorRuntime}.
 */
public interface CoordinatorShard {
    /**
     * Applies one record of the partition; a null value is a tombstone.
     *
     * @param offset     where the record is in the partition
     * @param producerId the producer whose transaction wrote the record, or
     *                   {@link io.skein.broker.kafka.LogRecords#NO_PRODUCER_ID} if none did: such a
     *                   record counts only once a COMMIT marker of its producer follows it
     */
    void replay(long offset, long producerId, ByteBuffer key, ByteBuffer value);

    /**
     * The marker of the producer's transaction: what its records replayed since the last marker
     * said now counts ({@code commit}) or never will.
     */
    void replayEndTransactionMarker(long producerId, boolean commit);

    /** Once the partition is replayed, before the first operation: what to write, and the timers to start. */
    CoordinatorResult<Void> onLoaded();

    /** Leadership has left: requests parked in the state are answered; the shard is not used again. */
    void onUnloaded();
}
