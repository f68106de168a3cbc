package io.skein.log;

/**
 * Told of each segment fsync of a partition log (its records, and its indexes once it is no longer
 * active), as Kafka's {@code kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs} times them:
 * the flushes appends wait for (group commit), {@code flush.ms}, rolls, shutdown and the cleaner's
 * compacted segments. The log engine knows no metrics library; the broker turns these into its
 * series.
 *
 * <p>Called on the flushing thread, some holding the log's flush lock: it must not block.
 */
@FunctionalInterface
public interface FlushListener {
    /** For logs whose flushes nobody watches (tools, tests). */
    FlushListener NONE = elapsedNanos -> {
    };

    /** A segment's fsync took {@code elapsedNanos}. */
    void flushed(long elapsedNanos);
}
