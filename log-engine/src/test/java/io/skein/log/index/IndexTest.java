package io.skein.log.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.index.OffsetIndex.OffsetPosition;
import io.skein.log.index.TimeIndex.TimestampOffset;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexTest {
    @TempDir
    Path dir;

    @Test
    void offsetIndexFindsTheLastEntryAtOrBelowAnOffset() throws IOException {
        OffsetIndex index = new OffsetIndex(dir.resolve("0.index"), 100, 8 * 10);
        index.append(104, 0);
        index.append(110, 500);
        index.append(120, 900);

        assertEquals(new OffsetPosition(100, 0), index.lookup(100), "below every entry: the segment start");
        assertEquals(new OffsetPosition(104, 0), index.lookup(109));
        assertEquals(new OffsetPosition(110, 500), index.lookup(110));
        assertEquals(new OffsetPosition(120, 900), index.lookup(1000));
        assertEquals(new OffsetPosition(110, 500), index.lookupByPosition(899));
        assertThrows(IllegalArgumentException.class, () -> index.append(120, 1000));

        index.truncateTo(110);
        assertEquals(1, index.entries());
        assertEquals(104, index.lastOffset());
        index.append(111, 600);
        index.trimToValidSize();
        assertEquals(16, Files.size(index.file()));
        assertTrue(index.isFull());

        OffsetIndex reopened = new OffsetIndex(index.file(), 100, 8 * 10);
        assertEquals(2, reopened.entries());
        assertEquals(new OffsetPosition(111, 600), reopened.lookup(200));
        reopened.sanityCheck(1000);
    }

    @Test
    void offsetIndexSanityCheckCatchesGarbage() throws IOException {
        OffsetIndex index = new OffsetIndex(dir.resolve("0.index"), 0, 8 * 10);
        index.append(5, 100);
        index.append(9, 200);
        index.close();

        new OffsetIndex(index.file(), 0, 80).sanityCheck(300);
        assertThrows(CorruptIndexException.class, () -> new OffsetIndex(index.file(), 0, 80).sanityCheck(200),
                "a position past the end of the log");
        try (RandomAccessFile file = new RandomAccessFile(index.file().toFile(), "rw")) {
            file.seek(8);
            file.writeInt(3); // offsets no longer increase
        }
        assertThrows(CorruptIndexException.class, () -> new OffsetIndex(index.file(), 0, 80).sanityCheck(300));
        try (RandomAccessFile file = new RandomAccessFile(index.file().toFile(), "rw")) {
            file.setLength(13);
        }
        assertThrows(CorruptIndexException.class, () -> new OffsetIndex(index.file(), 0, 80).sanityCheck(300));
    }

    @Test
    void timeIndexKeepsOnlyIncreasingTimestampsAndHoldsASlotForTheLastEntry() throws IOException {
        TimeIndex index = new TimeIndex(dir.resolve("0.timeindex"), 50, 12 * 4);
        index.maybeAppend(1000, 52, false);
        index.maybeAppend(1000, 55, false);
        index.maybeAppend(900, 56, false);
        index.maybeAppend(-1, 57, false);
        index.maybeAppend(2000, 60, false);
        assertEquals(2, index.entries());

        assertEquals(new TimestampOffset(TimeIndex.NO_TIMESTAMP, 50), index.lookup(999));
        assertEquals(new TimestampOffset(1000, 52), index.lookup(1999));
        assertEquals(new TimestampOffset(2000, 60), index.lookup(5000));

        index.maybeAppend(3000, 61, false);
        assertTrue(index.isFull(), "the fourth slot is kept for the final entry");
        assertThrows(IllegalStateException.class, () -> index.maybeAppend(4000, 62, false));
        index.maybeAppend(4000, 62, true);
        assertEquals(new TimestampOffset(4000, 62), index.lastEntry());

        index.truncateTo(60);
        assertEquals(new TimestampOffset(1000, 52), index.lastEntry());
        assertFalse(index.isFull());
        index.sanityCheck(0);
    }
}
