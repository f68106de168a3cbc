package io.skein.log;

import io.skein.log.checkpoint.OffsetCheckpointFile;
import io.skein.log.record.CleanedTransactionMetadata;
import io.skein.log.record.CompactionFilter;
import io.skein.log.record.RecordBatchView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts the logs whose {@code cleanup.policy} has {@code compact}, keeping the latest record of
 * each key, as Kafka's log cleaner does.
 *
 * <p>The cleanable range of a log runs from its log start offset to the base offset of the first
 * segment that is active, reaches past the last stable offset (the high watermark, unless a
 * transaction is undecided), or (if {@code min.compaction.lag.ms} is
 * set) is dirty and holds a record younger than the lag. Its records from the first dirty offset on have not been
 * cleaned yet; the log is due for cleaning when their segments make up at least
 * {@code min.cleanable.dirty.ratio} of the range's bytes, when a dirty segment's first batch is older
 * than {@code max.compaction.lag.ms} (whose segments also roll by then, see
 * {@link LogConfig#maxSegmentMs}), or when a tombstone it keeps has reached its delete horizon. A clean maps each dirty key to its latest offset, then rewrites the whole range
 * (older records may be superseded too) in groups of adjacent segments of at most
 * {@code segment.bytes}, each into one segment that {@link PartitionLog#replaceSegments} swaps in.
 * The last batch of a group stays at least as an empty header, so a cleaned segment still ends where
 * the next one starts, which the swap's recovery and the loader's checks rely on; so does the last
 * batch of each producer id, from which the broker rebuilds producer state. Transactions, as in
 * Kafka ({@link CleanedTransactionMetadata}): only decided offsets are cleaned (the range stops at the
 * last stable offset); the records of aborted transactions go, whatever their keys; a marker stays
 * while a batch of its transaction does, and then until its delete horizon ({@code delete.retention.ms});
 * the cleaned segment's transaction index keeps the aborts whose markers stay. The first dirty offset
 * then moves to the end of the range, and is kept per log directory in Kafka's
 * {@code cleaner-offset-checkpoint}.
 *
 * <p>One clean runs at a time: the background pass and {@link #cleanLog} callers take turns.
 */
public final class LogCleaner implements AutoCloseable {
    public static final String CHECKPOINT_FILE = "cleaner-offset-checkpoint";

    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);
    private static final int IO_BUFFER_SIZE = 1 << 20;

    private final Supplier<Collection<PartitionLog>> logs;
    private final Clock clock;
    private final BiConsumer<PartitionLog, RuntimeException> failed;
    private final Map<Path, OffsetCheckpointFile> checkpoints = new HashMap<>();
    private final ConcurrentHashMap<TopicPartition, Long> firstDirtyOffsets = new ConcurrentHashMap<>();
    /** The earliest delete horizon of the tombstones each log kept at its last clean. */
    private final ConcurrentHashMap<TopicPartition, Long> deleteHorizons = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread cleaner = new Thread(runnable, "log-cleaner");
        cleaner.setDaemon(true);
        return cleaner;
    });
    private volatile boolean stopping;
    private ByteBuffer readBuffer = ByteBuffer.allocate(IO_BUFFER_SIZE);
    private ByteBuffer writeBuffer = ByteBuffer.allocate(IO_BUFFER_SIZE);

    /** What one clean did. The range is [startOffset, endOffset); offsets in it keep their meaning. */
    public record CleanStats(TopicPartition topicPartition, long startOffset, long endOffset, int segmentsRead,
                             int segmentsWritten, long bytesRead, long bytesWritten, long recordsRead,
                             long recordsKept) {
    }

    /**
     * @param logDirs the directories whose {@code cleaner-offset-checkpoint} this cleaner keeps
     * @param logs    the logs it may clean, each in one of {@code logDirs}
     * @param failed  hears why a log could not be cleaned in a pass, which goes on with the others
     */
    LogCleaner(List<Path> logDirs, Supplier<Collection<PartitionLog>> logs, Clock clock,
               BiConsumer<PartitionLog, RuntimeException> failed) {
        this.logs = logs;
        this.clock = clock;
        this.failed = failed;
        for (Path dir : logDirs) {
            OffsetCheckpointFile file = new OffsetCheckpointFile(dir.resolve(CHECKPOINT_FILE));
            checkpoints.put(dir, file);
            try {
                firstDirtyOffsets.putAll(file.read());
            } catch (IOException e) {
                log.warn("Ignoring unreadable {}: its logs are cleaned again from their start", file.path(), e);
            }
        }
    }

    /** Runs {@link #cleanDirtyLogs} on the cleaner's own thread, {@code backoffMs} after each pass ends. */
    void start(long backoffMs) {
        thread.scheduleWithFixedDelay(this::cleanDirtyLogs, backoffMs, backoffMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Cleans each compacted log that is due (see the class comment). A log that cannot be cleaned is
     * logged and skipped.
     *
     * @return what was cleaned
     */
    public List<CleanStats> cleanDirtyLogs() {
        List<CleanStats> cleaned = new ArrayList<>();
        for (PartitionLog partitionLog : logs.get()) {
            if (stopping) {
                break;
            }
            try {
                clean(partitionLog, true).ifPresent(cleaned::add);
            } catch (RuntimeException e) {
                log.error("Cannot clean {}", partitionLog, e);
                failed.accept(partitionLog, e);
            }
        }
        return cleaned;
    }

    /**
     * Cleans the cleanable range of {@code partitionLog} now, however little of it is dirty.
     *
     * @return empty if the log is not compacted or there was nothing to clean, or if the log was
     *         truncated or lost segments to retention meanwhile (a later clean tries again)
     * @throws KafkaStorageException if a segment cannot be read or written
     */
    public Optional<CleanStats> cleanLog(PartitionLog partitionLog) {
        return clean(partitionLog, false);
    }

    /** Lowers the first dirty offset of a log truncated to {@code offset}: what follows it is new. */
    void truncated(TopicPartition tp, long offset) {
        firstDirtyOffsets.computeIfPresent(tp, (key, firstDirty) -> Math.min(firstDirty, offset));
    }

    /** Forgets a deleted log. */
    void forget(TopicPartition tp) {
        firstDirtyOffsets.remove(tp);
        deleteHorizons.remove(tp);
    }

    /** The segments a clean may rewrite, and where its dirty part starts. */
    private record Cleanable(List<LogSegment> segments, long end, long firstDirty, long dirtyBytes, long totalBytes,
                             long earliestDirtyTimestamp) {
        boolean due(LogConfig config, Long deleteHorizon, long now) {
            boolean dirtyEnough = dirtyBytes > 0 && (double) dirtyBytes / totalBytes >= config.minCleanableDirtyRatio();
            boolean lagging = earliestDirtyTimestamp < now - config.maxCompactionLagMs();
            return dirtyEnough || lagging || (deleteHorizon != null && now >= deleteHorizon);
        }
    }

    private synchronized Optional<CleanStats> clean(PartitionLog partitionLog, boolean onlyIfDue) {
        TopicPartition tp = partitionLog.topicPartition();
        long now = clock.millis();
        long truncations = partitionLog.truncations();
        try {
            if (!partitionLog.config().compact()) {
                return Optional.empty();
            }
            Cleanable range = cleanable(partitionLog, now);
            if (range.segments().isEmpty() || onlyIfDue && !range.due(partitionLog.config(), deleteHorizons.get(tp), now)) {
                return Optional.empty();
            }
            Optional<CleanStats> stats = rewrite(partitionLog, range, truncations, now);
            if (stats.isPresent()) {
                // Unless a truncation came since (it lowers the offset itself).
                firstDirtyOffsets.compute(tp, (key, old) -> partitionLog.truncations() == truncations ? range.end() : old);
                checkpoint(partitionLog.dir().getParent());
                log.info("Cleaned {}: {}", tp, stats.get());
            }
            return stats;
        } catch (IOException e) {
            if (stopping) {
                log.info("Abandoned the clean of {}: the cleaner is stopping", tp);
                return Optional.empty();
            }
            throw new KafkaStorageException("Cannot clean " + tp + " in " + partitionLog.dir(), e);
        }
    }

    private Cleanable cleanable(PartitionLog partitionLog, long now) throws IOException {
        List<LogSegment> segments = partitionLog.segmentsSnapshot();
        LogConfig config = partitionLog.config();
        long logStart = partitionLog.logStartOffset();
        long lastStableOffset = partitionLog.lastStableOffset(); // as Kafka: undecided transactions are not cleaned
        long firstDirty = firstDirtyOffset(partitionLog);
        List<LogSegment> cleanable = new ArrayList<>();
        long end = logStart;
        long dirtyBytes = 0;
        long totalBytes = 0;
        long earliestDirtyTimestamp = Long.MAX_VALUE;
        for (int i = 0; i < segments.size() - 1; i++) { // never the last, active, segment
            LogSegment segment = segments.get(i);
            long next = segments.get(i + 1).baseOffset();
            if (next <= logStart) {
                continue; // retention deletes it
            }
            boolean dirty = next > firstDirty;
            if (next > lastStableOffset || dirty && config.minCompactionLagMs() > 0
                    && segment.largestTimestamp() > now - config.minCompactionLagMs()) {
                break;
            }
            cleanable.add(segment);
            end = next;
            totalBytes += segment.size();
            dirtyBytes += dirty ? segment.size() : 0;
            if (dirty && segment.rollingBasedTimestamp() > 0) {
                earliestDirtyTimestamp = Math.min(earliestDirtyTimestamp, segment.rollingBasedTimestamp());
            }
        }
        return new Cleanable(cleanable, end, firstDirty, dirtyBytes, totalBytes, earliestDirtyTimestamp);
    }

    /** The checkpointed first dirty offset, unless the log no longer holds it (then its start). */
    private long firstDirtyOffset(PartitionLog partitionLog) {
        Long offset = firstDirtyOffsets.get(partitionLog.topicPartition());
        long logStart = partitionLog.logStartOffset();
        return offset == null || offset < logStart || offset > partitionLog.logEndOffset() ? logStart : offset;
    }

    private Optional<CleanStats> rewrite(PartitionLog partitionLog, Cleanable range, long truncations, long now)
            throws IOException {
        List<LogSegment> segments = range.segments();
        CompactionFilter filter = new CompactionFilter();
        CleanedTransactionMetadata mappedTxns = new CleanedTransactionMetadata();
        mappedTxns.addAbortedTransactions(partitionLog.collectAbortedTransactions(range.firstDirty(), range.end()));
        for (int i = 0; i < segments.size(); i++) {
            if (nextBase(segments, i, range.end()) > range.firstDirty()) {
                readBatches(segments.get(i), chunk -> filter.learnKeys(chunk, range.firstDirty(), mappedTxns));
            }
        }
        Set<Long> lastBatchOfProducers = lastBatchOfEachProducer(partitionLog);
        CleanedTransactionMetadata txns = new CleanedTransactionMetadata(); // carried from group to group
        Totals totals = new Totals();
        int segmentsWritten = 0;
        for (int from = 0; from < segments.size(); ) {
            int to = groupEnd(segments, from, range.end(), partitionLog.config().segmentBytes());
            long groupEnd = nextBase(segments, to - 1, range.end());
            LongPredicate keepHeader = lastOffset -> lastOffset == groupEnd - 1 || lastBatchOfProducers.contains(lastOffset);
            if (!cleanGroup(partitionLog, segments.subList(from, to), groupEnd, filter, txns, keepHeader, truncations,
                    now, totals)) {
                log.info("Abandoned the clean of {}: the log changed meanwhile", partitionLog.topicPartition());
                return Optional.empty();
            }
            segmentsWritten++;
            from = to;
        }
        if (totals.earliestDeleteHorizon == Long.MAX_VALUE) {
            deleteHorizons.remove(partitionLog.topicPartition());
        } else {
            deleteHorizons.put(partitionLog.topicPartition(), totals.earliestDeleteHorizon);
        }
        return Optional.of(new CleanStats(partitionLog.topicPartition(), segments.get(0).baseOffset(), range.end(),
                segments.size(), segmentsWritten, totals.bytesRead, totals.bytesWritten, totals.recordsRead,
                totals.recordsKept));
    }

    /**
     * The index after the last segment of the group starting at {@code from}: adjacent segments of at
     * most {@code maxBytes} in all, whose offsets stay within the reach of one segment's index.
     */
    private static int groupEnd(List<LogSegment> segments, int from, long rangeEnd, int maxBytes) {
        long bytes = segments.get(from).size();
        int to = from + 1;
        while (to < segments.size() && bytes + segments.get(to).size() <= maxBytes
                && nextBase(segments, to, rangeEnd) - segments.get(from).baseOffset() <= Integer.MAX_VALUE) {
            bytes += segments.get(to).size();
            to++;
        }
        return to;
    }

    /** Where segment {@code i} of the cleanable range ends: the next one's base offset. */
    private static long nextBase(List<LogSegment> segments, int i, long rangeEnd) {
        return i + 1 < segments.size() ? segments.get(i + 1).baseOffset() : rangeEnd;
    }

    private static final class Totals {
        long bytesRead;
        long bytesWritten;
        long recordsRead;
        long recordsKept;
        long earliestDeleteHorizon = Long.MAX_VALUE;
    }

    /** The last offset of the last batch of each producer id in the log: those batches keep their header. */
    private static Set<Long> lastBatchOfEachProducer(PartitionLog partitionLog) {
        Map<Long, Long> lastOffsets = new HashMap<>();
        partitionLog.forEachBatchHeader(partitionLog.logStartOffset(), batch -> {
            if (batch.producerId() >= 0) {
                lastOffsets.put(batch.producerId(), batch.lastOffset());
            }
        });
        return new HashSet<>(lastOffsets.values());
    }

    /**
     * Writes what compaction keeps of {@code group} (which ends at {@code groupEnd}) to one
     * {@code .cleaned} segment with the base offset of its first segment, with the index entries of
     * the aborted transactions whose markers it keeps, flushes it and has the log swap it in.
     *
     * @return false if the log changed meanwhile; the cleaned segment is then deleted (but not if the
     *         swap itself fails: what it left on disk is for recovery to finish)
     */
    private boolean cleanGroup(PartitionLog partitionLog, List<LogSegment> group, long groupEnd, CompactionFilter filter,
                               CleanedTransactionMetadata txns, LongPredicate keepHeader, long truncations, long now,
                               Totals totals) throws IOException {
        LogConfig config = partitionLog.config();
        LogSegment cleaned = LogSegment.create(partitionLog.dir(), group.get(0).baseOffset(), LogSegment.CLEANED_SUFFIX,
                config, now);
        txns.cleanedIndex(aborted -> {
            try {
                cleaned.updateTxnIndex(aborted);
            } catch (IOException e) {
                throw new KafkaStorageException("Cannot write the transaction index of " + cleaned, e);
            }
        });
        boolean written = false;
        try {
            for (int i = 0; i < group.size(); i++) {
                LogSegment source = group.get(i);
                // The whole segment's range: a transaction aborted in a later segment may have batches here.
                long upperBound = i + 1 < group.size() ? group.get(i + 1).baseOffset() : groupEnd;
                txns.addAbortedTransactions(partitionLog.collectAbortedTransactions(source.baseOffset(), upperBound));
                readBatches(source, chunk -> {
                    CompactionFilter.Filtered kept = filter.filter(chunk, writeBuffer, now, config.deleteRetentionMs(),
                            keepHeader, txns);
                    if (kept.output().hasRemaining()) {
                        totals.bytesWritten += kept.output().remaining();
                        cleaned.appendBatches(kept.output());
                    }
                    totals.recordsRead += kept.recordsRead();
                    totals.recordsKept += kept.recordsKept();
                    totals.earliestDeleteHorizon = Math.min(totals.earliestDeleteHorizon, kept.earliestDeleteHorizonMs());
                    return kept.bytesRead();
                });
                totals.bytesRead += source.size();
            }
            cleaned.onBecomeInactive();
            partitionLog.flushCleaned(cleaned);
            written = true;
        } finally {
            if (!written) {
                cleaned.delete();
            }
        }
        if (partitionLog.replaceSegments(group, cleaned, truncations)) {
            return true;
        }
        cleaned.delete();
        return false;
    }

    /** Takes whole batches from a chunk of a segment; returns how many bytes they hold. */
    @FunctionalInterface
    private interface BatchReader {
        int read(ByteBuffer chunk) throws IOException;
    }

    /** Hands the bytes of {@code segment}, in chunks of whole batches, to {@code reader}. */
    private void readBatches(LogSegment segment, BatchReader reader) throws IOException {
        int position = 0;
        while (position < segment.size()) {
            if (stopping) {
                throw new IOException("The log cleaner is stopping");
            }
            ByteBuffer chunk = readBuffer.clear();
            segment.readInto(chunk, position);
            int used = reader.read(chunk.flip());
            if (used == 0) {
                growBuffersFor(segment, position, chunk);
            }
            position += used;
        }
    }

    /** Makes room for a batch larger than the buffers, which a chunk could not hold whole. */
    private void growBuffersFor(LogSegment segment, int position, ByteBuffer chunk) {
        int batchSize = chunk.remaining() < RecordBatchView.LOG_OVERHEAD ? -1
                : new RecordBatchView().at(chunk, 0).sizeInBytes();
        if (batchSize <= chunk.capacity()) {
            throw new CorruptRecordException("Segment " + segment.logFile() + " holds no whole batch at position "
                    + position);
        }
        readBuffer = ByteBuffer.allocate(batchSize);
        writeBuffer = ByteBuffer.allocate(batchSize);
    }

    private void checkpoint(Path logDir) throws IOException {
        OffsetCheckpointFile file = checkpoints.get(logDir);
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (PartitionLog partitionLog : logs.get()) {
            Long offset = firstDirtyOffsets.get(partitionLog.topicPartition());
            if (offset != null && partitionLog.dir().getParent().equals(logDir)) {
                offsets.put(partitionLog.topicPartition(), offset);
            }
        }
        file.write(offsets);
    }

    /** Stops the background pass, abandoning a clean in progress (its segments stay as they were). */
    @Override
    public void close() {
        stopping = true;
        BackgroundThreads.shutdownAndAwait(thread, "The log cleaner");
    }
}
