package io.skein.broker.replica;

import io.skein.broker.producer.ProducerStateManager;
import io.skein.broker.producer.ProducerStateManager.BatchMetadata;
import io.skein.broker.producer.ProducerStateManager.PendingAppend;
import io.skein.log.LogAppendInfo;
import io.skein.log.PartitionLog;
import io.skein.log.record.RecordBatchView;
import io.skein.metadata.image.PartitionRegistration;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.UnknownLeaderEpochException;

/**
 * One partition this broker holds a replica of: its log, its idempotent producers, and its role as
 * the metadata log last stated it (leader or follower, leader epoch, ISR).
 *
 * <p>The metadata thread changes the role; request threads append and read. Appends as leader are
 * serialised by the partition's append lock, which makes the producer-state check and the append one
 * step; reads take no lock.
 */
public final class Partition {
    private final int localBrokerId;
    private final TopicPartition topicPartition;
    private final UUID topicId;
    private final PartitionLog log;
    private final ProducerStateManager producers;
    private final ReentrantLock appendLock = new ReentrantLock();
    private volatile PartitionRegistration registration;

    /** The outcome of a leader append. */
    public record LeaderAppend(long firstOffset, long lastOffset, long logStartOffset, boolean duplicate,
                               CompletableFuture<?> flushed) {
    }

    Partition(int localBrokerId, TopicPartition topicPartition, UUID topicId, PartitionLog log) {
        this.localBrokerId = localBrokerId;
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.log = log;
        this.producers = new ProducerStateManager(topicPartition.toString());
        log.forEachBatchHeader(log.logStartOffset(), producers::update);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public UUID topicId() {
        return topicId;
    }

    public PartitionLog log() {
        return log;
    }

    public boolean isLeader() {
        PartitionRegistration current = registration;
        return current != null && current.leader() == localBrokerId;
    }

    /** The leader epoch the metadata log last stated, -1 before any. */
    public int leaderEpoch() {
        PartitionRegistration current = registration;
        return current == null ? -1 : current.leaderEpoch();
    }

    /**
     * Takes the role the metadata log states. A broker that becomes leader records where its epoch
     * starts, so that OffsetsForLeaderEpoch can answer before its first append.
     */
    void update(PartitionRegistration newRegistration) {
        appendLock.lock();
        try {
            PartitionRegistration old = registration;
            registration = newRegistration;
            boolean newLeaderEpoch = old == null || old.leaderEpoch() != newRegistration.leaderEpoch();
            if (newRegistration.leader() == localBrokerId && newLeaderEpoch) {
                log.assignEpochStartOffset(newRegistration.leaderEpoch(), log.logEndOffset());
            }
            maybeIncrementHighWatermark();
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Appends a producer's batches as leader: checks leadership, the ISR against
     * {@code min.insync.replicas} for acks=all, and each idempotent batch against its producer's
     * state. A retried batch is not written again: the answer names where it was written first.
     *
     * @param requiredAcks 0, 1 or -1 (all)
     * @throws NotLeaderOrFollowerException if this broker does not lead the partition
     * @throws NotEnoughReplicasException   for acks=all with fewer in-sync replicas than required
     */
    public LeaderAppend appendAsLeader(ByteBuffer records, short requiredAcks) {
        appendLock.lock();
        try {
            PartitionRegistration current = registration;
            if (current == null || current.leader() != localBrokerId) {
                throw new NotLeaderOrFollowerException("Broker " + localBrokerId + " is not the leader of "
                        + topicPartition);
            }
            int minIsr = log.config().minInSyncReplicas();
            if (requiredAcks == -1 && current.isr().size() < minIsr) {
                throw new NotEnoughReplicasException("The size of the current ISR " + current.isr()
                        + " is insufficient to satisfy the min.isr requirement of " + minIsr + " for partition "
                        + topicPartition);
            }
            Optional<BatchMetadata> duplicate = checkProducers(records);
            if (duplicate.isPresent()) {
                return new LeaderAppend(duplicate.get().firstOffset(), duplicate.get().lastOffset(),
                        log.logStartOffset(), true, CompletableFuture.completedFuture(null));
            }
            // The append lock keeps other appends out: the log end offset brackets this one.
            long firstOffset = log.logEndOffset();
            CompletableFuture<LogAppendInfo> appended = log.appendAsLeaderAsync(records, current.leaderEpoch());
            if (appended.isCompletedExceptionally()) { // rejected before any byte was written
                try {
                    appended.join();
                } catch (CompletionException e) {
                    throw (RuntimeException) e.getCause();
                }
            }
            recordProducers(records);
            maybeIncrementHighWatermark();
            return new LeaderAppend(firstOffset, log.logEndOffset() - 1, log.logStartOffset(), false, appended);
        } finally {
            appendLock.unlock();
        }
    }

    private Optional<BatchMetadata> checkProducers(ByteBuffer records) {
        RecordBatchView batch = new RecordBatchView();
        PendingAppend pending = new PendingAppend();
        for (int pos = records.position(); pos + RecordBatchView.HEADER_SIZE <= records.limit();
             pos += Math.max(batch.sizeInBytes(), RecordBatchView.HEADER_SIZE)) {
            batch.at(records, pos);
            if (batch.magic() == RecordBatchView.MAGIC_V2 && batch.producerId() >= 0) {
                Optional<BatchMetadata> duplicate = producers.checkLeaderBatch(batch, pending);
                if (duplicate.isPresent()) {
                    return duplicate;
                }
            }
        }
        return Optional.empty();
    }

    /** Records the producers of batches just written, which now carry their offsets. */
    private void recordProducers(ByteBuffer records) {
        RecordBatchView batch = new RecordBatchView();
        for (int pos = records.position(); pos < records.limit(); pos += batch.sizeInBytes()) {
            producers.update(batch.at(records, pos));
        }
    }

    /**
     * Moves the high watermark to the log end offset of the ISR. Until followers replicate (a later
     * step of the plan), only a leader alone in its ISR can vouch for that, and only for itself.
     *
     * @return whether it moved
     */
    private boolean maybeIncrementHighWatermark() {
        PartitionRegistration current = registration;
        if (current == null || current.leader() != localBrokerId || !current.isr().equals(List.of(localBrokerId))) {
            return false;
        }
        long before = log.highWatermark();
        return log.updateHighWatermark(log.logEndOffset()) > before;
    }

    /** Forgets idempotent producers silent for longer than {@code expirationMs}. */
    void removeExpiredProducers(long nowMs, long expirationMs) {
        appendLock.lock();
        try {
            producers.removeExpired(nowMs, expirationMs);
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Checks a client's idea of the leader epoch ({@code -1}: no idea) against this broker's.
     *
     * @throws FencedLeaderEpochException  if the client's epoch is older: it should refresh its metadata
     * @throws UnknownLeaderEpochException if it is newer: this broker has not caught up yet
     */
    public void checkLeaderEpoch(int clientLeaderEpoch) {
        int local = leaderEpoch();
        if (clientLeaderEpoch == -1 || clientLeaderEpoch == local) {
            return;
        }
        if (clientLeaderEpoch < local) {
            throw new FencedLeaderEpochException("Leader epoch " + clientLeaderEpoch + " of " + topicPartition
                    + " is older than the current " + local);
        }
        throw new UnknownLeaderEpochException("Leader epoch " + clientLeaderEpoch + " of " + topicPartition
                + " is newer than broker " + localBrokerId + " knows (" + local + ")");
    }

    /** Whether this broker leads the partition, in the epoch the client names if it names one. */
    boolean leads(int clientLeaderEpoch) {
        PartitionRegistration current = registration;
        return current != null && current.leader() == localBrokerId
                && (clientLeaderEpoch == -1 || clientLeaderEpoch == current.leaderEpoch());
    }

    /**
     * Requires this broker to lead the partition, with the epoch the client names if it names one.
     *
     * @throws NotLeaderOrFollowerException if it does not lead
     */
    public void checkLeader(int clientLeaderEpoch) {
        checkLeaderEpoch(clientLeaderEpoch);
        if (!isLeader()) {
            throw new NotLeaderOrFollowerException("Broker " + localBrokerId + " is not the leader of " + topicPartition);
        }
    }

    @Override
    public String toString() {
        return "Partition(" + topicPartition + ", " + registration + ")";
    }
}
