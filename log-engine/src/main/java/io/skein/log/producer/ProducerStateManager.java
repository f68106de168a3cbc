package io.skein.log.producer;

import io.skein.log.index.AbortedTxn;
import io.skein.log.record.RecordBatchView;
import io.skein.log.record.TxnMarkers;
import io.skein.log.record.TxnMarkers.TxnMarker;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;

/**
 * What one partition knows of its idempotent and transactional producers: for each producer id, its
 * epoch, the sequence ranges and offsets of its last five batches (the most a producer has in
 * flight), the epoch of the last transaction coordinator that wrote it a marker, and the first offset
 * of its ongoing transaction, if any. A retried batch is recognised by its exact sequence range and
 * answered with the offset it first got; a batch that skips or repeats sequences otherwise is
 * refused. A transactional data batch starts its producer's transaction or goes on with it; a COMMIT
 * or ABORT marker ends it. Kafka's rules, from its {@code ProducerStateManager} and
 * {@code ProducerAppendInfo}.
 *
 * <p>It also knows which offsets are not yet stable, for the log's last stable offset: the first
 * offset of every ongoing transaction, and of every transaction whose marker is not yet below the
 * high watermark ({@link #firstUnstableOffset}).
 *
 * <p>The partition's log owns it: it checks each batch of a leader append against it after
 * validating the batch, and records every batch it appends, all under the log's lock, which keeps
 * the check and the append together, as Kafka's {@code UnifiedLog} does; it loads it from the newest
 * producer-state snapshot and the batches after it when the log is opened or truncated
 * ({@link ProducerStateLoader}). Its own monitor only makes the log's snapshots of it consistent.
 */
public final class ProducerStateManager {
    /** Kafka keeps five: a producer has at most five requests in flight per connection. */
    public static final int BATCHES_TO_RETAIN = 5;
    static final short NO_EPOCH = -1;
    static final int NO_COORDINATOR_EPOCH = -1;

    /** A batch a producer wrote: its sequence range and where it went. */
    public record BatchMetadata(int firstSequence, int lastSequence, long firstOffset, long lastOffset) {
    }

    /**
     * One producer's state as a value: what a snapshot holds. {@code lastTimestamp} is the largest
     * timestamp of its last batch, which expiry compares with the clock; {@code coordinatorEpoch} that of
     * its last marker (-1 before any); {@code batches} are oldest first.
     */
    public record ProducerStateEntry(long producerId, short producerEpoch, int coordinatorEpoch, long lastTimestamp,
                                     OptionalLong currentTxnFirstOffset, List<BatchMetadata> batches) {
        public ProducerStateEntry {
            batches = List.copyOf(batches);
            if (batches.size() > BATCHES_TO_RETAIN) {
                throw new IllegalArgumentException("A producer keeps at most " + BATCHES_TO_RETAIN + " batches");
            }
        }

        /** The last sequence number the producer wrote in its epoch; -1 if none (a new epoch, or only markers). */
        public int lastSequence() {
            return batches.isEmpty() ? -1 : batches.get(batches.size() - 1).lastSequence();
        }
    }

    private static final class ProducerEntry {
        short epoch = NO_EPOCH;
        int coordinatorEpoch = NO_COORDINATOR_EPOCH;
        long lastTimestamp;
        /** The first offset of the producer's ongoing transaction; -1 if none. */
        long currentTxnFirstOffset = -1;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(BATCHES_TO_RETAIN);

        int lastSequence() {
            return batches.isEmpty() ? -1 : batches.peekLast().lastSequence();
        }
    }

    private final String partition;
    private final Map<Long, ProducerEntry> producers = new HashMap<>();
    /** The ongoing transactions: first offset to producer id. */
    private final TreeMap<Long, Long> ongoingTxns = new TreeMap<>();
    /** The transactions ended by a marker not yet below the high watermark: first offset to the marker's offset. */
    private final TreeMap<Long, Long> unreplicatedTxns = new TreeMap<>();
    /** Producers whose transaction the leader is asking the coordinator about (Kafka's verification guard). */
    private final Map<Long, Verification> verifications = new HashMap<>();

    /** The epoch and the lowest sequence of a producer's batches waiting for their transaction's verification. */
    private record Verification(short epoch, int lowestSequence) {
    }

    public ProducerStateManager(String partition) {
        this.partition = partition;
    }

    /** The state {@code entries} describe, as read from a snapshot. */
    public ProducerStateManager(String partition, Collection<ProducerStateEntry> entries) {
        this(partition);
        for (ProducerStateEntry loaded : entries) {
            ProducerEntry entry = new ProducerEntry();
            entry.epoch = loaded.producerEpoch();
            entry.coordinatorEpoch = loaded.coordinatorEpoch();
            entry.lastTimestamp = loaded.lastTimestamp();
            entry.batches.addAll(loaded.batches());
            producers.put(loaded.producerId(), entry);
            if (loaded.currentTxnFirstOffset().isPresent()) {
                entry.currentTxnFirstOffset = loaded.currentTxnFirstOffset().getAsLong();
                ongoingTxns.put(entry.currentTxnFirstOffset, loaded.producerId());
            }
        }
    }

    /** Every producer's state, ordered by producer id: what a snapshot writes, and what tests compare. */
    public synchronized List<ProducerStateEntry> entries() {
        TreeMap<Long, ProducerEntry> ordered = new TreeMap<>(producers);
        return ordered.entrySet().stream().map(e -> {
            ProducerEntry entry = e.getValue();
            OptionalLong txnFirstOffset = entry.currentTxnFirstOffset < 0 ? OptionalLong.empty()
                    : OptionalLong.of(entry.currentTxnFirstOffset);
            return new ProducerStateEntry(e.getKey(), entry.epoch, entry.coordinatorEpoch, entry.lastTimestamp,
                    txnFirstOffset, List.copyOf(entry.batches));
        }).toList();
    }

    /**
     * Checks a batch a producer sends to the leader, against the producer's state and the batches
     * before it in the same append ({@code pending}).
     *
     * @return the batch already written, if this one is a retry of it
     * @throws InvalidProducerEpochException if the producer's epoch is older than one already seen
     * @throws OutOfOrderSequenceException   if the batch does not continue the producer's sequence
     * @throws InvalidTxnStateException      if the batch is not transactional but its producer's transaction is ongoing
     */
    public synchronized Optional<BatchMetadata> checkLeaderBatch(RecordBatchView batch, PendingAppend pending) {
        long producerId = batch.producerId();
        short epoch = batch.producerEpoch();
        int firstSequence = batch.baseSequence();
        int lastSequence = lastSequence(batch);
        ProducerEntry entry = producers.get(producerId);
        if (entry != null && entry.epoch == epoch) {
            for (BatchMetadata written : entry.batches) {
                if (written.firstSequence() == firstSequence && written.lastSequence() == lastSequence) {
                    return Optional.of(written);
                }
            }
        }
        short currentEpoch = checkEpoch(batch, pending, entry);
        if (epoch != currentEpoch) {
            if (firstSequence != 0 && currentEpoch != NO_EPOCH) {
                throw new OutOfOrderSequenceException("Invalid sequence number for new epoch of producer " + producerId
                        + " in partition " + partition + ": " + epoch + " (request epoch), " + firstSequence
                        + " (seq. number), " + currentEpoch + " (current producer epoch)");
            }
        } else {
            int currentLastSequence = pending.lastSequenceOf(producerId, entry == null ? -1 : entry.lastSequence());
            // A producer whose batches all left the log (retention) may go on from any sequence.
            if (currentLastSequence >= 0 && !inSequence(currentLastSequence, firstSequence)) {
                throw new OutOfOrderSequenceException("Out of order sequence number for producer " + producerId
                        + " in partition " + partition + ": " + firstSequence + " (incoming seq. number), "
                        + currentLastSequence + " (current end sequence number)");
            }
        }
        Verification verifying = verifications.get(producerId);
        if (verifying != null && verifying.epoch() == epoch && firstSequence > verifying.lowestSequence()
                && batch.isTransactional()
                && !pending.inTransaction(producerId, entry != null && entry.currentTxnFirstOffset >= 0)) {
            throw new OutOfOrderSequenceException("Batch of producer " + producerId + " in " + partition
                    + " at sequence " + firstSequence + " waits for its batch at sequence "
                    + verifying.lowestSequence() + ", whose transaction is being verified");
        }
        recordChecked(batch, pending, entry, lastSequence);
        return Optional.empty();
    }

    /**
     * Checks a data batch a coordinator writes to its own partition for a producer (Kafka's
     * {@code AppendOrigin.COORDINATOR}: the group coordinator's transactional offsets). It carries no
     * sequence, as in Kafka, so it is neither a retry nor out of sequence; its epoch and transaction
     * are checked as a producer's own batch's.
     *
     * @throws InvalidProducerEpochException if the producer's epoch is older than one already seen
     * @throws InvalidTxnStateException      if the batch is not transactional but its producer's transaction is ongoing
     */
    public synchronized void checkCoordinatorBatch(RecordBatchView batch, PendingAppend pending) {
        ProducerEntry entry = producers.get(batch.producerId());
        checkEpoch(batch, pending, entry);
        recordChecked(batch, pending, entry, lastSequence(batch));
    }

    /** The producer's epoch before {@code batch}; throws if the batch's is older. */
    private short checkEpoch(RecordBatchView batch, PendingAppend pending, ProducerEntry entry) {
        short currentEpoch = pending.epochOf(batch.producerId(), entry == null ? NO_EPOCH : entry.epoch);
        if (batch.producerEpoch() < currentEpoch) {
            throw new InvalidProducerEpochException("Epoch of producer " + batch.producerId() + " in " + partition
                    + " is " + batch.producerEpoch() + ", which is smaller than the last seen epoch " + currentEpoch);
        }
        return currentEpoch;
    }

    /** Refuses a plain batch in an ongoing transaction, else counts the batch in {@code pending}. */
    private void recordChecked(RecordBatchView batch, PendingAppend pending, ProducerEntry entry, int lastSequence) {
        long producerId = batch.producerId();
        boolean inTransaction = pending.inTransaction(producerId, entry != null && entry.currentTxnFirstOffset >= 0);
        if (inTransaction && !batch.isTransactional()) {
            throw new InvalidTxnStateException("Expected transactional write from producer " + producerId
                    + " at offset " + batch.baseOffset() + " in partition " + partition);
        }
        pending.record(producerId, batch.producerEpoch(), lastSequence, inTransaction || batch.isTransactional());
    }

    /**
     * Checks a marker the leader is about to write for a producer's transaction, as Kafka checks one
     * from the transaction coordinator.
     *
     * @throws InvalidProducerEpochException         if {@code producerEpoch} is older than the producer's
     * @throws TransactionCoordinatorFencedException if {@code coordinatorEpoch} is older than that of the
     *                                               producer's last marker: a zombie coordinator wrote it
     */
    public synchronized void checkMarker(long producerId, short producerEpoch, int coordinatorEpoch) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            return;
        }
        if (producerEpoch < entry.epoch) {
            throw new InvalidProducerEpochException("Epoch of producer " + producerId + " in " + partition + " is "
                    + producerEpoch + ", which is smaller than the last seen epoch " + entry.epoch);
        }
        if (coordinatorEpoch < entry.coordinatorEpoch) {
            throw new TransactionCoordinatorFencedException("Invalid coordinator epoch for producerId " + producerId
                    + " in partition " + partition + ": " + coordinatorEpoch + " (zombie), " + entry.coordinatorEpoch
                    + " (current)");
        }
    }

    /**
     * Records a batch written to the log, found while rebuilding from the log. A control batch must be
     * whole in its buffer: its record says how its transaction ended.
     *
     * @return the transaction the batch aborted, if it is an ABORT marker
     */
    public synchronized Optional<AbortedTxn> update(RecordBatchView batch) {
        Written written = Written.of(batch);
        return written == null ? Optional.empty() : Optional.ofNullable(update(written));
    }

    /**
     * Records the producers' batches of an append, once written.
     *
     * @return the transactions its ABORT markers ended, for the transaction index
     */
    public synchronized List<AbortedTxn> update(PendingAppend appended) {
        List<AbortedTxn> aborted = List.of();
        for (Written batch : appended.written) {
            AbortedTxn txn = update(batch);
            if (txn != null) {
                aborted = aborted.isEmpty() ? new ArrayList<>(1) : aborted;
                aborted.add(txn);
            }
        }
        return aborted;
    }

    /**
     * What a batch means to its producer's state, whoever appends it (leader, follower, a load's
     * replay), as Kafka's {@code ProducerAppendInfo} applies it: a data batch is one more of the
     * producer's batches and, if transactional, starts its transaction unless one is ongoing; a marker
     * ends the ongoing transaction. A new epoch forgets the batches of the old one.
     */
    private AbortedTxn update(Written batch) {
        ProducerEntry entry = producers.computeIfAbsent(batch.producerId(), id -> new ProducerEntry());
        if (batch.producerEpoch() != entry.epoch) {
            entry.epoch = batch.producerEpoch();
            entry.batches.clear();
        }
        entry.lastTimestamp = batch.maxTimestamp();
        if (batch.marker() != null) {
            return endTransaction(batch.producerId(), entry, batch.marker(), batch.metadata().firstOffset());
        }
        if (entry.batches.size() == BATCHES_TO_RETAIN) {
            entry.batches.removeFirst();
        }
        entry.batches.addLast(batch.metadata());
        if (batch.transactional() && entry.currentTxnFirstOffset < 0) {
            entry.currentTxnFirstOffset = batch.metadata().firstOffset();
            ongoingTxns.put(entry.currentTxnFirstOffset, batch.producerId());
            verifications.remove(batch.producerId());
        }
        return null;
    }

    /**
     * Ends the producer's transaction at the marker at {@code markerOffset}; it stays unstable until the
     * high watermark passes the marker. A marker with no transaction ongoing (an empty one, or one
     * whose batches retention deleted before a load) changes nothing but the coordinator epoch.
     */
    private AbortedTxn endTransaction(long producerId, ProducerEntry entry, TxnMarker marker, long markerOffset) {
        entry.coordinatorEpoch = marker.coordinatorEpoch();
        long firstOffset = entry.currentTxnFirstOffset;
        if (firstOffset < 0) {
            return null;
        }
        entry.currentTxnFirstOffset = -1;
        ongoingTxns.remove(firstOffset);
        unreplicatedTxns.put(firstOffset, markerOffset);
        if (!marker.aborted()) {
            return null;
        }
        // Stable from here once the marker is: unless another producer's transaction began earlier.
        long lastStableOffset = ongoingTxns.isEmpty() ? markerOffset + 1 : ongoingTxns.firstKey();
        return new AbortedTxn(producerId, firstOffset, markerOffset, lastStableOffset);
    }

    /**
     * Whether a transactional batch of {@code producerId} at {@code baseSequence} must wait for its
     * transaction coordinator, because it would start a transaction here (KIP-890); if so, it is
     * remembered, as Kafka's verification guard does: until a batch starts the producer's transaction,
     * none of its batches with a higher sequence may. A producer new to this log may start at any
     * sequence, so without the guard a later batch that was verified first would be written, and the
     * retry of the earlier one refused as out of order for good.
     */
    public synchronized boolean beginVerification(long producerId, short producerEpoch, int baseSequence) {
        if (hasOngoingTransaction(producerId, producerEpoch)) {
            return false;
        }
        Verification verifying = verifications.get(producerId);
        int lowest = verifying != null && verifying.epoch() == producerEpoch
                ? Math.min(verifying.lowestSequence(), baseSequence) : baseSequence;
        verifications.put(producerId, new Verification(producerEpoch, lowest));
        return true;
    }

    /**
     * Whether {@code producerId}, in {@code producerEpoch}, has a transaction ongoing here: a leader
     * asks its coordinator before a producer's first transactional batch of a transaction, not after.
     */
    public synchronized boolean hasOngoingTransaction(long producerId, short producerEpoch) {
        ProducerEntry entry = producers.get(producerId);
        return entry != null && entry.epoch == producerEpoch && entry.currentTxnFirstOffset >= 0;
    }

    /**
     * The first offset that is not yet stable, as Kafka defines it: the first offset of an ongoing
     * transaction, or of one whose marker is not yet below the high watermark. Empty if every offset is.
     */
    public synchronized OptionalLong firstUnstableOffset() {
        Long ongoing = ongoingTxns.isEmpty() ? null : ongoingTxns.firstKey();
        Long unreplicated = unreplicatedTxns.isEmpty() ? null : unreplicatedTxns.firstKey();
        if (ongoing == null && unreplicated == null) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(ongoing == null ? unreplicated : unreplicated == null ? ongoing : Math.min(ongoing, unreplicated));
    }

    /** The high watermark moved to {@code highWatermark}: transactions whose marker is below it are stable. */
    public synchronized void onHighWatermarkUpdated(long highWatermark) {
        unreplicatedTxns.values().removeIf(markerOffset -> markerOffset < highWatermark);
    }

    /**
     * Forgets producers whose last batch is older than {@code expirationMs}, as Kafka does after a day;
     * never one whose transaction is ongoing.
     */
    public synchronized void removeExpired(long nowMs, long expirationMs) {
        for (Iterator<ProducerEntry> it = producers.values().iterator(); it.hasNext(); ) {
            ProducerEntry entry = it.next();
            if (entry.currentTxnFirstOffset < 0 && nowMs - entry.lastTimestamp > expirationMs) {
                it.remove();
            }
        }
        verifications.keySet().retainAll(producers.keySet());
    }

    private static int lastSequence(RecordBatchView batch) {
        long last = (long) batch.baseSequence() + batch.lastOffsetDelta();
        return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
    }

    private static boolean inSequence(int lastSequence, int nextSequence) {
        return nextSequence == lastSequence + 1L || (nextSequence == 0 && lastSequence == Integer.MAX_VALUE);
    }

    /**
     * A batch of a producer as the log writes it, read from its header, and for a marker from its
     * record ({@code marker} is null for a data batch).
     */
    private record Written(long producerId, short producerEpoch, BatchMetadata metadata, long maxTimestamp,
                           boolean transactional, TxnMarker marker) {
        /** Null for a batch of no producer and for a control batch that ends no transaction. */
        static Written of(RecordBatchView batch) {
            if (batch.producerId() < 0) {
                return null;
            }
            TxnMarker marker = null;
            if (batch.isControlBatch()) {
                marker = TxnMarkers.read(batch);
                if (marker == null) {
                    return null;
                }
            }
            return new Written(batch.producerId(), batch.producerEpoch(), new BatchMetadata(batch.baseSequence(),
                    lastSequence(batch), batch.baseOffset(), batch.lastOffset()), batch.maxTimestamp(),
                    batch.isTransactional(), marker);
        }
    }

    /**
     * The producers' batches of one append, checked but not yet written: a later batch of the same
     * append must continue from an earlier one, and once the append is written they are recorded
     * ({@link ProducerStateManager#update(PendingAppend)}).
     */
    public static final class PendingAppend {
        // producer id -> {epoch, last sequence, 1 if in a transaction}; rarely more than one
        private Map<Long, long[]> positions;
        private final List<Written> written = new ArrayList<>();

        /** Adds a batch as it will be written, with its offsets; a batch of no producer is left out. */
        public void add(RecordBatchView batch) {
            Written batchWritten = Written.of(batch);
            if (batchWritten != null) {
                written.add(batchWritten);
            }
        }

        short epochOf(long producerId, short current) {
            long[] position = positions == null ? null : positions.get(producerId);
            return position == null ? current : (short) position[0];
        }

        int lastSequenceOf(long producerId, int current) {
            long[] position = positions == null ? null : positions.get(producerId);
            return position == null ? current : (int) position[1];
        }

        boolean inTransaction(long producerId, boolean current) {
            long[] position = positions == null ? null : positions.get(producerId);
            return position == null ? current : position[2] == 1;
        }

        void record(long producerId, short epoch, int lastSequence, boolean inTransaction) {
            if (positions == null) {
                positions = new HashMap<>(2);
            }
            positions.put(producerId, new long[] {epoch, lastSequence, inTransaction ? 1 : 0});
        }
    }
}
