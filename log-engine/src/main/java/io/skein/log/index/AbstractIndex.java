package io.skein.log.index;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;

/**
 * A memory-mapped file of fixed-size entries sorted by a key, shared by the offset and time indexes.
 *
 * <p>A new index is preallocated to its maximum size; {@link #trimToValidSize()} cuts it to its
 * entries when its segment stops being active, and {@link #resize} grows it again if the segment
 * becomes active after a truncation. Only the log's single writer appends, truncates or resizes;
 * readers take no lock: they read the entry count, then the mapping (see {@link #readView()}).
 * Mappings are left to the garbage collector rather than unmapped by force, because a reader may
 * still hold one, and touching an unmapped buffer crashes the JVM.
 */
public abstract class AbstractIndex implements AutoCloseable {
    protected final long baseOffset;
    private final int entrySize;
    private volatile Path file;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;
    private int maxEntries;

    /** Reads the sort key of a slot, for binary searches. */
    @FunctionalInterface
    protected interface SlotKey {
        long of(ByteBuffer buffer, int slot);
    }

    protected AbstractIndex(Path file, long baseOffset, int maxIndexSize, int entrySize) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        boolean created = !Files.exists(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            if (created) {
                raf.setLength(roundDown(maxIndexSize));
            }
            long length = raf.length();
            this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
            this.maxEntries = (int) (length / entrySize);
            this.entries = created ? 0 : maxEntries;
        }
    }

    public Path file() {
        return file;
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int entries() {
        return entries;
    }

    public boolean isFull() {
        return entries >= maxEntries;
    }

    protected int maxEntries() {
        return maxEntries;
    }

    /** Size of the file in bytes, which is more than the entries take while the index is active. */
    public long sizeInBytes() throws IOException {
        return Files.size(file);
    }

    /**
     * The mapping to read {@link #entries()} entries from. Reads the count before the mapping: the
     * writer installs a grown mapping before it publishes entries that need it.
     */
    protected final ReadView readView() {
        int count = entries;
        return new ReadView(mmap, count);
    }

    protected record ReadView(ByteBuffer buffer, int entries) {
    }

    /** Writes the entry at the next slot with {@code writer}, then publishes it. Writer thread only. */
    protected final void appendEntry(Consumer<ByteBuffer> writer, int slotPosition) {
        if (entries >= maxEntries) { // the file's capacity: a subclass's isFull() may hold slots back
            throw new IllegalStateException("Index " + file + " is full (" + entries + " entries)");
        }
        writer.accept(mmap.duplicate().position(slotPosition));
        entries = entries + 1;
    }

    protected final int slotPosition(int slot) {
        return slot * entrySize;
    }

    /** Forgets entries from slot {@code count} on. Writer thread only. */
    protected final void truncateToEntries(int count) {
        entries = Math.min(entries, count);
    }

    /** The largest slot whose key is at most {@code target}, or -1 if every key is larger. */
    protected static int largestSlotAtMost(ReadView view, long target, SlotKey key) {
        int lo = 0;
        int hi = view.entries() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (key.of(view.buffer(), mid) <= target) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Resizes the file and its mapping to hold {@code newSize} bytes (rounded down to whole entries). */
    public void resize(int newSize) throws IOException {
        int length = roundDown(newSize);
        if (length < entries * entrySize) {
            throw new IllegalArgumentException("Cannot shrink " + file + " below its " + entries + " entries");
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
            mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
            maxEntries = length / entrySize;
        }
    }

    /** Cuts the file to its entries, for a segment that will take no more appends. */
    public void trimToValidSize() throws IOException {
        resize(entries * entrySize);
    }

    public void flush() {
        mmap.force();
    }

    public void renameTo(Path target) throws IOException {
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        file = target;
    }

    public void deleteIfExists() throws IOException {
        Files.deleteIfExists(file);
    }

    /** Checks the entries are plausible; throws {@link CorruptIndexException} if not. */
    public abstract void sanityCheck(int logSize) throws IOException;

    protected final void checkLength() throws IOException {
        long length = Files.size(file);
        if (length % entrySize != 0) {
            throw new CorruptIndexException("Index " + file + " has size " + length
                    + ", not a multiple of its entry size " + entrySize);
        }
    }

    protected final int relativeOffset(long offset) {
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Offset " + offset + " is out of range for index " + file);
        }
        return (int) relative;
    }

    @Override
    public void close() throws IOException {
        trimToValidSize();
    }

    private int roundDown(int size) {
        return size - size % entrySize;
    }
}
