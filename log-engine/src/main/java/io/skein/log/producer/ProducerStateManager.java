package io.skein.log.producer;

import io.skein.log.record.RecordBatchView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;

/**
 * What one partition knows of its idempotent producers: for each producer id, its epoch and the
 * sequence ranges and offsets of its last five batches, the most a producer has in flight. A retried
 * batch is recognised by its exact sequence range and answered with the offset it first got; a batch
 * that skips or repeats sequences otherwise is refused. Kafka's rules, from its
 * {@code ProducerStateManager}.
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

    /** A batch a producer wrote: its sequence range and where it went. */
    public record BatchMetadata(int firstSequence, int lastSequence, long firstOffset, long lastOffset) {
    }

    /**
     * One producer's state as a value: what a snapshot holds. {@code lastTimestamp} is the largest
     * timestamp of its last batch, which expiry compares with the clock; {@code batches} are oldest first.
     */
    public record ProducerStateEntry(long producerId, short producerEpoch, long lastTimestamp,
                                     List<BatchMetadata> batches) {
        public ProducerStateEntry {
            batches = List.copyOf(batches);
            if (batches.size() > BATCHES_TO_RETAIN) {
                throw new IllegalArgumentException("A producer keeps at most " + BATCHES_TO_RETAIN + " batches");
            }
        }
    }

    private static final class ProducerEntry {
        short epoch = NO_EPOCH;
        long lastTimestamp;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(BATCHES_TO_RETAIN);

        int lastSequence() {
            return batches.isEmpty() ? -1 : batches.peekLast().lastSequence();
        }
    }

    private final String partition;
    private final Map<Long, ProducerEntry> producers = new HashMap<>();

    public ProducerStateManager(String partition) {
        this.partition = partition;
    }

    /** The state {@code entries} describe, as read from a snapshot. */
    public ProducerStateManager(String partition, Collection<ProducerStateEntry> entries) {
        this(partition);
        for (ProducerStateEntry loaded : entries) {
            ProducerEntry entry = new ProducerEntry();
            entry.epoch = loaded.producerEpoch();
            entry.lastTimestamp = loaded.lastTimestamp();
            entry.batches.addAll(loaded.batches());
            producers.put(loaded.producerId(), entry);
        }
    }

    /** Every producer's state, ordered by producer id: what a snapshot writes, and what tests compare. */
    public synchronized List<ProducerStateEntry> entries() {
        TreeMap<Long, ProducerEntry> ordered = new TreeMap<>(producers);
        return ordered.entrySet().stream().map(e -> new ProducerStateEntry(e.getKey(), e.getValue().epoch,
                e.getValue().lastTimestamp, List.copyOf(e.getValue().batches))).toList();
    }

    /**
     * Checks a batch a producer sends to the leader, against the producer's state and the batches
     * before it in the same append ({@code pending}).
     *
     * @return the batch already written, if this one is a retry of it
     * @throws InvalidProducerEpochException if the producer's epoch is older than one already seen
     * @throws OutOfOrderSequenceException   if the batch does not continue the producer's sequence
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
        short currentEpoch = pending.epochOf(producerId, entry == null ? NO_EPOCH : entry.epoch);
        if (epoch < currentEpoch) {
            throw new InvalidProducerEpochException("Epoch of producer " + producerId + " in " + partition
                    + " is " + epoch + ", which is smaller than the last seen epoch " + currentEpoch);
        }
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
        pending.record(producerId, epoch, lastSequence);
        return Optional.empty();
    }

    /** Records a batch written to the log, found while rebuilding from the log. */
    public synchronized void update(RecordBatchView batch) {
        if (batch.producerId() >= 0) {
            update(new Written(batch));
        }
    }

    /** Records the producers' batches of an append, once written. */
    public synchronized void update(PendingAppend appended) {
        appended.written.forEach(this::update);
    }

    private void update(Written batch) {
        ProducerEntry entry = producers.computeIfAbsent(batch.producerId(), id -> new ProducerEntry());
        if (batch.producerEpoch() != entry.epoch) {
            entry.epoch = batch.producerEpoch();
            entry.batches.clear();
        }
        if (entry.batches.size() == BATCHES_TO_RETAIN) {
            entry.batches.removeFirst();
        }
        entry.batches.addLast(batch.metadata());
        entry.lastTimestamp = batch.maxTimestamp();
    }

    /** Forgets producers whose last batch is older than {@code expirationMs}, as Kafka does after a day. */
    public synchronized void removeExpired(long nowMs, long expirationMs) {
        for (Iterator<ProducerEntry> it = producers.values().iterator(); it.hasNext(); ) {
            if (nowMs - it.next().lastTimestamp > expirationMs) {
                it.remove();
            }
        }
    }

    private static int lastSequence(RecordBatchView batch) {
        long last = (long) batch.baseSequence() + batch.lastOffsetDelta();
        return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
    }

    private static boolean inSequence(int lastSequence, int nextSequence) {
        return nextSequence == lastSequence + 1L || (nextSequence == 0 && lastSequence == Integer.MAX_VALUE);
    }

    /** A batch of a producer as the log writes it, read from its header. */
    private record Written(long producerId, short producerEpoch, BatchMetadata metadata, long maxTimestamp) {
        Written(RecordBatchView batch) {
            this(batch.producerId(), batch.producerEpoch(), new BatchMetadata(batch.baseSequence(), lastSequence(batch),
                    batch.baseOffset(), batch.lastOffset()), batch.maxTimestamp());
        }
    }

    /**
     * The producers' batches of one append, checked but not yet written: a later batch of the same
     * append must continue from an earlier one, and once the append is written they are recorded
     * ({@link ProducerStateManager#update(PendingAppend)}).
     */
    public static final class PendingAppend {
        private Map<Long, long[]> positions; // producer id -> {epoch, last sequence}; rarely more than one
        private final List<Written> written = new ArrayList<>();

        /** Adds a batch as it will be written, with its offsets; a batch of no producer is left out. */
        public void add(RecordBatchView batch) {
            if (batch.producerId() >= 0) {
                written.add(new Written(batch));
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

        void record(long producerId, short epoch, int lastSequence) {
            if (positions == null) {
                positions = new HashMap<>(2);
            }
            positions.put(producerId, new long[] {epoch, lastSequence});
        }
    }
}
