package io.skein.broker.coordinator;

import java.nio.ByteBuffer;

/**
 * The state of one partition of a coordinator's internal topic, which this broker leads. The
 * partition's records are its only definition: {@link #replay} applies one, the same way when the
 * partition is loaded and when an operation's records have just been written. Confined to the
 * thread of its {@link CoordinatorRuntime}.
 */
public interface CoordinatorShard {
    /** Applies one record of the partition; a null value is a tombstone. */
    void replay(ByteBuffer key, ByteBuffer value);

    /** Once the partition is replayed, before the first operation: what to write, and the timers to start. */
    CoordinatorResult<Void> onLoaded();

    /** Leadership has left: requests parked in the state are answered; the shard is not used again. */
    void onUnloaded();
}
