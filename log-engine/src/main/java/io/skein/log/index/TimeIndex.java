package io.skein.log.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from timestamp to offset in a segment: each entry holds the largest timestamp seen so
 * far and the last offset of the first batch that reached it, so timestamps strictly increase and
 * offsets never decrease. Entry: timestamp (int64), relative offset (int32).
 *
 * <p>One slot is kept free while the segment is active, for the entry written when it rolls.
 */
public final class TimeIndex extends AbstractIndex {
    public static final int ENTRY_SIZE = 12;
    public static final long NO_TIMESTAMP = -1L;

    private TimestampOffset lastEntry;

    public TimeIndex(Path file, long baseOffset, int maxIndexSize) throws IOException {
        super(file, baseOffset, maxIndexSize, ENTRY_SIZE);
        ReadView view = readView();
        this.lastEntry = view.entries() == 0 ? new TimestampOffset(NO_TIMESTAMP, baseOffset)
                : entry(view.buffer(), view.entries() - 1);
    }

    @Override
    public boolean isFull() {
        return entries() >= maxEntries() - 1;
    }

    /** The last entry whose timestamp is at most {@code timestamp}, or (no timestamp, base offset). */
    public TimestampOffset lookup(long timestamp) {
        ReadView view = readView();
        int slot = largestSlotAtMost(view, timestamp, TimeIndex::timestampAt);
        return slot < 0 ? new TimestampOffset(NO_TIMESTAMP, baseOffset) : entry(view.buffer(), slot);
    }

    /**
     * Adds an entry if {@code timestamp} is larger than the last one. {@code finalEntry} may use the
     * slot held back for the segment's last entry. Writer thread only.
     */
    public void maybeAppend(long timestamp, long offset, boolean finalEntry) {
        if (timestamp < 0 || (entries() > 0 && timestamp <= lastEntry.timestamp())) {
            return;
        }
        if (offset < lastEntry.offset()) {
            throw new IllegalArgumentException("Offset " + offset + " is below the last time-indexed offset "
                    + lastEntry.offset() + " in " + file());
        }
        if (!finalEntry && isFull()) {
            throw new IllegalStateException("Time index " + file() + " is full");
        }
        int relative = relativeOffset(offset);
        appendEntry(buffer -> buffer.putLong(timestamp).putInt(relative), slotPosition(entries()));
        lastEntry = new TimestampOffset(timestamp, offset);
    }

    /** Drops the entries for offsets at or above {@code offset}. Writer thread only. */
    public void truncateTo(long offset) {
        ReadView view = readView();
        int count = largestSlotAtMost(view, offset - baseOffset - 1, TimeIndex::relativeOffsetAt) + 1;
        truncateToEntries(count);
        lastEntry = count == 0 ? new TimestampOffset(NO_TIMESTAMP, baseOffset) : entry(view.buffer(), count - 1);
    }

    public void truncate() {
        truncateTo(baseOffset);
    }

    public TimestampOffset lastEntry() {
        return lastEntry;
    }

    @Override
    public void sanityCheck(int logSize) throws IOException {
        checkLength();
        ReadView view = readView();
        long previousTimestamp = Long.MIN_VALUE;
        long previousOffset = 0;
        for (int slot = 0; slot < view.entries(); slot++) {
            long timestamp = timestampAt(view.buffer(), slot);
            long relative = relativeOffsetAt(view.buffer(), slot);
            if (timestamp <= previousTimestamp || relative < previousOffset) {
                throw new CorruptIndexException("Time index " + file() + " entry " + slot + " (" + timestamp + ", "
                        + relative + ") does not follow (" + previousTimestamp + ", " + previousOffset + ")");
            }
            previousTimestamp = timestamp;
            previousOffset = relative;
        }
    }

    private TimestampOffset entry(ByteBuffer buffer, int slot) {
        return new TimestampOffset(timestampAt(buffer, slot), baseOffset + relativeOffsetAt(buffer, slot));
    }

    private static long timestampAt(ByteBuffer buffer, int slot) {
        return buffer.getLong(slot * ENTRY_SIZE);
    }

    private static long relativeOffsetAt(ByteBuffer buffer, int slot) {
        return buffer.getInt(slot * ENTRY_SIZE + 8);
    }

    /** A timestamp and an offset whose batch reached it. */
    public record TimestampOffset(long timestamp, long offset) {
    }
}
