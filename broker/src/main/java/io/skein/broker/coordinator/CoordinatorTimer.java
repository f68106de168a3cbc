package io.skein.broker.coordinator;

import java.util.function.Supplier;

/** A shard's timers: their operations run on the shard's thread, and their records are written as any operation's. */
public interface CoordinatorTimer {
    /**
     * Runs {@code operation} after {@code delayMs}, unless cancelled or replaced before by a timer of
     * the same key, or the shard unloaded. Called on the shard's thread only.
     */
    void schedule(String key, long delayMs, Supplier<CoordinatorResult<Void>> operation);

    /** Called on the shard's thread only. */
    void cancel(String key);
}
