package io.skein.log;

import io.skein.log.LeaderEpochCache.EpochEndOffset;
import io.skein.log.checkpoint.PartitionMetadataFile;
import io.skein.log.index.AbortedTxn;
import io.skein.log.producer.ProducerSnapshots;
import io.skein.log.producer.ProducerStateLoader;
import io.skein.log.producer.ProducerStateLoader.TxnIndexRebuild;
import io.skein.log.producer.ProducerStateManager;
import io.skein.log.producer.ProducerStateManager.BatchMetadata;
import io.skein.log.producer.ProducerStateManager.ProducerStateEntry;
import io.skein.log.record.RecordBatchView;
import io.skein.log.record.TxnMarkers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.requests.TransactionResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one partition replica, as Kafka's {@code UnifiedLog}: its segments on disk
 * ({@link LocalLog}: log end offset, recovery point, reads, fsyncs) with what replication and clients
 * add to them: the log start offset, the high watermark, the leader-epoch cache, the state of its
 * idempotent and transactional producers with its snapshots (see {@link #producerState}), the last
 * stable offset and the aborted transactions of read_committed fetches, validation of appends,
 * retention and ListOffsets.
 *
 * <p>Threads: one writer at a time (appends, rolls, truncation, retention, high-watermark updates
 * hold {@code lock}); readers take no lock and see offsets published through volatile fields only
 * after the bytes they cover are written. fsyncs run outside {@code lock} (see {@link LocalLog}), so
 * appends go on during an fsync; appends that must reach the disk wait for it in the
 * {@link GroupCommitFlusher}, sharing fsyncs. The {@link LogCleaner} reads inactive segments without a
 * lock and swaps in their cleaned copy under the lock ({@link #replaceSegments}).
 */
public final class PartitionLog implements AutoCloseable {
    /** ListOffsets special timestamps, as Kafka numbers them. */
    public static final long LATEST_TIMESTAMP = -1L;
    public static final long EARLIEST_TIMESTAMP = -2L;
    public static final long MAX_TIMESTAMP = -3L;

    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

    private final TopicPartition topicPartition;
    private final Clock clock;
    private final LocalLog localLog;
    private final LeaderEpochCache leaderEpochCache;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile LogOffsetMetadata highWatermark;
    private volatile long logStartOffset;
    private volatile Optional<UUID> topicId;
    /** Replaced whole by a load; checked and changed by appends and by producer expiry; all under {@code lock}. */
    private volatile ProducerStateManager producerState;
    /** The snapshot the last load of the producer state started from; empty if it scanned the whole log. */
    private volatile OptionalLong producerSnapshotLoaded = OptionalLong.empty();
    /** Follows the producer state under {@code lock}: see {@link #lastStableOffset}. */
    private final FirstUnstableOffset firstUnstableOffset = new FirstUnstableOffset();

    private PartitionLog(Path dir, TopicPartition topicPartition, LogConfig config, LogLoader.LoadedLog loaded,
                         ScheduledExecutorService scheduler, FlushListener flushListener, Clock clock)
            throws IOException {
        this.topicPartition = topicPartition;
        this.clock = clock;
        this.localLog = new LocalLog(dir, topicPartition, config, loaded.segments(), loaded.logEndOffset(),
                loaded.recoveryPoint(), scheduler, flushListener, clock);
        this.leaderEpochCache = loaded.leaderEpochCache();
        this.logStartOffset = loaded.logStartOffset();
        this.highWatermark = localLog.offsetMetadata(loaded.highWatermark());
        this.topicId = PartitionMetadataFile.read(dir);
        loadProducerState(new TxnIndexRebuild(loaded.txnIndexRebuildFrom(), this::indexRebuilt));
        if (loaded.txnIndexRebuildFrom() != Long.MAX_VALUE) {
            localLog.flushTxnIndexes(loaded.txnIndexRebuildFrom()); // else a crash could leave them empty, unnoticed
        }
    }

    private void indexRebuilt(AbortedTxn aborted) {
        try {
            localLog.updateTxnIndex(aborted);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot rebuild the transaction index of " + topicPartition, e);
        }
    }

    /**
     * The producers' state as of the log end offset: the log records every batch it appends, and
     * loads it from its newest usable snapshot and the batches after it when it opens (after
     * recovery) and after a truncation ({@link ProducerStateLoader}). A snapshot is written when a
     * segment rolls (at the new segment's base offset) and when the log closes (at its end), so an
     * open replays at most about a segment's batch headers rather than the whole log. A leader's
     * batches are checked against it in the append, under the log's lock ({@link #appendAsLeader}).
     */
    ProducerStateManager producerState() {
        return producerState;
    }

    /**
     * Forgets the producers whose last batch is older than {@code expirationMs}, as Kafka does with
     * {@code producer.id.expiration.ms}: their next batch may start from any sequence.
     */
    public void removeExpiredProducers(long nowMs, long expirationMs) {
        lock.lock();
        try {
            producerState.removeExpired(nowMs, expirationMs);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The producers this log knows, each with its epoch, last sequence, last timestamp, last marker's
     * coordinator epoch and ongoing transaction: what DescribeProducers reports, and what an operator
     * aborts a hanging transaction by. A consistent copy, as of the log end offset.
     */
    public List<ProducerStateEntry> activeProducers() {
        return producerState.entries();
    }

    /** See {@link ProducerStateManager#beginVerification}. */
    public boolean beginTransactionVerification(long producerId, short producerEpoch, int baseSequence) {
        return producerState.beginVerification(producerId, producerEpoch, baseSequence);
    }

    /** Whether {@code producerId}, in {@code producerEpoch}, has a transaction ongoing in this log. */
    public boolean hasOngoingTransaction(long producerId, short producerEpoch) {
        return producerState.hasOngoingTransaction(producerId, producerEpoch);
    }

    /** The snapshot the producer state was last loaded from, empty if from a scan of the whole log. */
    OptionalLong producerSnapshotLoaded() {
        return producerSnapshotLoaded;
    }

    /**
     * Call from the constructor or with {@code lock} held, once the segments and offsets are final;
     * {@code rebuild} names the transaction indexes recovery emptied.
     */
    private void loadProducerState(TxnIndexRebuild rebuild) throws IOException {
        ProducerStateLoader.Loaded loaded = ProducerStateLoader.load(dir(), topicPartition.toString(),
                localLog.firstSegmentBaseOffset(), logStartOffset, logEndOffset(), this::forEachBatchHeader, rebuild);
        producerState = loaded.state();
        producerSnapshotLoaded = loaded.snapshotOffset();
        producerState.onHighWatermarkUpdated(highWatermark());
        firstUnstableOffset.segmentsChanged();
        maybeIncrementFirstUnstableOffset();
    }

    /** {@code lock} held (or in the constructor). */
    private void maybeIncrementFirstUnstableOffset() {
        firstUnstableOffset.update(producerState.firstUnstableOffset(), logStartOffset);
    }

    /**
     * The last stable offset (LSO), as Kafka defines it: the first offset such that every offset below
     * it is decided: not part of a transaction, or of one whose COMMIT or ABORT marker is below the high
     * watermark. At most the high watermark; equal to it when no transaction is open. A read_committed
     * consumer reads up to it ({@link FetchIsolation#TXN_COMMITTED}), and ListOffsets LATEST answers it.
     */
    public long lastStableOffset() {
        return firstUnstableOffset.lastStableOffset(highWatermark());
    }

    /** {@link #lastStableOffset} with its place in the log, looked up under the lock once after it moves. */
    private LogOffsetMetadata lastStableOffsetMetadata() {
        try {
            return firstUnstableOffset.lastStableOffsetMetadata(highWatermark, offset -> {
                lock.lock();
                try {
                    return localLog.offsetMetadata(offset);
                } finally {
                    lock.unlock();
                }
            });
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot locate the last stable offset of " + topicPartition, e);
        }
    }

    /**
     * Opens (recovering if needed) or creates the log in {@code dir}. The scheduler runs the flush
     * after a roll, the shared fsyncs and the deferred deletion of old segments; {@code flushListener}
     * hears of every segment fsync.
     */
    static PartitionLog open(Path dir, TopicPartition topicPartition, LogConfig config,
                             LogLoader.Checkpoints checkpoints, boolean hadCleanShutdown,
                             ScheduledExecutorService scheduler, FlushListener flushListener, Clock clock)
            throws IOException {
        Files.createDirectories(dir);
        LogLoader.LoadedLog loaded = LogLoader.load(dir, config, checkpoints, hadCleanShutdown, clock.millis());
        return new PartitionLog(dir, topicPartition, config, loaded, scheduler, flushListener, clock);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    /**
     * The id of the topic this log was created for, if one was assigned: a topic deleted and created
     * again under the same name gets a new id, so a log left from the old one is recognised as stale.
     */
    public Optional<UUID> topicId() {
        return topicId;
    }

    /** Records, durably, the id of the topic this log belongs to. */
    public void assignTopicId(UUID id) {
        try {
            PartitionMetadataFile.write(dir(), id);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot write the topic id of " + topicPartition, e);
        }
        topicId = Optional.of(id);
    }

    public Path dir() {
        return localLog.dir();
    }

    public LogConfig config() {
        return localLog.config();
    }

    /** Applies new settings to future appends, rolls, flushes and retention. */
    public void updateConfig(LogConfig newConfig) {
        localLog.updateConfig(newConfig);
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return localLog.logEndOffset();
    }

    public long highWatermark() {
        return highWatermark.offset();
    }

    /** Offsets below this are on disk: recovery after a crash starts from here. */
    public long recoveryPoint() {
        return localLog.recoveryPoint();
    }

    public LeaderEpochCache leaderEpochCache() {
        return leaderEpochCache;
    }

    /** OffsetsForLeaderEpoch, answered from this log. */
    public EpochEndOffset endOffsetForEpoch(int leaderEpoch) {
        return leaderEpochCache.endOffsetFor(leaderEpoch, logEndOffset());
    }

    public int numberOfSegments() {
        return localLog.numberOfSegments();
    }

    /** Bytes in all segments. */
    public long size() {
        return localLog.size();
    }

    /** Base offsets of the segments, oldest first. */
    public List<Long> segmentBaseOffsets() {
        return localLog.segmentBaseOffsets();
    }

    /**
     * Appends a producer's batches as leader, in one pass over them under the log's lock: validates
     * each, checks it against its producer's state, gives it the next offsets and {@code leaderEpoch}
     * ({@link LogValidator#validateForLeader}), then writes them all. A rejected append writes nothing.
     * A retry of a batch its producer wrote before is not written again: the answer names where it was
     * written first. The topic's {@code message.timestamp.type} and {@code compression.type} apply as
     * in Kafka; {@code records} ends up holding its batches with their offsets, epoch and, for
     * {@code LogAppendTime}, the append time, whether or not the log stored them rewritten in another
     * codec.
     *
     * @return what was written, with a future that completes once it is on disk if the flush policy
     *         ({@code flush.messages}) asks for that, at once otherwise (for a retry: once its first
     *         append is as durable as that asked). The fsyncs run on the log's scheduler, each covering
     *         every append before it, so pipelined appends share them
     * @throws org.apache.kafka.common.errors.CorruptRecordException for a torn or corrupt batch
     * @throws org.apache.kafka.common.InvalidRecordException for a batch whose records do not add up
     * @throws org.apache.kafka.common.errors.RecordTooLargeException for a batch over max.message.bytes
     * @throws org.apache.kafka.common.errors.RecordBatchTooLargeException for an append over segment.bytes
     * @throws org.apache.kafka.common.errors.InvalidTimestampException for a timestamp the topic refuses
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException for a fenced producer epoch
     * @throws org.apache.kafka.common.errors.OutOfOrderSequenceException for a batch out of its producer's sequence
     * @throws org.apache.kafka.common.errors.InvalidTxnStateException for a non-transactional batch of a producer
     *         whose transaction is ongoing
     * @throws FencedLeaderEpochException if {@code leaderEpoch} is older than the log's latest epoch
     * @throws KafkaStorageException if the disk fails
     */
    public LeaderAppendResult appendAsLeader(ByteBuffer records, int leaderEpoch) {
        return appendAsLeader(records, leaderEpoch, AppendOrigin.CLIENT);
    }

    /**
     * Writes, as leader, the marker that ends a producer's transaction in this partition, for the
     * transaction coordinator's WriteTxnMarkers: a control batch built here, appended as
     * {@link #appendAsLeader} appends a client's batches. An ABORT goes to the transaction index.
     *
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException if {@code producerEpoch} is older
     *         than the producer's
     * @throws org.apache.kafka.common.errors.TransactionCoordinatorFencedException if {@code coordinatorEpoch}
     *         is older than that of the producer's last marker
     * @throws FencedLeaderEpochException if {@code leaderEpoch} is older than the log's latest epoch
     */
    public LeaderAppendResult appendMarker(long producerId, short producerEpoch, int coordinatorEpoch,
                                           TransactionResult result, int leaderEpoch) {
        ByteBuffer marker = TxnMarkers.build(producerId, producerEpoch, coordinatorEpoch,
                result == TransactionResult.COMMIT, clock.millis(), leaderEpoch);
        return appendAsLeader(marker, leaderEpoch, AppendOrigin.COORDINATOR);
    }

    /**
     * As {@link #appendAsLeader(ByteBuffer, int)}, for {@code origin}: a coordinator's batches to its
     * own partition carry no sequence, so their producers' epochs and transactions are checked, not
     * their sequences, and no batch of theirs is taken for a retry (Kafka's {@code AppendOrigin}).
     */
    public LeaderAppendResult appendAsLeader(ByteBuffer records, int leaderEpoch, AppendOrigin origin) {
        if (leaderEpoch < 0) {
            throw new IllegalArgumentException("A leader epoch is never negative: " + leaderEpoch);
        }
        if (!records.hasRemaining()) {
            return new LeaderAppendResult(emptyAppend(), false, CompletableFuture.completedFuture(null));
        }
        LogConfig config = config();
        LogValidator.Validated validated;
        lock.lock();
        try {
            long firstOffset = logEndOffset();
            LogValidator.LeaderBatches batches = LogValidator.validateForLeader(records, config, topicPartition,
                    clock.millis(), firstOffset, leaderEpoch, producerState, origin);
            if (batches instanceof LogValidator.Duplicate duplicate) {
                return retried(duplicate.written());
            }
            validated = (LogValidator.Validated) batches;
            checkEpochNotFenced(leaderEpoch);
            leaderEpochCache.assign(leaderEpoch, firstOffset);
            write(validated);
        } finally {
            lock.unlock();
        }
        LogAppendInfo appended = appendInfo(validated.summary());
        return new LeaderAppendResult(appended, false, localLog.flushDue()
                ? localLog.flushAsync(appended.lastOffset() + 1) : CompletableFuture.completedFuture(null));
    }

    /** A retry is answered with where its batch was first written, once that is as durable as its append asked. */
    private LeaderAppendResult retried(BatchMetadata written) {
        LogAppendInfo info = new LogAppendInfo(written.firstOffset(), written.lastOffset(), RecordBatchView.NO_TIMESTAMP,
                -1, 0, 0, logStartOffset);
        return new LeaderAppendResult(info, true, localLog.awaitPendingFlush(written.lastOffset() + 1));
    }

    /**
     * Appends a leader's batches as a follower, keeping their offsets and epochs. They may start above
     * the log end offset, where the leader's cleaner removed records.
     *
     * @throws UnexpectedAppendOffsetException if they start below the log end offset
     */
    public LogAppendInfo appendAsFollower(ByteBuffer records) {
        if (!records.hasRemaining()) {
            return emptyAppend();
        }
        LogValidator.Validated validated = LogValidator.validateForFollower(records, config());
        long firstOffset = validated.summary().firstOffset();
        lock.lock();
        try {
            long nextOffset = logEndOffset();
            if (firstOffset < nextOffset) {
                throw new UnexpectedAppendOffsetException("Append to " + topicPartition + " starts at offset "
                        + firstOffset + " but the log end offset is " + nextOffset, nextOffset, firstOffset);
            }
            assignEpochsOf(records);
            write(validated);
        } finally {
            lock.unlock();
        }
        LogAppendInfo appended = appendInfo(validated.summary());
        if (localLog.flushDue()) {
            localLog.flush(appended.lastOffset() + 1);
        }
        return appended;
    }

    private LogAppendInfo emptyAppend() {
        return new LogAppendInfo(-1, -1, RecordBatchView.NO_TIMESTAMP, -1, 0, 0, logStartOffset);
    }

    private LogAppendInfo appendInfo(LogValidator.Summary appended) {
        return new LogAppendInfo(appended.firstOffset(), appended.lastOffset(), appended.maxTimestamp(),
                appended.offsetOfMaxTimestamp(), appended.recordCount(), appended.sizeInBytes(), logStartOffset);
    }

    /** Writes validated batches at the log end, rolling first if due, and records their producers; {@code lock} held. */
    private void write(LogValidator.Validated validated) {
        try {
            if (localLog.shouldRoll(validated.summary())) {
                rollLocked();
            }
            localLog.append(validated.records(), validated.summary());
            for (AbortedTxn aborted : producerState.update(validated.producers())) {
                localLog.updateTxnIndex(aborted);
            }
            maybeIncrementFirstUnstableOffset();
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot append to " + topicPartition + " in " + dir(), e);
        }
    }

    private void checkEpochNotFenced(int epoch) {
        OptionalInt latest = leaderEpochCache.latestEpoch();
        if (latest.isPresent() && epoch < latest.getAsInt()) {
            throw new FencedLeaderEpochException("Leader epoch " + epoch + " of an append to " + topicPartition
                    + " is older than the log's latest epoch " + latest.getAsInt());
        }
    }

    /** Records the epochs a follower append introduces, before its bytes are written. */
    private void assignEpochsOf(ByteBuffer records) {
        RecordBatchView batch = new RecordBatchView();
        for (int pos = records.position(); pos < records.limit(); pos += batch.sizeInBytes()) {
            batch.at(records, pos);
            checkEpochNotFenced(batch.partitionLeaderEpoch());
            leaderEpochCache.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
        }
    }

    /**
     * Records, durably, that {@code leaderEpoch} starts at {@code startOffset}: a new leader does this
     * before its first append so that OffsetsForLeaderEpoch knows the epoch at once.
     */
    public void assignEpochStartOffset(int leaderEpoch, long startOffset) {
        lock.lock();
        try {
            checkEpochNotFenced(leaderEpoch);
            leaderEpochCache.assign(leaderEpoch, startOffset);
        } finally {
            lock.unlock();
        }
    }

    /** Starts a new active segment at the log end offset, unless the active segment is empty. */
    public void roll() {
        lock.lock();
        try {
            rollLocked();
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot roll " + topicPartition + " in " + dir(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Rolls, then, off the append path, writes the producer snapshot taken at the roll and flushes the
     * finished segment ({@link LocalLog#flushRolled}); a truncation since the roll may have cut below the
     * snapshot's offset, and drops it.
     */
    private void rollLocked() throws IOException {
        Optional<LogSegment> rolled = localLog.roll();
        if (rolled.isPresent()) {
            long newBaseOffset = logEndOffset();
            List<ProducerStateEntry> producers = producerState.entries(); // as of the new base: appends wait on the lock
            long truncationsAtRoll = localLog.truncations();
            localLog.runLater(() -> localLog.flushRolled(rolled.get(), newBaseOffset, truncationsAtRoll,
                    () -> writeProducerSnapshot(newBaseOffset, producers)), 0);
        }
    }

    /** A snapshot that cannot be written is only a longer replay at the next load. */
    private void writeProducerSnapshot(long offset, List<ProducerStateEntry> producers) {
        try {
            ProducerSnapshots.write(dir(), offset, producers);
        } catch (IOException e) {
            log.warn("Cannot write the producer snapshot of {} at offset {}", topicPartition, offset, e);
        }
    }

    /**
     * How many flushes have made the log durable (each fsyncs what was appended before it started),
     * as Kafka's log flush rate counts them: fewer than appends when they share fsyncs.
     */
    public long flushCount() {
        return localLog.flushCount();
    }

    /** Makes everything appended so far durable. */
    public void flush() {
        localLog.flush(logEndOffset());
    }

    /** Flushes if {@code flush.ms} has passed since the last flush and there is something to flush. */
    void flushIfDue() {
        localLog.flushIfDue();
    }

    /**
     * Hands the header of every batch from the one holding {@code fromOffset} to the current log end,
     * in offset order, to {@code visitor}: the producer state of a partition is rebuilt this way.
     * The view is reused for each batch and covers only the 61-byte header.
     */
    public void forEachBatchHeader(long fromOffset, Consumer<RecordBatchView> visitor) {
        localLog.forEachBatchHeader(fromOffset, logStartOffset, visitor);
    }

    /**
     * Whole batches from the one holding {@code startOffset}, up to {@code maxBytes} (at least one
     * batch if {@code minOneBatch}), stopping at the log end offset, the high watermark or the last
     * stable offset, as {@code isolation} says.
     *
     * @throws OffsetOutOfRangeException if {@code startOffset} is below the log start or above the log end
     */
    public FileSlice read(long startOffset, int maxBytes, FetchIsolation isolation, boolean minOneBatch) {
        LogOffsetMetadata end = switch (isolation) {
            case LOG_END -> localLog.logEndOffsetMetadata();
            case HIGH_WATERMARK -> highWatermark;
            case TXN_COMMITTED -> lastStableOffsetMetadata();
        };
        long logEnd = logEndOffset();
        if (startOffset < logStartOffset || startOffset > logEnd) {
            throw new OffsetOutOfRangeException("Offset " + startOffset + " is out of range for " + topicPartition
                    + ": the log holds [" + logStartOffset + ", " + logEnd + ")");
        }
        return startOffset >= end.offset() ? FileSlice.EMPTY : localLog.read(startOffset, maxBytes, end, minOneBatch);
    }

    /**
     * The producer id and first offset of every aborted transaction that overlaps
     * [{@code startOffset}, {@code upperBoundOffset}), for a read_committed Fetch response (its consumer
     * drops their records), from the transaction indexes as Kafka collects them: {@code upperBoundOffset}
     * is the offset after the last batch read, or the last stable offset.
     */
    public List<AbortedTxn> collectAbortedTransactions(long startOffset, long upperBoundOffset) {
        return localLog.collectAbortedTransactions(startOffset, upperBoundOffset);
    }

    /**
     * The aborted transactions a {@link FetchIsolation#TXN_COMMITTED} read from {@code startOffset}
     * that returned {@code read} must report: those overlapping it, bounded by the end of the segment it
     * came from or the last stable offset, whichever is lower (Kafka bounds them by the read too;
     * reporting one that starts past the batches read is harmless). None for an empty read.
     */
    public List<AbortedTxn> abortedTransactionsForRead(long startOffset, FileSlice read) {
        if (read.isEmpty()) {
            return List.of();
        }
        long upperBound = Math.min(lastStableOffset(), localLog.nextSegmentBaseOffset(startOffset, read));
        return collectAbortedTransactions(startOffset, upperBound);
    }

    /**
     * ListOffsets: the first record at or after the log start with a timestamp at least
     * {@code targetTimestamp}, or, for the special timestamps, the log start, the log end, or the
     * record with the largest timestamp. Empty if no record qualifies.
     */
    public Optional<TimestampAndOffset> fetchOffsetByTimestamp(long targetTimestamp) {
        if (targetTimestamp == EARLIEST_TIMESTAMP) {
            long start = logStartOffset;
            return Optional.of(new TimestampAndOffset(RecordBatchView.NO_TIMESTAMP, start, epochOrUndefined(
                    leaderEpochCache.epochForOffset(start))));
        }
        if (targetTimestamp == LATEST_TIMESTAMP) {
            return Optional.of(new TimestampAndOffset(RecordBatchView.NO_TIMESTAMP, logEndOffset(),
                    epochOrUndefined(leaderEpochCache.latestEpoch())));
        }
        if (targetTimestamp == MAX_TIMESTAMP) {
            return localLog.findOffsetOfMaxTimestamp(logStartOffset);
        }
        if (targetTimestamp < 0) {
            throw new IllegalArgumentException("Invalid target timestamp " + targetTimestamp);
        }
        return localLog.findOffsetByTimestamp(targetTimestamp, logStartOffset);
    }

    private static int epochOrUndefined(OptionalInt epoch) {
        return epoch.orElse(LeaderEpochCache.UNDEFINED_EPOCH);
    }

    /**
     * Moves the high watermark, kept within [log start offset, log end offset]. It is a batch boundary,
     * as replication only ever acknowledges whole batches; reads bounded by it stop there.
     *
     * @return the high watermark now in force
     */
    public long updateHighWatermark(long offset) {
        lock.lock();
        try {
            highWatermark = localLog.offsetMetadata(Math.min(Math.max(offset, logStartOffset), logEndOffset()));
            producerState.onHighWatermarkUpdated(highWatermark.offset());
            maybeIncrementFirstUnstableOffset();
            return highWatermark.offset();
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot locate offset " + offset + " in " + topicPartition, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves the log start offset forward (DeleteRecords). Segments wholly below it are deleted by the
     * next retention pass. It reaches the disk with the next checkpoint of log start offsets
     * ({@link LogManager#checkpointLogStartOffsets}, or the periodic one).
     *
     * @throws OffsetOutOfRangeException if {@code newLogStartOffset} is above the high watermark
     */
    public void maybeIncrementLogStartOffset(long newLogStartOffset) {
        lock.lock();
        try {
            if (newLogStartOffset > highWatermark()) {
                throw new OffsetOutOfRangeException("Cannot move the log start offset of " + topicPartition + " to "
                        + newLogStartOffset + ": the high watermark is " + highWatermark());
            }
            advanceLogStartOffset(newLogStartOffset);
        } finally {
            lock.unlock();
        }
    }

    private void advanceLogStartOffset(long newLogStartOffset) {
        if (newLogStartOffset > logStartOffset) {
            logStartOffset = newLogStartOffset;
            leaderEpochCache.truncateFromStart(newLogStartOffset);
            maybeIncrementFirstUnstableOffset();
        }
    }

    /**
     * Deletes segments past {@code retention.ms} (by their largest timestamp) or beyond
     * {@code retention.bytes} if {@code cleanup.policy} has {@code delete}, and, whatever the policy,
     * segments wholly below the log start offset; never the active segment nor data at or above the
     * high watermark. Advances the log start offset.
     *
     * @return how many segments were deleted
     */
    public int deleteOldSegments() {
        LogConfig config = config();
        long now = clock.millis();
        int deleted = 0;
        if (config.delete() && config.retentionMs() >= 0) {
            deleted += deleteSegments((segment, next) -> now - largestTimestamp(segment) > config.retentionMs());
        }
        if (config.delete() && config.retentionBytes() >= 0) {
            long[] excess = {size() - config.retentionBytes()};
            deleted += deleteSegments((segment, next) -> {
                if (excess[0] - segment.size() < 0) {
                    return false;
                }
                excess[0] -= segment.size();
                return true;
            });
        }
        deleted += deleteSegments((segment, next) -> next.baseOffset() <= logStartOffset);
        return deleted;
    }

    private static long largestTimestamp(LogSegment segment) {
        try {
            return segment.largestTimestamp();
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot read the modification time of " + segment.logFile(), e);
        }
    }

    /** Deletes leading segments while {@code deletable(segment, nextSegment)} holds. */
    private int deleteSegments(BiPredicate<LogSegment, LogSegment> deletable) {
        lock.lock();
        try {
            List<LogSegment> deleting = localLog.leadingSegments(highWatermark(), deletable);
            if (deleting.isEmpty()) {
                return 0;
            }
            advanceLogStartOffset(localLog.nextBaseOffset(deleting.get(deleting.size() - 1)));
            localLog.deleteSegments(deleting);
            // A snapshot below the first segment could only be replayed across batches that are gone.
            ProducerSnapshots.deleteOutside(dir(), localLog.firstSegmentBaseOffset(), Long.MAX_VALUE);
            return deleting.size();
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot delete old segments of " + topicPartition, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes the batch holding {@code targetOffset} and all after it; a follower does this to drop a
     * divergent suffix. Epochs starting at or after the new log end offset leave the epoch cache even
     * when no batch is removed: a leader that was deposed before its first append recorded its epoch's
     * start at its log end offset, and the next leader's batches from there carry older epochs.
     * Package-private: {@link LogManager} also checkpoints the lowered recovery point.
     *
     * @return whether any batch was removed
     */
    boolean truncateTo(long targetOffset) {
        if (targetOffset < 0) {
            throw new IllegalArgumentException("Cannot truncate " + topicPartition + " to offset " + targetOffset);
        }
        lock.lock();
        try {
            if (targetOffset >= logEndOffset()) {
                leaderEpochCache.truncateFromEnd(logEndOffset());
                return false;
            }
            if (targetOffset < localLog.firstSegmentBaseOffset()) {
                truncateFullyAndStartAtLocked(targetOffset);
                return true;
            }
            long newEnd = localLog.truncateTo(targetOffset);
            leaderEpochCache.truncateFromEnd(newEnd);
            logStartOffset = Math.min(logStartOffset, newEnd);
            if (highWatermark() > newEnd) {
                highWatermark = localLog.logEndOffsetMetadata();
            }
            loadProducerState(TxnIndexRebuild.NONE); // first deletes the snapshots above the new end
            return true;
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot truncate " + topicPartition + " to " + targetOffset, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes every segment and starts the log empty at {@code newOffset}, for a follower whose log is
     * wholly behind or apart from the leader's. Package-private, as {@link #truncateTo}.
     */
    void truncateFullyAndStartAt(long newOffset) {
        lock.lock();
        try {
            truncateFullyAndStartAtLocked(newOffset);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot truncate " + topicPartition + " fully", e);
        } finally {
            lock.unlock();
        }
    }

    private void truncateFullyAndStartAtLocked(long newOffset) throws IOException {
        localLog.truncateFullyAndStartAt(newOffset);
        leaderEpochCache.clear();
        logStartOffset = newOffset;
        highWatermark = localLog.logEndOffsetMetadata();
        ProducerSnapshots.deleteAll(dir()); // even one at the new start described this log, not the leader's
        loadProducerState(TxnIndexRebuild.NONE);
    }

    /** The segments, oldest first; the last was the active one when this was called. */
    List<LogSegment> segmentsSnapshot() {
        return localLog.segmentsSnapshot();
    }

    /** Makes a segment the cleaner wrote, bytes and indexes, durable before {@link #replaceSegments}. */
    void flushCleaned(LogSegment cleaned) throws IOException {
        localLog.fsync(cleaned, true);
    }

    /** How many truncations the log has had so far; see {@link #replaceSegments}. */
    long truncations() {
        return localLog.truncations();
    }

    /**
     * Swaps in {@code cleaned}, a flushed segment under {@link LogSegment#CLEANED_SUFFIX} names that
     * holds what the cleaner kept of {@code replaced} (adjacent inactive segments, the first with the
     * same base offset). Offsets, the log start and end offsets, the high watermark and the epoch
     * cache do not change. Readers of the replaced segments keep their files until
     * {@code file.delete.delay.ms} has passed.
     *
     * <p>Crash safety: the cleaned files are renamed to {@code .swap} and the directory fsynced
     * before any replaced file is touched, so recovery finds either the old segments alone or a
     * {@code .swap} that it completes ({@link LogLoader}). That rename happens under the lock, after
     * checking that no truncation or retention touched {@code replaced} while the cleaner read them,
     * so a {@code .swap} on disk never brings back data the log has since dropped.
     *
     * @param truncationsSeen {@link #truncations()} before the cleaner read {@code replaced}
     * @return false, leaving everything as it was, if the log changed under the cleaner
     * @throws KafkaStorageException if a rename fails; the next start finishes the swap from the files
     */
    boolean replaceSegments(List<LogSegment> replaced, LogSegment cleaned, long truncationsSeen) {
        lock.lock();
        try {
            if (!localLog.replaceSegments(replaced, cleaned, truncationsSeen)) {
                return false;
            }
            highWatermark = localLog.offsetMetadata(highWatermark.offset()); // its position may have been in a replaced file
            firstUnstableOffset.segmentsChanged();
            return true;
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot swap cleaned segments into " + topicPartition, e);
        } finally {
            lock.unlock();
        }
    }

    /** Points the log at its directory's new name, after the directory was renamed for deletion. */
    void renamedTo(Path newDir) {
        localLog.renamedTo(newDir);
    }

    /**
     * Writes a producer snapshot at the log end offset, so that the next open replays no batch, and
     * closes every segment; the log takes no more appends. Does not flush: flush waiters fail. (A
     * crash before the log is flushed only makes recovery cut the log below that snapshot, and the
     * next load delete it.)
     */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            writeProducerSnapshot(logEndOffset(), producerState.entries());
            localLog.close();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the log's files without writing a producer snapshot: its directory failed, and nothing more
     * is to be written there. Errors are ignored: the directory is offline already.
     */
    public void closeAfterFailure() {
        lock.lock();
        try {
            localLog.close();
        } catch (IOException | RuntimeException e) {
            // Its directory failed: that its files do not close cleanly is no news.
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "PartitionLog(" + topicPartition + ", " + dir() + ", logStartOffset=" + logStartOffset
                + ", logEndOffset=" + logEndOffset() + ", highWatermark=" + highWatermark() + ")";
    }
}
