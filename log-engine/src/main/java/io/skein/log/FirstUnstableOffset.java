package io.skein.log;

import java.io.IOException;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A log's first offset that is not yet stable, from which its last stable offset (LSO) follows, as
 * Kafka's {@code UnifiedLog} keeps it: the first offset of a transaction that is ongoing or whose
 * marker is not yet below the high watermark, at least the log start offset (a transaction whose
 * start retention or DeleteRecords removed is unstable from there). Its place in the log is looked up
 * by the first read_committed fetch that needs it, not on the append path, and kept until it moves.
 *
 * <p>Threads: changed under the log's lock; read without it. A reader that looked up the place sets it
 * only if the offset has not moved meanwhile.
 */
final class FirstUnstableOffset {
    /** Where an offset, a batch boundary, sits in the log. */
    @FunctionalInterface
    interface Locator {
        LogOffsetMetadata locate(long offset) throws IOException;
    }

    /** Null if every offset is stable. */
    private final AtomicReference<LogOffsetMetadata> metadata = new AtomicReference<>();

    /** Follows the producer state's first unstable offset; the log's lock held. */
    void update(OptionalLong firstUnstable, long logStartOffset) {
        if (firstUnstable.isEmpty()) {
            if (metadata.get() != null) { // most appends: no transaction, and no write to share
                metadata.set(null);
            }
            return;
        }
        long offset = Math.max(firstUnstable.getAsLong(), logStartOffset);
        LogOffsetMetadata current = metadata.get();
        if (current == null || current.offset() != offset) {
            metadata.set(LogOffsetMetadata.offsetOnly(offset));
        }
    }

    /** Forgets the place of the offset, whose segment was replaced or truncated; the log's lock held. */
    void segmentsChanged() {
        LogOffsetMetadata current = metadata.get();
        if (current != null) {
            metadata.set(LogOffsetMetadata.offsetOnly(current.offset()));
        }
    }

    /** The last stable offset: this offset if below {@code highWatermark}, else the high watermark. */
    long lastStableOffset(long highWatermark) {
        LogOffsetMetadata current = metadata.get();
        return current != null && current.offset() < highWatermark ? current.offset() : highWatermark;
    }

    /**
     * {@link #lastStableOffset} with its place in the log: if not known yet, {@code locator} finds it,
     * to be called with the log's lock held (the lookup must not race a truncation or a swap).
     */
    LogOffsetMetadata lastStableOffsetMetadata(LogOffsetMetadata highWatermark, Locator locator) throws IOException {
        LogOffsetMetadata current = metadata.get();
        if (current == null || current.offset() >= highWatermark.offset()) {
            return highWatermark;
        }
        if (!current.messageOffsetOnly()) {
            return current;
        }
        LogOffsetMetadata located = locator.locate(current.offset());
        metadata.compareAndSet(current, located);
        return located;
    }
}
