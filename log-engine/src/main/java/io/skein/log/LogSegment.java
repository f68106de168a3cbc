package io.skein.log;

import static io.skein.log.record.RecordBatchView.HEADER_SIZE;
import static io.skein.log.record.RecordBatchView.NO_TIMESTAMP;

import io.skein.log.index.AbortedTxn;
import io.skein.log.index.OffsetIndex;
import io.skein.log.index.TimeIndex;
import io.skein.log.index.TimeIndex.TimestampOffset;
import io.skein.log.index.TransactionIndex;
import io.skein.log.record.BatchRecords;
import io.skein.log.record.RecordBatchView;
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
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment of a partition log: a {@code .log} file of record batches stored verbatim, named by
 * the 20-digit offset of its first batch, with its {@code .index}, {@code .timeindex} and, once a
 * transaction is aborted in it, {@code .txnindex}.
 *
 * <p>Only the log's writer appends, truncates, recovers or rolls; readers run concurrently and see
 * the bytes up to {@link #size()}, which is published only after the bytes are written.
 */
final class LogSegment implements AutoCloseable {
    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";
    static final String TXN_INDEX_SUFFIX = ".txnindex";
    static final String DELETED_SUFFIX = ".deleted";
    /** Added to the file names of a segment the cleaner is still writing. */
    static final String CLEANED_SUFFIX = ".cleaned";
    /** Added to the file names of a cleaned segment, complete and on disk, that replaces the segments it covers. */
    static final String SWAP_SUFFIX = ".swap";

    private static final Logger log = LoggerFactory.getLogger(LogSegment.class);
    private static final TimestampOffset NO_MAX_TIMESTAMP = new TimestampOffset(NO_TIMESTAMP, -1);
    private static final int RECOVERY_READ_SIZE = 64 * 1024;

    private final long baseOffset;
    private final FileChannel channel;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final TransactionIndex txnIndex;
    private final int indexIntervalBytes;
    private final int maxIndexSize;
    /** How much sooner than {@code segment.ms} this segment rolls: random, so that logs do not all roll at once. */
    private final long rollJitterMs;
    /** Whether the file was extended past its data when created ({@code preallocate}); trimmed when it is done. */
    private boolean preallocated;
    private volatile Path logFile;
    private volatile int size;
    private volatile TimestampOffset maxTimestampSoFar;
    private long createdMs;
    private long rollingBasedTimestamp;
    private int bytesSinceLastIndexEntry;

    /** A batch located in the file. */
    record BatchPosition(long baseOffset, int position, int size) {
    }

    /** Judges a structurally valid batch during recovery; returns why it is rejected, or null. */
    @FunctionalInterface
    interface BatchCheck {
        String problemWith(RecordBatchView batch);
    }

    private LogSegment(long baseOffset, FileChannel channel, Path logFile, OffsetIndex offsetIndex, TimeIndex timeIndex,
                       TransactionIndex txnIndex, LogConfig config, long nowMs) throws IOException {
        this.baseOffset = baseOffset;
        this.channel = channel;
        this.logFile = logFile;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.txnIndex = txnIndex;
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.maxIndexSize = config.segmentIndexBytes();
        this.rollJitterMs = config.segmentJitterMs() == 0 ? 0
                : ThreadLocalRandom.current().nextLong(Math.min(config.segmentJitterMs(), config.segmentMs()));
        long fileSize = channel.size();
        if (fileSize > Integer.MAX_VALUE) {
            throw new IOException("Segment " + logFile + " is " + fileSize + " bytes, more than a segment may hold");
        }
        this.size = (int) fileSize;
        this.createdMs = nowMs;
        TimestampOffset lastTimeEntry = timeIndex.lastEntry();
        this.maxTimestampSoFar = lastTimeEntry.timestamp() >= 0 ? lastTimeEntry : NO_MAX_TIMESTAMP;
        this.rollingBasedTimestamp = firstBatchTimestamp();
    }

    /** The first batch's max timestamp, which {@code segment.ms} counts from; none if unreadable. */
    private long firstBatchTimestamp() throws IOException {
        if (size == 0) {
            return NO_TIMESTAMP;
        }
        try {
            RecordBatchView first = new RecordBatchView();
            readHeader(ByteBuffer.allocate(HEADER_SIZE), first, 0, size);
            return first.maxTimestamp();
        } catch (CorruptRecordException e) {
            return NO_TIMESTAMP; // a torn segment: recovery will cut it and reset this
        }
    }

    /** Creates an empty segment starting at {@code baseOffset}, replacing stale index files. */
    static LogSegment create(Path dir, long baseOffset, LogConfig config, long nowMs) throws IOException {
        return create(dir, baseOffset, "", config, nowMs);
    }

    /**
     * Creates an empty segment whose file names end in {@code fileSuffix}, such as
     * {@link #CLEANED_SUFFIX}; such a temporary segment replaces whatever an interrupted attempt left.
     */
    static LogSegment create(Path dir, long baseOffset, String fileSuffix, LogConfig config, long nowMs)
            throws IOException {
        if (!fileSuffix.isEmpty()) {
            Files.deleteIfExists(file(dir, baseOffset, LOG_SUFFIX + fileSuffix));
        }
        Files.deleteIfExists(file(dir, baseOffset, INDEX_SUFFIX + fileSuffix));
        Files.deleteIfExists(file(dir, baseOffset, TIME_INDEX_SUFFIX + fileSuffix));
        Files.deleteIfExists(file(dir, baseOffset, TXN_INDEX_SUFFIX + fileSuffix));
        LogSegment segment = open(dir, baseOffset, fileSuffix, config, nowMs, StandardOpenOption.CREATE_NEW);
        if (config.preallocate() && fileSuffix.isEmpty()) {
            try {
                segment.preallocate(config.segmentBytes());
            } catch (IOException e) {
                segment.delete();
                throw e;
            }
        }
        return segment;
    }

    /**
     * Extends the new, empty file to {@code bytes}, as Kafka's {@code preallocate} does. The data still
     * ends at {@link #size()}: the file is trimmed back to it when the segment rolls or closes, and
     * recovery after a crash cuts the zeros after the last batch.
     */
    private void preallocate(int bytes) throws IOException {
        channel.write(ByteBuffer.allocate(1), bytes - 1L);
        preallocated = true;
    }

    /** Gives back the preallocated space after the data. */
    private void trimPreallocated() throws IOException {
        if (preallocated) {
            channel.truncate(size);
            preallocated = false;
        }
    }

    /** Opens an existing segment; missing index files are created empty (the loader rebuilds them). */
    static LogSegment open(Path dir, long baseOffset, LogConfig config, long nowMs) throws IOException {
        return open(dir, baseOffset, "", config, nowMs);
    }

    /** {@link #open(Path, long, LogConfig, long)} for a segment whose file names end in {@code fileSuffix}. */
    static LogSegment open(Path dir, long baseOffset, String fileSuffix, LogConfig config, long nowMs)
            throws IOException {
        return open(dir, baseOffset, fileSuffix, config, nowMs, StandardOpenOption.READ);
    }

    private static LogSegment open(Path dir, long baseOffset, String fileSuffix, LogConfig config, long nowMs,
                                   StandardOpenOption mode) throws IOException {
        Path logFile = file(dir, baseOffset, LOG_SUFFIX + fileSuffix);
        FileChannel channel = FileChannel.open(logFile, mode, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            OffsetIndex offsetIndex = new OffsetIndex(file(dir, baseOffset, INDEX_SUFFIX + fileSuffix), baseOffset,
                    config.segmentIndexBytes());
            TimeIndex timeIndex = new TimeIndex(file(dir, baseOffset, TIME_INDEX_SUFFIX + fileSuffix), baseOffset,
                    config.segmentIndexBytes());
            TransactionIndex txnIndex = new TransactionIndex(baseOffset, file(dir, baseOffset, TXN_INDEX_SUFFIX + fileSuffix));
            return new LogSegment(baseOffset, channel, logFile, offsetIndex, timeIndex, txnIndex, config, nowMs);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    static Path file(Path dir, long baseOffset, String suffix) {
        return dir.resolve(String.format("%020d", baseOffset) + suffix);
    }

    long baseOffset() {
        return baseOffset;
    }

    int size() {
        return size;
    }

    Path logFile() {
        return logFile;
    }

    OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    TimeIndex timeIndex() {
        return timeIndex;
    }

    TransactionIndex txnIndex() {
        return txnIndex;
    }

    /** Records a transaction whose ABORT marker was just written to (or recovered in) this segment. Writer only. */
    void updateTxnIndex(AbortedTxn aborted) throws IOException {
        txnIndex.append(aborted);
    }

    /** Largest batch timestamp in the segment, or the file's modification time if it has none. */
    long largestTimestamp() throws IOException {
        long max = maxTimestampSoFar.timestamp();
        return max >= 0 ? max : Files.getLastModifiedTime(logFile).toMillis();
    }

    /** The first batch's max timestamp, which {@code segment.ms} counts from; none for an empty segment. */
    long rollingBasedTimestamp() {
        return rollingBasedTimestamp;
    }

    TimestampOffset maxTimestampSoFar() {
        return maxTimestampSoFar;
    }

    /**
     * Appends validated batches whose last offset is {@code largestOffset}. The records' position is
     * left as it was. Writer thread only.
     */
    void append(ByteBuffer records, long largestOffset, long maxTimestamp, long offsetOfMaxTimestamp)
            throws IOException {
        int position = write(records, maxTimestamp);
        index(largestOffset, position, records.remaining(), maxTimestamp, offsetOfMaxTimestamp);
        size = position + records.remaining();
    }

    /**
     * Appends whole batches and indexes each one on its own, as recovery does, rather than the append
     * as a whole: the cleaner writes a segment in large chunks, and readers need the finer index.
     */
    void appendBatches(ByteBuffer batches) throws IOException {
        RecordBatchView batch = new RecordBatchView().at(batches, batches.position());
        int position = write(batches, batch.maxTimestamp());
        for (int at = batches.position(); at < batches.limit(); at += batch.sizeInBytes()) {
            batch.at(batches, at);
            index(batch.lastOffset(), position + at - batches.position(), batch.sizeInBytes(), batch.maxTimestamp(),
                    batch.lastOffset());
        }
        size = position + batches.remaining();
    }

    /** Writes the records at the end of the file, without publishing them; returns where they start. */
    private int write(ByteBuffer records, long maxTimestamp) throws IOException {
        int position = size;
        if (position == 0) {
            rollingBasedTimestamp = maxTimestamp;
        }
        ByteBuffer source = records.duplicate();
        long written = 0;
        while (source.hasRemaining()) {
            written += channel.write(source, position + written);
        }
        return position;
    }

    /** Adds index entries for bytes just written or just recovered at {@code position}. */
    private void index(long largestOffset, int position, int bytes, long maxTimestamp, long offsetOfMaxTimestamp) {
        if (maxTimestamp > maxTimestampSoFar.timestamp()) {
            maxTimestampSoFar = new TimestampOffset(maxTimestamp, offsetOfMaxTimestamp);
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            // Appends roll before an index fills; only a recovery under a smaller index size skips entries.
            if (!offsetIndex.isFull()) {
                offsetIndex.append(largestOffset, position);
            }
            if (!timeIndex.isFull()) {
                timeIndex.maybeAppend(maxTimestampSoFar.timestamp(), maxTimestampSoFar.offset(), false);
            }
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += bytes;
    }

    /** Whether an append of {@code bytes} up to {@code maxOffset} must go to a new segment. */
    boolean shouldRoll(LogConfig config, int bytes, long maxTimestamp, long maxOffset, long nowMs) {
        if (size == 0) {
            return false;
        }
        long waited = rollingBasedTimestamp >= 0 && maxTimestamp >= 0
                ? maxTimestamp - rollingBasedTimestamp : nowMs - createdMs;
        return size > config.segmentBytes() - bytes
                || waited > config.maxSegmentMs() - rollJitterMs
                || offsetIndex.isFull()
                || timeIndex.isFull()
                || maxOffset - baseOffset > Integer.MAX_VALUE;
    }

    /** Writes the final time index entry and trims both indexes: the segment takes no more appends. */
    void onBecomeInactive() throws IOException {
        trimPreallocated();
        appendFinalTimeIndexEntry();
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
    }

    private void appendFinalTimeIndexEntry() {
        TimestampOffset max = maxTimestampSoFar;
        if (max.timestamp() >= 0) {
            timeIndex.maybeAppend(max.timestamp(), max.offset(), true);
        }
    }

    /** Grows the indexes back to full size, for a segment that becomes the active one again. */
    void resizeIndexes(int maxIndexSize) throws IOException {
        offsetIndex.resize(maxIndexSize);
        timeIndex.resize(maxIndexSize);
    }

    /** The file's channel, which the slices it reads name. */
    FileChannel channel() {
        return channel;
    }

    /**
     * Whole batches from the first one whose last offset is at least {@code startOffset}, ending at or
     * before {@code maxPosition}, within {@code maxSize} bytes, or the first batch alone if it is larger
     * and {@code minOneBatch} is set. Null if the segment holds no such batch below {@code maxPosition}.
     */
    FileSlice read(long startOffset, int maxSize, int maxPosition, boolean minOneBatch) throws IOException {
        int end = Math.min(maxPosition, size);
        BatchPosition first = find(startOffset, offsetIndex.lookup(startOffset).position(), end);
        if (first == null) {
            return null;
        }
        int budget = minOneBatch ? Math.max(maxSize, first.size()) : maxSize;
        int limit = (int) Math.min(end, (long) first.position() + budget);
        int sliceEnd = limit == end ? end : lastBatchEndWithin(first.position(), limit, end);
        return new FileSlice(channel, first.position(), sliceEnd - first.position());
    }

    /** Where the batch holding {@code offset} (or the next one after it) starts; null if beyond the segment. */
    BatchPosition translateOffset(long offset) throws IOException {
        return find(offset, offsetIndex.lookup(offset).position(), size);
    }

    private BatchPosition find(long offset, int startPosition, int end) throws IOException {
        BatchPosition[] found = new BatchPosition[1];
        scan(startPosition, end, (batch, position) -> {
            if (batch.lastOffset() >= offset) {
                found[0] = new BatchPosition(batch.baseOffset(), position, batch.sizeInBytes());
                return false;
            }
            return true;
        });
        return found[0];
    }

    /** The end of the last batch that starts at or after {@code from} and ends by {@code limit}. */
    private int lastBatchEndWithin(int from, int limit, int end) throws IOException {
        int start = Math.max(from, offsetIndex.lookupByPosition(limit).position());
        return scan(start, end, (batch, position) -> position + batch.sizeInBytes() <= limit);
    }

    /**
     * Hands the header of every batch, in order, to {@code visitor} (a view of a small buffer it may not
     * keep); a control batch whole, as what it means to its producer is in its record (a marker is
     * under a hundred bytes).
     */
    void forEachBatchHeader(Consumer<RecordBatchView> visitor) throws IOException {
        RecordBatchView control = new RecordBatchView();
        ByteBuffer[] controlBytes = {ByteBuffer.allocate(128)};
        scan(0, size, (batch, position) -> {
            if (batch.isControlBatch()) {
                int batchSize = batch.sizeInBytes();
                if (controlBytes[0].capacity() < batchSize) {
                    controlBytes[0] = ByteBuffer.allocate(batchSize);
                }
                readFully(controlBytes[0].clear().limit(batchSize), position);
                visitor.accept(control.at(controlBytes[0], 0));
            } else {
                visitor.accept(batch);
            }
            return true;
        });
    }

    /** Sees one batch header during a {@link #scan}; returns false to stop there. */
    @FunctionalInterface
    private interface HeaderVisitor {
        boolean visit(RecordBatchView batch, int position) throws IOException;
    }

    /**
     * Reads the headers of the batches from {@code from} (a batch start) until {@code end}, which must
     * end a batch, handing each to {@code visitor}. Returns where the scan stopped: the position of
     * the batch the visitor declined, or {@code end}.
     */
    private int scan(int from, int end, HeaderVisitor visitor) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
        RecordBatchView batch = new RecordBatchView();
        int position = from;
        while (position < end) {
            readHeader(header, batch, position, end);
            if (!visitor.visit(batch, position)) {
                return position;
            }
            position += batch.sizeInBytes();
        }
        return position;
    }

    /** Reads the header of a batch that must be whole before {@code end}, or fails as corrupt. */
    private void readHeader(ByteBuffer header, RecordBatchView batch, int position, int end) throws IOException {
        if (end - position < HEADER_SIZE) {
            throw corrupt(position, "only " + (end - position) + " bytes remain for a batch header");
        }
        readFully(header.clear(), position);
        batch.at(header, 0);
        int batchSize = batch.sizeInBytes();
        if (batchSize < HEADER_SIZE || batchSize > end - position) {
            throw corrupt(position, "batch size " + batchSize + " does not fit in " + (end - position) + " bytes");
        }
    }

    private CorruptRecordException corrupt(int position, String problem) {
        return new CorruptRecordException("Segment " + logFile + " is corrupt at position " + position + ": " + problem);
    }

    /** The offset after the last batch: scans from the last index entry to the end. */
    long readNextOffset() throws IOException {
        long[] nextOffset = {baseOffset};
        scan(offsetIndex.lookup(offsetIndex.lastOffset()).position(), size, (batch, position) -> {
            nextOffset[0] = batch.nextOffset();
            return true;
        });
        return nextOffset[0];
    }

    /** The first record at or after {@code startingOffset} whose timestamp is at least {@code timestamp}. */
    Optional<TimestampAndOffset> findOffsetByTimestamp(long timestamp, long startingOffset) throws IOException {
        TimestampOffset indexed = timeIndex.lookup(timestamp);
        List<TimestampAndOffset> found = new ArrayList<>(1);
        scan(offsetIndex.lookup(Math.max(indexed.offset(), startingOffset)).position(), size, (batch, position) -> {
            if (batch.maxTimestamp() >= timestamp && batch.lastOffset() >= startingOffset) {
                searchBatch(position, batch.sizeInBytes(), timestamp, startingOffset).ifPresent(found::add);
            }
            return found.isEmpty();
        });
        return found.stream().findFirst();
    }

    private Optional<TimestampAndOffset> searchBatch(int position, int batchSize, long timestamp, long startingOffset)
            throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(batchSize);
        readFully(bytes, position);
        RecordBatchView batch = new RecordBatchView().at(bytes, 0);
        TimestampAndOffset[] found = new TimestampAndOffset[1];
        BatchRecords.walk(batch, (offsetDelta, recordTimestamp, hasKey) -> {
            long offset = batch.baseOffset() + offsetDelta;
            if (recordTimestamp >= timestamp && offset >= startingOffset) {
                found[0] = new TimestampAndOffset(recordTimestamp, offset, batch.partitionLeaderEpoch());
                return false;
            }
            return true;
        });
        return Optional.ofNullable(found[0]);
    }

    /**
     * Re-validates every batch from the start of the file, rebuilding both indexes and emptying the
     * transaction index (the log rebuilds it), and cuts the file at
     * the first batch that is torn, corrupt, out of sequence or rejected by {@code check}. Writer only.
     *
     * @return the number of bytes cut off
     */
    int recover(BatchCheck check) throws IOException {
        offsetIndex.truncate();
        timeIndex.truncate();
        txnIndex.reset(); // rebuilt by the producer-state load, which knows where transactions began
        resizeIndexes(maxIndexSize);
        maxTimestampSoFar = NO_MAX_TIMESTAMP;
        bytesSinceLastIndexEntry = 0;
        rollingBasedTimestamp = NO_TIMESTAMP;
        int fileSize = (int) Math.min(channel.size(), Integer.MAX_VALUE);
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
        ByteBuffer chunk = ByteBuffer.allocateDirect(RECOVERY_READ_SIZE);
        RecordBatchView batch = new RecordBatchView();
        int position = 0;
        long expectedOffset = baseOffset;
        String problem = null;
        while (position < fileSize) {
            problem = checkBatch(position, fileSize, expectedOffset, header, batch, chunk);
            if (problem == null) {
                problem = check.problemWith(batch);
            }
            if (problem != null) {
                break;
            }
            if (position == 0) {
                rollingBasedTimestamp = batch.maxTimestamp();
            }
            index(batch.lastOffset(), position, batch.sizeInBytes(), batch.maxTimestamp(), batch.lastOffset());
            expectedOffset = batch.nextOffset();
            position += batch.sizeInBytes();
        }
        int truncated = fileSize - position;
        if (truncated > 0) {
            log.warn("Recovery dropped {} bytes from {} at position {}: {}", truncated, logFile, position, problem);
            channel.truncate(position);
        }
        size = position;
        onBecomeInactive();
        return truncated;
    }

    /** Why the batch at {@code position} cannot be kept, or null if it is whole and intact. */
    private String checkBatch(int position, int fileSize, long expectedOffset, ByteBuffer header,
                              RecordBatchView batch, ByteBuffer chunk) throws IOException {
        int remaining = fileSize - position;
        if (remaining < HEADER_SIZE) {
            return "a torn batch header of " + remaining + " bytes";
        }
        readFully(header.clear(), position);
        batch.at(header, 0);
        if (batch.magic() != RecordBatchView.MAGIC_V2) {
            return "magic " + batch.magic();
        }
        int batchSize = batch.sizeInBytes();
        if (batchSize < HEADER_SIZE || batchSize > remaining) {
            return "a batch of " + batchSize + " bytes with " + remaining + " bytes left in the file";
        }
        if (batch.baseOffset() < expectedOffset) { // higher is a gap the cleaner left
            return "base offset " + batch.baseOffset() + " where at least " + expectedOffset + " was expected";
        }
        if (batch.lastOffsetDelta() < 0 || batch.lastOffset() - baseOffset > Integer.MAX_VALUE) {
            return "last offset delta " + batch.lastOffsetDelta();
        }
        int crc = crcOf(position + RecordBatchView.CRC_COVERED_FROM, position + batchSize, chunk);
        if (crc != batch.storedCrc()) {
            return "a CRC mismatch in the batch at offset " + batch.baseOffset();
        }
        return null;
    }

    private int crcOf(long from, long to, ByteBuffer chunk) throws IOException {
        CRC32C crc = new CRC32C();
        for (long position = from; position < to; ) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), to - position));
            readFully(chunk, position);
            position += chunk.flip().remaining();
            crc.update(chunk);
        }
        return (int) crc.getValue();
    }

    /** Reads the bytes from {@code position} into {@code buffer} until it is full or the segment ends. */
    void readInto(ByteBuffer buffer, int position) throws IOException {
        buffer.limit(Math.min(buffer.limit(), buffer.position() + size - position));
        readFully(buffer, position);
    }

    private void readFully(ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new EOFException("Unexpected end of " + logFile + " at position " + at);
            }
            at += read;
        }
    }

    /**
     * Removes the batch holding {@code offset} and everything after it; the segment becomes the active
     * one, so its indexes grow back to full size. Writer thread only.
     *
     * @return the number of bytes removed
     */
    int truncateTo(long offset, long nowMs) throws IOException {
        BatchPosition cut = translateOffset(offset);
        if (cut == null) {
            return 0;
        }
        offsetIndex.truncateTo(offset);
        timeIndex.truncateTo(offset);
        txnIndex.truncateTo(offset);
        resizeIndexes(maxIndexSize);
        int removed = size - cut.position();
        size = cut.position();
        channel.truncate(cut.position());
        bytesSinceLastIndexEntry = 0;
        if (size == 0) {
            createdMs = nowMs;
            rollingBasedTimestamp = NO_TIMESTAMP;
        }
        reloadMaxTimestamp();
        return removed;
    }

    /** Recomputes the largest timestamp from the time index and the batches after its last entry. */
    private void reloadMaxTimestamp() throws IOException {
        TimestampOffset lastEntry = timeIndex.lastEntry();
        TimestampOffset[] max = {lastEntry.timestamp() >= 0 ? lastEntry : NO_MAX_TIMESTAMP};
        scan(offsetIndex.lookup(Math.max(lastEntry.offset(), baseOffset)).position(), size, (batch, position) -> {
            if (batch.maxTimestamp() > max[0].timestamp()) {
                max[0] = new TimestampOffset(batch.maxTimestamp(), batch.lastOffset());
            }
            return true;
        });
        maxTimestampSoFar = max[0];
    }

    /** Makes the appended bytes durable; the indexes are not (recovery rebuilds the active segment's). */
    void flushData() throws IOException {
        channel.force(false);
    }

    /** Makes the bytes and the indexes durable. */
    void flush() throws IOException {
        flushData();
        offsetIndex.flush();
        timeIndex.flush();
        txnIndex.flush();
    }

    /** Renames the segment's files to {@code .deleted} ahead of their deletion; readers keep working. */
    void markDeleted() throws IOException {
        changeFileSuffixes("", DELETED_SUFFIX);
    }

    /**
     * Renames the log file, then the indexes, from names ending in {@code oldSuffix} to names ending in
     * {@code newSuffix}; open readers keep working.
     */
    void changeFileSuffixes(String oldSuffix, String newSuffix) throws IOException {
        Path renamed = withSuffix(logFile, oldSuffix, newSuffix);
        Files.move(logFile, renamed, StandardCopyOption.ATOMIC_MOVE);
        logFile = renamed;
        offsetIndex.renameTo(withSuffix(offsetIndex.file(), oldSuffix, newSuffix));
        timeIndex.renameTo(withSuffix(timeIndex.file(), oldSuffix, newSuffix));
        txnIndex.renameTo(withSuffix(txnIndex.file(), oldSuffix, newSuffix));
    }

    private static Path withSuffix(Path file, String oldSuffix, String newSuffix) {
        String name = file.getFileName().toString();
        if (!name.endsWith(oldSuffix)) {
            throw new IllegalStateException(file + " does not end in \"" + oldSuffix + "\"");
        }
        return file.resolveSibling(name.substring(0, name.length() - oldSuffix.length()) + newSuffix);
    }

    /** Closes the file and deletes the segment's files. */
    void delete() throws IOException {
        channel.close();
        Files.deleteIfExists(logFile);
        offsetIndex.deleteIfExists();
        timeIndex.deleteIfExists();
        txnIndex.deleteIfExists();
    }

    /** Closes the file after writing the final time index entry and trimming the indexes. */
    @Override
    public void close() throws IOException {
        try {
            if (channel.isOpen()) {
                trimPreallocated();
                appendFinalTimeIndexEntry();
                offsetIndex.close();
                timeIndex.close();
                txnIndex.close();
            }
        } finally {
            channel.close();
        }
    }

    @Override
    public String toString() {
        return "LogSegment(" + logFile + ", size=" + size + ")";
    }
}
