package io.skein.log.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from offset to file position in a segment: each entry holds the last offset of a batch
 * (relative to the segment's base offset) and the position where that batch starts. Both columns
 * strictly increase. Entry: relative offset (int32), position (int32).
 */
public final class OffsetIndex extends AbstractIndex {
    public static final int ENTRY_SIZE = 8;

    private long lastOffset;

    public OffsetIndex(Path file, long baseOffset, int maxIndexSize) throws IOException {
        super(file, baseOffset, maxIndexSize, ENTRY_SIZE);
        ReadView view = readView();
        this.lastOffset = view.entries() == 0 ? baseOffset : baseOffset + relativeOffsetAt(view.buffer(), view.entries() - 1);
    }

    /** Where to start scanning for {@code offset}: the last entry at or below it, or the segment start. */
    public OffsetPosition lookup(long offset) {
        ReadView view = readView();
        int slot = largestSlotAtMost(view, offset - baseOffset, OffsetIndex::relativeOffsetAt);
        return slot < 0 ? new OffsetPosition(baseOffset, 0) : entry(view.buffer(), slot);
    }

    /** The last entry whose position is at most {@code position}, or the segment start. */
    public OffsetPosition lookupByPosition(int position) {
        ReadView view = readView();
        int slot = largestSlotAtMost(view, position, OffsetIndex::positionAt);
        return slot < 0 ? new OffsetPosition(baseOffset, 0) : entry(view.buffer(), slot);
    }

    /** Adds an entry: {@code offset} must exceed the last indexed offset. Writer thread only. */
    public void append(long offset, int position) {
        if (entries() > 0 && offset <= lastOffset) {
            throw new IllegalArgumentException("Offset " + offset + " is not above the last indexed offset "
                    + lastOffset + " in " + file());
        }
        int relative = relativeOffset(offset);
        appendEntry(buffer -> buffer.putInt(relative).putInt(position), slotPosition(entries()));
        lastOffset = offset;
    }

    /** Drops the entries for offsets at or above {@code offset}. Writer thread only. */
    public void truncateTo(long offset) {
        ReadView view = readView();
        int slot = largestSlotAtMost(view, offset - baseOffset - 1, OffsetIndex::relativeOffsetAt);
        truncateToEntries(slot + 1);
        lastOffset = slot < 0 ? baseOffset : baseOffset + relativeOffsetAt(view.buffer(), slot);
    }

    public void truncate() {
        truncateTo(baseOffset);
    }

    public long lastOffset() {
        return lastOffset;
    }

    @Override
    public void sanityCheck(int logSize) throws IOException {
        checkLength();
        ReadView view = readView();
        long previousOffset = -1;
        long previousPosition = -1;
        for (int slot = 0; slot < view.entries(); slot++) {
            long relative = relativeOffsetAt(view.buffer(), slot);
            long position = positionAt(view.buffer(), slot);
            if (relative <= previousOffset || position <= previousPosition || position >= logSize) {
                throw new CorruptIndexException("Offset index " + file() + " entry " + slot + " (" + relative + ", "
                        + position + ") does not follow (" + previousOffset + ", " + previousPosition
                        + ") within a log of " + logSize + " bytes");
            }
            previousOffset = relative;
            previousPosition = position;
        }
    }

    private OffsetPosition entry(ByteBuffer buffer, int slot) {
        return new OffsetPosition(baseOffset + relativeOffsetAt(buffer, slot), (int) positionAt(buffer, slot));
    }

    private static long relativeOffsetAt(ByteBuffer buffer, int slot) {
        return buffer.getInt(slot * ENTRY_SIZE);
    }

    private static long positionAt(ByteBuffer buffer, int slot) {
        return buffer.getInt(slot * ENTRY_SIZE + 4);
    }

    /** An offset and the file position of the batch it indexes. */
    public record OffsetPosition(long offset, int position) {
    }
}
