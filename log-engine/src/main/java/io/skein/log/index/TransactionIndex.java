package io.skein.log.index;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A segment's {@code .txnindex}, Kafka's transaction index: the transactions whose ABORT marker is in
 * the segment, in the order of their markers (a transaction may start in an earlier segment). A
 * read_committed fetch collects from it the aborted transactions its range overlaps.
 *
 * <p>Kafka's format, big-endian, 34 bytes per entry: {@code version} int16 (0), {@code producer id}
 * int64, {@code first offset} int64, {@code last offset} int64 (the marker's), {@code last stable
 * offset} int64. The file is created with its first entry: most segments never see an abort.
 *
 * <p>Threads: the log's writer appends, truncates, renames and deletes; readers collect without a lock
 * and see the entries up to a size published after they are written.
 */
public final class TransactionIndex implements AutoCloseable {
    public static final short VERSION = 0;
    static final int ENTRY_SIZE = Short.BYTES + 4 * Long.BYTES;

    /** What a search of one segment's index found, and whether later segments may hold more. */
    public record SearchResult(List<AbortedTxn> abortedTransactions, boolean complete) {
    }

    private final long startOffset;
    private volatile Path file;
    private volatile FileChannel channel; // null until the file exists
    private volatile int size;
    private long lastOffset = -1;

    /** Opens the index in {@code file} if it exists; a torn last entry (a crash mid-append) is ignored. */
    public TransactionIndex(long startOffset, Path file) throws IOException {
        this.startOffset = startOffset;
        this.file = file;
        if (Files.exists(file)) {
            FileChannel opened = open(file);
            long length = opened.size();
            this.size = (int) (length - length % ENTRY_SIZE);
            this.channel = opened;
            List<AbortedTxn> all = allAbortedTxns();
            this.lastOffset = all.isEmpty() ? -1 : all.get(all.size() - 1).lastOffset();
        }
    }

    private static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    public Path file() {
        return file;
    }

    /** Adds an aborted transaction, whose marker must come after the last one's. Writer only. */
    public void append(AbortedTxn txn) throws IOException {
        if (txn.lastOffset() <= lastOffset) {
            throw new IllegalArgumentException("Aborted transactions must be appended in the order of their markers: "
                    + txn.lastOffset() + " is not above " + lastOffset + " in " + file);
        }
        FileChannel writing = channel;
        if (writing == null) {
            writing = open(file);
            channel = writing;
        }
        ByteBuffer entry = ByteBuffer.allocate(ENTRY_SIZE).putShort(VERSION).putLong(txn.producerId())
                .putLong(txn.firstOffset()).putLong(txn.lastOffset()).putLong(txn.lastStableOffset()).flip();
        long at = size;
        while (entry.hasRemaining()) {
            at += writing.write(entry, at);
        }
        lastOffset = txn.lastOffset();
        size += ENTRY_SIZE;
    }

    /** Every entry, in order. */
    public List<AbortedTxn> allAbortedTxns() throws IOException {
        List<AbortedTxn> all = new ArrayList<>();
        forEach(txn -> {
            all.add(txn);
            return true;
        });
        return all;
    }

    /**
     * The aborted transactions that overlap [{@code fetchOffset}, {@code upperBoundOffset}), as Kafka
     * collects them. The search is complete once an entry's last stable offset reaches the upper bound:
     * any transaction aborted in a later segment began after every offset of the range was decided.
     */
    public SearchResult collectAbortedTxns(long fetchOffset, long upperBoundOffset) throws IOException {
        List<AbortedTxn> found = new ArrayList<>();
        boolean[] complete = {false};
        forEach(txn -> {
            if (txn.lastOffset() >= fetchOffset && txn.firstOffset() < upperBoundOffset) {
                found.add(txn);
            }
            complete[0] = txn.lastStableOffset() >= upperBoundOffset;
            return !complete[0];
        });
        return new SearchResult(found, complete[0]);
    }

    @FunctionalInterface
    private interface EntryVisitor {
        boolean visit(AbortedTxn txn);
    }

    private void forEach(EntryVisitor visitor) throws IOException {
        int end = size;
        FileChannel reading = channel;
        if (end == 0 || reading == null) {
            return;
        }
        ByteBuffer entries = ByteBuffer.allocate(end);
        while (entries.hasRemaining()) {
            if (reading.read(entries, entries.position()) < 0) {
                throw new EOFException("Transaction index " + file + " ends before " + end + " bytes");
            }
        }
        entries.flip();
        while (entries.remaining() >= ENTRY_SIZE) {
            short version = entries.getShort();
            if (version != VERSION) {
                throw new CorruptIndexException("Entry of version " + version + " in transaction index " + file);
            }
            if (!visitor.visit(new AbortedTxn(entries.getLong(), entries.getLong(), entries.getLong(), entries.getLong()))) {
                return;
            }
        }
    }

    /** Removes the transactions aborted at or after {@code offset}. Writer only. */
    public void truncateTo(long offset) throws IOException {
        int[] keep = {0};
        long[] newLastOffset = {-1};
        forEach(txn -> {
            if (txn.lastOffset() >= offset) {
                return false;
            }
            keep[0] += ENTRY_SIZE;
            newLastOffset[0] = txn.lastOffset();
            return true;
        });
        if (keep[0] < size) {
            size = keep[0];
            channel.truncate(keep[0]);
            lastOffset = newLastOffset[0];
        }
    }

    /** Removes every entry, for a segment whose index recovery rebuilds. Writer only. */
    public void reset() throws IOException {
        size = 0;
        lastOffset = -1;
        if (channel != null) {
            channel.truncate(0);
        }
    }

    /**
     * Checks the entries are plausible, as Kafka does: readable, and each ending in this segment.
     *
     * @throws CorruptIndexException if not
     */
    public void sanityCheck() throws IOException {
        for (AbortedTxn txn : allAbortedTxns()) {
            if (txn.lastOffset() < startOffset) {
                throw new CorruptIndexException("Aborted transaction " + txn + " in " + file
                        + " ends before the segment's start " + startOffset);
            }
        }
    }

    public void flush() throws IOException {
        if (channel != null) {
            channel.force(true);
        }
    }

    /** Renames the file, if it exists yet; open readers keep working. */
    public void renameTo(Path target) throws IOException {
        if (Files.exists(file)) {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        }
        file = target;
    }

    public void deleteIfExists() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
