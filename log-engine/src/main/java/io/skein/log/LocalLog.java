package io.skein.log;

import io.skein.log.checkpoint.AtomicFiles;
import io.skein.log.index.AbortedTxn;
import io.skein.log.index.TransactionIndex;
import io.skein.log.index.TimeIndex.TimestampOffset;
import io.skein.log.record.RecordBatchView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segments of one partition's log on local disk, as Kafka's {@code LocalLog}: where the log ends,
 * what of it is on disk (the recovery point), writing to the active segment and rolling it, reads,
 * fsyncs, truncation, and swapping cleaned segments in. It knows nothing of high watermarks, leader
 * epochs or producers; {@link PartitionLog} keeps those.
 *
 * <p>Threads: not safe for concurrent writers. {@link PartitionLog} makes every change (append, roll,
 * truncation, segment removal and swap) holding its lock. Readers take no lock: the segments are a
 * concurrent map, and the log end offset is published (volatile) only after the bytes it covers are
 * written. fsyncs run under {@code flushLock}, never under the writer's lock alone, so appends go on
 * during an fsync; changes that remove bytes also take {@code flushLock}. Lock order: the log's lock,
 * then {@code flushLock}.
 */
final class LocalLog {
    private static final Logger log = LoggerFactory.getLogger(LocalLog.class);

    private final TopicPartition topicPartition;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final ConcurrentNavigableMap<Long, LogSegment> segments;
    private final ReentrantLock flushLock = new ReentrantLock();
    private final GroupCommitFlusher flusher;
    private final FlushListener flushListener;
    private final AtomicLong flushes = new AtomicLong();
    private volatile Path dir;
    private volatile LogConfig config;
    private volatile LogOffsetMetadata logEndOffset;
    private volatile long recoveryPoint;
    private volatile long lastFlushMs;
    /**
     * How many truncations the log has had: a clean that saw another number may not swap its result in,
     * nor a producer snapshot taken at a roll before it be written.
     */
    private volatile long truncations;
    /** Set by {@link #close} under {@code flushLock}: a roll's deferred work then writes nothing. */
    private boolean closed;

    LocalLog(Path dir, TopicPartition topicPartition, LogConfig config, ConcurrentNavigableMap<Long, LogSegment> segments,
             long logEndOffset, long recoveryPoint, ScheduledExecutorService scheduler, FlushListener flushListener,
             Clock clock) {
        this.dir = dir;
        this.topicPartition = topicPartition;
        this.config = config;
        this.segments = segments;
        this.recoveryPoint = recoveryPoint;
        this.scheduler = scheduler;
        this.clock = clock;
        this.flusher = new GroupCommitFlusher(this, scheduler);
        this.flushListener = flushListener;
        this.lastFlushMs = clock.millis();
        LogSegment active = activeSegment();
        this.logEndOffset = new LogOffsetMetadata(logEndOffset, active.baseOffset(), active.size());
    }

    TopicPartition topicPartition() {
        return topicPartition;
    }

    Path dir() {
        return dir;
    }

    LogConfig config() {
        return config;
    }

    void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
    }

    long logEndOffset() {
        return logEndOffset.offset();
    }

    LogOffsetMetadata logEndOffsetMetadata() {
        return logEndOffset;
    }

    long recoveryPoint() {
        return recoveryPoint;
    }

    long truncations() {
        return truncations;
    }

    long flushCount() {
        return flushes.get();
    }

    int numberOfSegments() {
        return segments.size();
    }

    long firstSegmentBaseOffset() {
        return segments.firstKey();
    }

    LogSegment activeSegment() {
        return segments.lastEntry().getValue();
    }

    /** The segments, oldest first; the last was the active one when this was called. */
    List<LogSegment> segmentsSnapshot() {
        return List.copyOf(segments.values());
    }

    List<Long> segmentBaseOffsets() {
        return List.copyOf(segments.keySet());
    }

    long size() {
        long total = 0;
        for (LogSegment segment : segments.values()) {
            total += segment.size();
        }
        return total;
    }

    /** Whether an append of these bytes and timestamps must go to a new segment. */
    boolean shouldRoll(LogValidator.Summary append) {
        return activeSegment().shouldRoll(config, append.sizeInBytes(), append.maxTimestamp(), append.lastOffset(),
                clock.millis());
    }

    /** Writes validated batches to the active segment and publishes the new log end offset. */
    void append(ByteBuffer records, LogValidator.Summary appended) throws IOException {
        LogSegment segment = activeSegment();
        segment.append(records, appended.lastOffset(), appended.maxTimestamp(), appended.offsetOfMaxTimestamp());
        logEndOffset = new LogOffsetMetadata(appended.lastOffset() + 1, segment.baseOffset(), segment.size());
    }

    /** Records an aborted transaction in the transaction index of the segment holding its marker. */
    void updateTxnIndex(AbortedTxn aborted) throws IOException {
        segments.floorEntry(aborted.lastOffset()).getValue().updateTxnIndex(aborted);
    }

    /** Makes the transaction indexes of the segments from {@code fromOffset} on durable, once rebuilt. */
    void flushTxnIndexes(long fromOffset) throws IOException {
        for (LogSegment segment : segments.tailMap(fromOffset, true).values()) {
            segment.txnIndex().flush();
        }
    }

    /**
     * The aborted transactions that overlap [{@code startOffset}, {@code upperBoundOffset}), from the
     * transaction indexes of the segment holding {@code startOffset} and, as far as needed, later ones.
     */
    /**
     * The base offset of the segment after the one {@code read} (a read from {@code startOffset}) came
     * from; {@link Long#MAX_VALUE} if none follows or the segment is gone.
     */
    long nextSegmentBaseOffset(long startOffset, FileSlice read) {
        Long first = segments.floorKey(startOffset);
        for (LogSegment segment : segments.tailMap(first == null ? startOffset : first, true).values()) {
            if (segment.channel() == read.channel()) {
                Long next = segments.higherKey(segment.baseOffset());
                return next == null ? Long.MAX_VALUE : next;
            }
        }
        return Long.MAX_VALUE;
    }

    List<AbortedTxn> collectAbortedTransactions(long startOffset, long upperBoundOffset) {
        List<AbortedTxn> aborted = new ArrayList<>();
        Long first = segments.floorKey(startOffset);
        try {
            for (LogSegment segment : segments.tailMap(first == null ? startOffset : first, true).values()) {
                TransactionIndex.SearchResult found = segment.txnIndex().collectAbortedTxns(startOffset, upperBoundOffset);
                aborted.addAll(found.abortedTransactions());
                if (found.complete()) {
                    break;
                }
            }
            return aborted;
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot read the transaction indexes of " + topicPartition, e);
        }
    }

    /**
     * Starts a new active segment at the log end offset, unless the active segment is empty.
     *
     * @return the segment that stopped being active, if one did
     */
    Optional<LogSegment> roll() throws IOException {
        LogSegment previous = activeSegment();
        if (previous.size() == 0) {
            return Optional.empty();
        }
        long newBaseOffset = logEndOffset.offset();
        previous.onBecomeInactive();
        segments.put(newBaseOffset, LogSegment.create(dir, newBaseOffset, config, clock.millis()));
        logEndOffset = new LogOffsetMetadata(newBaseOffset, newBaseOffset, 0);
        return Optional.of(previous);
    }

    /**
     * After a roll: runs {@code beforeFlush} unless a truncation came since the roll (counted in
     * {@code truncationsAtRoll}), flushes the finished segment's bytes and indexes, then moves the
     * recovery point to {@code newBaseOffset}, where the next segment starts. The fsyncs stay off the
     * append path (Kafka learnt this in KAFKA-15046); the flush lock keeps truncations out meanwhile.
     * Once the log is closed it does nothing: the close wrote what is needed, and a log opened again on
     * the same directory may have truncated since.
     */
    void flushRolled(LogSegment rolled, long newBaseOffset, long truncationsAtRoll, Runnable beforeFlush) {
        flushLock.lock();
        try {
            if (closed) {
                return;
            }
            if (truncations == truncationsAtRoll) {
                beforeFlush.run();
            }
            if (segments.get(rolled.baseOffset()) == rolled) { // else retention or the cleaner took it away
                fsync(rolled, true);
            }
        } catch (IOException e) {
            log.error("Cannot flush {} after rolling {}", rolled, topicPartition, e);
            return;
        } finally {
            flushLock.unlock();
        }
        flush(newBaseOffset);
    }

    /** Whether the flush policy ({@code flush.messages}) wants the log on disk after an append. */
    boolean flushDue() {
        return logEndOffset() - recoveryPoint >= config.flushMessages();
    }

    /**
     * Makes the log durable at least up to {@code offset} (exclusive). One fsync at a time; it covers
     * everything appended before it starts, so a caller that waited for another's fsync may find its
     * offset already covered.
     */
    void flush(long offset) {
        if (offset <= recoveryPoint) {
            return;
        }
        flushLock.lock();
        try {
            if (offset <= recoveryPoint) {
                return;
            }
            LogOffsetMetadata end = logEndOffset;
            Long from = segments.floorKey(recoveryPoint);
            LogSegment active = activeSegment();
            for (LogSegment segment : segments.subMap(from == null ? segments.firstKey() : from, true,
                    end.segmentBaseOffset(), true).values()) {
                fsync(segment, segment != active); // the active one's indexes are rebuilt by recovery after a crash
            }
            recoveryPoint = Math.max(recoveryPoint, end.offset());
            lastFlushMs = clock.millis();
            flushes.incrementAndGet();
            flusher.flushed(recoveryPoint);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot flush " + topicPartition + " in " + dir, e);
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * One segment's fsync, with its indexes or not, timed for the {@link FlushListener}: two clock
     * reads and the listener's call, once per segment flushed, whatever the records it covers.
     */
    void fsync(LogSegment segment, boolean withIndexes) throws IOException {
        long started = System.nanoTime();
        if (withIndexes) {
            segment.flush();
        } else {
            segment.flushData();
        }
        flushListener.flushed(System.nanoTime() - started);
    }

    /** Flushes if {@code flush.ms} has passed since the last flush and there is something to flush. */
    void flushIfDue() {
        if (clock.millis() - lastFlushMs >= config.flushMs() && logEndOffset() > recoveryPoint) {
            flush(logEndOffset());
        }
    }

    /** See {@link GroupCommitFlusher#pending}. */
    CompletableFuture<Void> awaitPendingFlush(long offset) {
        return flusher.pending(offset);
    }

    /** See {@link GroupCommitFlusher#await}: fsyncs that every waiter in between shares. */
    CompletableFuture<Void> flushAsync(long offset) {
        return flusher.await(offset);
    }

    /**
     * Hands the header of every batch from the one holding {@code fromOffset} to the log end to
     * {@code visitor}, in offset order, skipping segments that end before {@code logStartOffset}.
     */
    void forEachBatchHeader(long fromOffset, long logStartOffset, Consumer<RecordBatchView> visitor) {
        long end = logEndOffset();
        try {
            Long first = segments.floorKey(Math.max(fromOffset, logStartOffset));
            for (LogSegment segment : (first == null ? segments : segments.tailMap(first, true)).values()) {
                if (segment.baseOffset() >= end) {
                    break;
                }
                segment.forEachBatchHeader(batch -> {
                    if (batch.lastOffset() >= fromOffset && batch.baseOffset() < end) {
                        visitor.accept(batch);
                    }
                });
            }
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot read the batches of " + topicPartition, e);
        }
    }

    /** Whole batches from the one holding {@code startOffset}, up to {@code maxBytes}, stopping at {@code end}. */
    FileSlice read(long startOffset, int maxBytes, LogOffsetMetadata end, boolean minOneBatch) {
        try {
            Map.Entry<Long, LogSegment> entry = segments.floorEntry(startOffset);
            if (entry == null) {
                throw new OffsetOutOfRangeException("Offset " + startOffset + " of " + topicPartition
                        + " was just deleted");
            }
            for (; entry != null && entry.getKey() <= end.segmentBaseOffset(); entry = segments.higherEntry(entry.getKey())) {
                LogSegment segment = entry.getValue();
                int maxPosition = segment.baseOffset() == end.segmentBaseOffset() ? end.position() : Integer.MAX_VALUE;
                FileSlice slice = segment.read(startOffset, maxBytes, maxPosition, minOneBatch);
                if (slice != null) {
                    return slice;
                }
            }
            return FileSlice.EMPTY;
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot read " + topicPartition + " in " + dir, e);
        }
    }

    /** The first record at or after {@code logStartOffset} with a timestamp at least {@code timestamp}. */
    Optional<TimestampAndOffset> findOffsetByTimestamp(long timestamp, long logStartOffset) {
        try {
            for (LogSegment segment : segments.values()) {
                if (segment.maxTimestampSoFar().timestamp() >= timestamp) {
                    Optional<TimestampAndOffset> found = segment.findOffsetByTimestamp(timestamp, logStartOffset);
                    if (found.isPresent()) {
                        return found; // else its matches all lie below the log start offset
                    }
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot search " + topicPartition + " by timestamp", e);
        }
    }

    /** The record with the largest timestamp, empty if no record has one. */
    Optional<TimestampAndOffset> findOffsetOfMaxTimestamp(long logStartOffset) {
        LogSegment newest = null;
        for (LogSegment segment : segments.values()) {
            if (newest == null || segment.maxTimestampSoFar().timestamp() > newest.maxTimestampSoFar().timestamp()) {
                newest = segment;
            }
        }
        TimestampOffset max = newest.maxTimestampSoFar();
        try {
            return max.timestamp() < 0 ? Optional.empty() : newest.findOffsetByTimestamp(max.timestamp(), logStartOffset);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot search " + topicPartition + " by timestamp", e);
        }
    }

    /** Where {@code offset}, a batch boundary within the log, sits. */
    LogOffsetMetadata offsetMetadata(long offset) throws IOException {
        LogOffsetMetadata end = logEndOffset;
        if (offset == end.offset()) {
            return end;
        }
        LogSegment segment = segments.floorEntry(offset).getValue();
        LogSegment.BatchPosition batch = segment.translateOffset(offset);
        return new LogOffsetMetadata(offset, segment.baseOffset(), batch == null ? segment.size() : batch.position());
    }

    /**
     * The leading segments, oldest first, for which {@code deletable(segment, nextSegment)} holds,
     * up to the first that fails it; never the active segment, nor one whose next starts above
     * {@code limit}.
     */
    List<LogSegment> leadingSegments(long limit, BiPredicate<LogSegment, LogSegment> deletable) {
        List<LogSegment> ordered = new ArrayList<>(segments.values());
        List<LogSegment> leading = new ArrayList<>();
        for (int i = 0; i < ordered.size() - 1; i++) {
            LogSegment next = ordered.get(i + 1);
            if (next.baseOffset() > limit || !deletable.test(ordered.get(i), next)) {
                break;
            }
            leading.add(ordered.get(i));
        }
        return leading;
    }

    /** The base offset of the segment after {@code segment}, which is not the active one. */
    long nextBaseOffset(LogSegment segment) {
        return segments.higherKey(segment.baseOffset());
    }

    /** Removes these leading segments; their files go after {@code file.delete.delay.ms}. */
    void deleteSegments(List<LogSegment> doomed) throws IOException {
        for (LogSegment segment : doomed) {
            segments.remove(segment.baseOffset(), segment);
            segment.markDeleted();
        }
        deleteLater(doomed);
    }

    /**
     * Removes the batch holding {@code targetOffset}, which must lie in the log, and all after it.
     *
     * @return the new log end offset
     */
    long truncateTo(long targetOffset) throws IOException {
        flushLock.lock();
        try {
            truncations++;
            if (targetOffset < segments.firstKey()) {
                truncateFullyAndStartAt(targetOffset);
                return targetOffset;
            }
            deleteSegments(new ArrayList<>(segments.tailMap(targetOffset, false).values()));
            LogSegment active = activeSegment();
            active.truncateTo(targetOffset, clock.millis());
            logEndOffset = new LogOffsetMetadata(active.readNextOffset(), active.baseOffset(), active.size());
            long newEnd = logEndOffset();
            flusher.truncated(newEnd);
            recoveryPoint = Math.min(recoveryPoint, newEnd);
            return newEnd;
        } finally {
            flushLock.unlock();
        }
    }

    /** Deletes every segment and starts the log empty at {@code newOffset}. */
    void truncateFullyAndStartAt(long newOffset) throws IOException {
        flushLock.lock();
        try {
            truncations++;
            List<LogSegment> old = new ArrayList<>(segments.values());
            for (LogSegment segment : old) {
                segment.markDeleted(); // frees the file names for the new segment
            }
            segments.put(newOffset, LogSegment.create(dir, newOffset, config, clock.millis()));
            for (LogSegment segment : old) {
                segments.remove(segment.baseOffset(), segment);
            }
            logEndOffset = new LogOffsetMetadata(newOffset, newOffset, 0);
            flusher.truncated(newOffset);
            recoveryPoint = newOffset;
            deleteLater(old);
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Swaps in {@code cleaned}; see {@link PartitionLog#replaceSegments}.
     *
     * @return false, leaving everything as it was, if a truncation came or one of {@code replaced} left
     */
    boolean replaceSegments(List<LogSegment> replaced, LogSegment cleaned, long truncationsSeen) throws IOException {
        flushLock.lock();
        try {
            if (truncations != truncationsSeen || replaced.stream().anyMatch(s -> segments.get(s.baseOffset()) != s)) {
                return false;
            }
            cleaned.changeFileSuffixes(LogSegment.CLEANED_SUFFIX, LogSegment.SWAP_SUFFIX);
            AtomicFiles.fsyncDirectory(dir);
            for (LogSegment segment : replaced) {
                segment.markDeleted();
            }
            segments.put(cleaned.baseOffset(), cleaned);
            for (LogSegment segment : replaced.subList(1, replaced.size())) {
                segments.remove(segment.baseOffset(), segment);
            }
            cleaned.changeFileSuffixes(LogSegment.SWAP_SUFFIX, "");
            deleteLater(replaced);
            return true;
        } finally {
            flushLock.unlock();
        }
    }

    /** Readers may still hold slices of these segments: their files go after {@code file.delete.delay.ms}. */
    private void deleteLater(List<LogSegment> doomed) {
        runLater(() -> {
            for (LogSegment segment : doomed) {
                try {
                    segment.delete();
                } catch (IOException e) {
                    log.warn("Cannot delete {}", segment, e);
                }
            }
        }, config.fileDeleteDelayMs());
    }

    /** Schedules {@code task}, unless the scheduler has stopped. */
    void runLater(Runnable task, long delayMs) {
        try {
            scheduler.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("Scheduler stopped: {} will finish its deferred work at next start", topicPartition);
        }
    }

    /** Points the log at its directory's new name, after the directory was renamed for deletion. */
    void renamedTo(Path newDir) {
        this.dir = newDir;
    }

    /** Fails the flush waiters and closes every segment; the log takes no more appends. */
    void close() throws IOException {
        flushLock.lock();
        try {
            closed = true;
        } finally {
            flushLock.unlock();
        }
        flusher.closed();
        IOException failure = null;
        for (LogSegment segment : segments.values()) {
            try {
                segment.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
