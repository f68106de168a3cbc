package io.skein.broker.replica;

import io.skein.broker.kafka.LogRecords;
import io.skein.broker.metrics.BrokerMetrics;
import io.skein.broker.metrics.BrokerTopicMetrics;
import io.skein.log.AppendOrigin;
import io.skein.log.LeaderEpochCache;
import io.skein.log.LeaderEpochCache.EpochEndOffset;
import io.skein.log.LeaderAppendResult;
import io.skein.log.LogConfig;
import io.skein.log.LogManager;
import io.skein.log.PartitionLog;
import io.skein.metadata.image.PartitionRegistration;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.UnknownLeaderEpochException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition this broker holds a replica of: its log (which keeps its idempotent producers' state),
 * and its role as the metadata log last stated it (leader or follower, leader epoch, ISR).
 *
 * <p>The metadata thread changes the role; request threads append as leader and record followers'
 * fetches; the replica fetcher appends and truncates as follower; the scheduler shrinks the ISR. All
 * of these hold the partition's {@code lock}, so a role change never interleaves with an append or a
 * truncation of the role before it, and the ISR, the change in flight and the followers' states are
 * read and changed together. Reads of the log take no lock.
 *
 * <p>ISR changes follow KIP-497's rule: one change in flight at a time, and while its outcome is
 * unknown the high watermark counts the maximal ISR (the current one and the proposed one together),
 * since the controller may already have committed either.
 */
public final class Partition {
    private static final Logger logger = LoggerFactory.getLogger(Partition.class);

    /** The offset of a DeleteRecords request that means "the high watermark". */
    public static final long DELETE_TO_HIGH_WATERMARK = -1;

    /** {@code acks=all}. */
    public static final short ACKS_ALL = -1;

    /**
     * Negative controls only: drops the two {@code min.insync.replicas} rules of a leader (the high
     * watermark held while the ISR is below it, and acks=all writes re-checked when they complete), the
     * loss window that the chaos suite's checks must catch. Never set it on a real cluster.
     */
    static final boolean UNSAFE_SKIP_MIN_ISR_CHECK_ON_COMPLETION =
            Boolean.getBoolean("skein.unsafe.skipMinIsrCheckOnCompletion");

    private final int localBrokerId;
    private final TopicPartition topicPartition;
    private final UUID topicId;
    private final LogManager logManager;
    private final PartitionLog log;
    private final IsrChanges isrChanges;
    private final IntPredicate brokerAlive;
    private final BrokerMetrics metrics;
    /** Its topic's meters, found once: an append only adds to them. */
    private final BrokerTopicMetrics.Topic topicMetrics;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile PartitionRegistration registration;
    /** As leader: what each follower's fetches have shown of it. */
    private final Map<Integer, FollowerState> followers = new ConcurrentHashMap<>();
    /** As leader: the log end offset when this leader epoch began; -1 as follower. */
    private volatile long leaderEpochStartOffset = -1;
    /** As leader: the ISR change asked of the controller and not yet resolved, or null. */
    private volatile IsrProposal inFlightIsr;
    /** Whether the topic's leader.replication.throttled.replicas names this replica. */
    private volatile boolean leaderThrottled;
    /** Whether the topic's follower.replication.throttled.replicas names this replica. */
    private volatile boolean followerThrottled;

    /**
     * Sends ISR changes to the controller (AlterPartition). A change the controller commits reaches
     * this partition through the metadata log, which resolves it; one it refuses in a way that shows it
     * was not applied is handed back through {@link #isrChangeRefused}. Any other outcome leaves it in
     * flight until the metadata log speaks.
     */
    public interface IsrChanges {
        void propose(Partition partition, IsrProposal proposal);
    }

    /**
     * An ISR this leader asked for, from the partition state {@code basis} (its epochs). {@code brokerEpochs}
     * gives, in the same order, the broker epoch of each member added, as its fetches showed it, and -1
     * for the others (KIP-903).
     */
    public record IsrProposal(PartitionRegistration basis, List<Integer> isr, List<Long> brokerEpochs) {
    }

    /**
     * A follower as its fetches show it: its log end offset, its log start offset, the last time it
     * had everything the leader had (Kafka's rule: a fetch from the leader's log end offset at the
     * previous fetch counts), and the broker epoch it fetched in (-1 if its fetches do not say).
     * Offsets are -1 until its first fetch in this leader epoch. Times are monotonic milliseconds.
     */
    private record FollowerState(long logEndOffset, long logStartOffset, long lastCaughtUpTimeMs,
                                 long lastFetchLeaderLogEndOffset, long lastFetchTimeMs, long brokerEpoch) {
        static FollowerState unknown(long nowMs) {
            return new FollowerState(-1, -1, nowMs, -1, nowMs, -1);
        }
    }

    /** The outcome of a leader append. */
    public record LeaderAppend(long firstOffset, long lastOffset, long logStartOffset, boolean duplicate,
                               CompletableFuture<?> flushed) {
    }

    /**
     * @param logManager  cuts the log as follower, checkpointing the lowered recovery point; hears of storage errors
     * @param brokerAlive whether a broker is alive as the metadata says: registered and unfenced (a
     *                    broker shutting down is fenced at once). Only live brokers may join an ISR, as the
     *                    controller would refuse any other (KIP-841), and only their replicas hold the low
     *                    watermark back
     * @param metrics     the broker's meters of appends and ISR changes
     */
    Partition(int localBrokerId, TopicPartition topicPartition, UUID topicId, LogManager logManager, PartitionLog log,
              IsrChanges isrChanges, IntPredicate brokerAlive, BrokerMetrics metrics) {
        this.localBrokerId = localBrokerId;
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.logManager = logManager;
        this.log = log;
        this.isrChanges = isrChanges;
        this.brokerAlive = brokerAlive;
        this.metrics = metrics;
        this.topicMetrics = metrics.topics().topic(topicPartition.topic());
        throttle(log.config());
    }

    /** Takes the topic's new settings: the log's, and which replication throttles apply here. */
    void updateConfig(LogConfig config) {
        log.updateConfig(config);
        throttle(config);
    }

    private void throttle(LogConfig config) {
        leaderThrottled = ReplicationQuota.throttles(config.throttledReplicas(true), topicPartition.partition(),
                localBrokerId);
        followerThrottled = ReplicationQuota.throttles(config.throttledReplicas(false), topicPartition.partition(),
                localBrokerId);
    }

    /**
     * As leader, whether the leader's replication throttle applies to {@code follower}'s fetches: the
     * topic names this replica, and the follower is out of the ISR (Kafka throttles only those, lest the
     * ISR shrink).
     */
    boolean throttlesFetchesOf(int follower) {
        PartitionRegistration current = registration;
        return leaderThrottled && current != null && !current.isr().contains(follower);
    }

    /** Whether the leader's replication throttle counts the bytes this replica sends its followers. */
    boolean leaderThrottled() {
        return leaderThrottled;
    }

    /** Whether the follower's replication throttle applies to this replica while it is out of sync. */
    boolean followerThrottled() {
        return followerThrottled;
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

    /** The partition's state as the metadata log last stated it, null before any. */
    public PartitionRegistration registration() {
        return registration;
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
    void update(PartitionRegistration newRegistration, long nowMs) {
        lock.lock();
        try {
            PartitionRegistration old = registration;
            registration = newRegistration;
            countIsrChange(old, newRegistration);
            boolean newLeaderEpoch = old == null || old.leaderEpoch() != newRegistration.leaderEpoch();
            if (old == null || old.partitionEpoch() != newRegistration.partitionEpoch() || newLeaderEpoch) {
                inFlightIsr = null; // the controller has spoken: no change built on the old epochs can apply now
            }
            if (newRegistration.leader() == localBrokerId && newLeaderEpoch) {
                leaderEpochStartOffset = log.logEndOffset();
                log.assignEpochStartOffset(newRegistration.leaderEpoch(), leaderEpochStartOffset);
                // As Kafka: followers start out caught up, and must fall behind for replica.lag.time.max.ms to leave.
                followers.clear();
                newRegistration.replicas().stream().filter(r -> r != localBrokerId)
                        .forEach(r -> followers.put(r, FollowerState.unknown(nowMs)));
            } else if (newRegistration.leader() != localBrokerId) {
                leaderEpochStartOffset = -1;
                followers.clear();
            } else if (!old.replicas().equals(newRegistration.replicas())) {
                // A reassignment adds replicas in the same leader epoch: they start out of the ISR, as followers
                // whose position is unknown until they fetch. (Removing one bumps the epoch, as above.)
                followers.keySet().retainAll(newRegistration.replicas());
                newRegistration.replicas().stream().filter(r -> r != localBrokerId)
                        .forEach(r -> followers.putIfAbsent(r, FollowerState.unknown(nowMs)));
            }
            maybeIncrementHighWatermark();
        } finally {
            lock.unlock();
        }
    }

    /** Kafka's ISR meters: the ISR of a partition this broker leads, before and after, shrank or grew. */
    private void countIsrChange(PartitionRegistration old, PartitionRegistration updated) {
        if (old == null || old.leader() != localBrokerId || updated.leader() != localBrokerId
                || old.isr().equals(updated.isr())) {
            return;
        }
        if (!updated.isr().containsAll(old.isr())) {
            metrics.isr().shrunk();
        }
        if (!old.isr().containsAll(updated.isr())) {
            metrics.isr().expanded();
        }
    }

    /**
     * Appends a producer's batches as leader: checks leadership and the ISR against
     * {@code min.insync.replicas} for acks=all, then hands them to the log, which checks each
     * idempotent batch against its producer's state. A retried batch is not written again: the answer
     * names where it was written first, once that is as durable as its first append asked.
     *
     * @param requiredAcks 0, 1 or -1 (all)
     * @throws NotLeaderOrFollowerException if this broker does not lead the partition
     * @throws NotEnoughReplicasException   for acks=all with fewer in-sync replicas than required
     */
    public LeaderAppend appendAsLeader(ByteBuffer records, short requiredAcks) {
        return appendAsLeader(requiredAcks, leaderEpoch -> log.appendAsLeader(records, leaderEpoch));
    }

    /**
     * Appends a coordinator's records to its own partition, under the same checks as a producer's
     * acks=all append; its transactional batches carry no sequence, so the log checks their
     * producer's epoch and transaction only (Kafka's {@code AppendOrigin.COORDINATOR}).
     *
     * @throws NotLeaderOrFollowerException if this broker does not lead the partition
     * @throws NotEnoughReplicasException   with fewer in-sync replicas than required
     */
    public LeaderAppend appendAsCoordinator(ByteBuffer records) {
        return appendAsLeader(ACKS_ALL, leaderEpoch -> log.appendAsLeader(records, leaderEpoch, AppendOrigin.COORDINATOR));
    }

    /**
     * Appends the COMMIT or ABORT marker of a producer's transaction, as its coordinator asks
     * (WriteTxnMarkers), under the same checks as a producer's acks=all append: the coordinator
     * counts it written once it is below the high watermark.
     *
     * @throws NotLeaderOrFollowerException if this broker does not lead the partition
     * @throws NotEnoughReplicasException   with fewer in-sync replicas than required
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException          if the producer has moved past
     *                                                                               {@code producerEpoch}
     * @throws org.apache.kafka.common.errors.TransactionCoordinatorFencedException if a newer coordinator wrote here
     */
    public LeaderAppend appendMarkerAsLeader(long producerId, short producerEpoch, int coordinatorEpoch,
                                             boolean commit) {
        return appendAsLeader(ACKS_ALL, leaderEpoch -> log.appendMarker(producerId, producerEpoch, coordinatorEpoch,
                LogRecords.transactionResult(commit), leaderEpoch));
    }

    private LeaderAppend appendAsLeader(short requiredAcks, IntFunction<LeaderAppendResult> append) {
        lock.lock();
        try {
            PartitionRegistration current = registration;
            if (current == null || current.leader() != localBrokerId) {
                throw new NotLeaderOrFollowerException("Broker " + localBrokerId + " is not the leader of "
                        + topicPartition);
            }
            int minIsr = effectiveMinIsr(current);
            if (requiredAcks == ACKS_ALL && current.isr().size() < minIsr) {
                throw new NotEnoughReplicasException("The size of the current ISR " + current.isr()
                        + " is insufficient to satisfy the min.isr requirement of " + minIsr + " for partition "
                        + topicPartition);
            }
            // The lock keeps other appends out: the log end offset brackets this one (even if empty).
            long firstOffset = log.logEndOffset();
            LeaderAppendResult appended;
            try {
                appended = append.apply(current.leaderEpoch());
            } catch (KafkaStorageException e) {
                logManager.reportStorageError(log, e); // its directory goes offline, and leadership elsewhere
                throw e;
            }
            if (appended.duplicate()) {
                return new LeaderAppend(appended.info().firstOffset(), appended.info().lastOffset(),
                        appended.info().logStartOffset(), true, appended.flushed());
            }
            topicMetrics.appended(appended.info().recordCount(), appended.info().sizeInBytes());
            maybeIncrementHighWatermark();
            return new LeaderAppend(firstOffset, log.logEndOffset() - 1, log.logStartOffset(), false,
                    appended.flushed());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves the high watermark up to the lowest log end offset in the maximal ISR, unless the ISR is
     * below {@code min.insync.replicas}: then records on fewer disks than the topic asks must not become
     * visible to consumers (Kafka's {@code maybeIncrementLeaderHW}, KIP-966). It never moves back.
     * Call with the lock held.
     *
     * @return whether it moved
     */
    private boolean maybeIncrementHighWatermark() {
        PartitionRegistration current = registration;
        if (current == null || current.leader() != localBrokerId) {
            return false;
        }
        if (!UNSAFE_SKIP_MIN_ISR_CHECK_ON_COMPLETION && current.isr().size() < effectiveMinIsr(current)) {
            return false;
        }
        long candidate = log.logEndOffset();
        for (int member : maximalIsr(current)) {
            if (member != localBrokerId) {
                FollowerState follower = followers.get(member);
                candidate = Math.min(candidate, follower == null ? -1 : follower.logEndOffset());
            }
        }
        long before = log.highWatermark();
        return candidate > before && log.updateHighWatermark(candidate) > before;
    }

    /** {@code min.insync.replicas}, but never more than the partition has replicas, as Kafka takes it. */
    /** {@code min.insync.replicas}, capped at the replication factor as in Kafka 3.7+; 0 before any state. */
    public int effectiveMinIsr() {
        PartitionRegistration current = registration;
        return current == null ? 0 : effectiveMinIsr(current);
    }

    private int effectiveMinIsr(PartitionRegistration current) {
        return Math.min(log.config().minInSyncReplicas(), current.replicas().size());
    }

    /**
     * The ISR as the metadata states it, with the members of the change in flight: a member being added
     * may already be in the controller's ISR and electable, and one being removed still is until the
     * controller agrees (KIP-497's maximal ISR).
     */
    private List<Integer> maximalIsr(PartitionRegistration current) {
        IsrProposal proposal = inFlightIsr;
        if (proposal == null) {
            return current.isr();
        }
        Set<Integer> union = new LinkedHashSet<>(current.isr());
        union.addAll(proposal.isr());
        return List.copyOf(union);
    }

    /**
     * As leader, for an acks=all write that ends before {@code offset}: empty while the high watermark
     * is below it; then {@code NONE} if the maximal ISR still has {@code min.insync.replicas} members,
     * else {@code NOT_ENOUGH_REPLICAS_AFTER_APPEND}: the ISR shrank while the write waited, so it may
     * be on fewer disks than the topic requires (Kafka's {@code checkEnoughReplicasReachOffset}).
     *
     * @throws NotLeaderOrFollowerException if this broker no longer leads the partition
     */
    public Optional<Errors> acksAllOutcome(long offset) {
        lock.lock();
        try {
            PartitionRegistration current = registration;
            if (current == null || current.leader() != localBrokerId) {
                throw new NotLeaderOrFollowerException("Broker " + localBrokerId + " stopped leading " + topicPartition
                        + " before the write was replicated");
            }
            if (log.highWatermark() < offset) {
                return Optional.empty();
            }
            return Optional.of(UNSAFE_SKIP_MIN_ISR_CHECK_ON_COMPLETION
                    || maximalIsr(current).size() >= effectiveMinIsr(current)
                    ? Errors.NONE : Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- as leader: followers

    /**
     * As leader, for a follower fetching from {@code fetchOffset} after batches of {@code lastFetchedEpoch}:
     * where its log stops agreeing with this one, if it does. That is the largest epoch of this log not
     * above the follower's, and where it ends here; the follower must cut its log there before its fetch
     * counts towards the high watermark or the ISR (Fetch v12, as Kafka's {@code readRecords}).
     *
     * @throws OffsetOutOfRangeException if this log cannot tell where that epoch ends (it starts later),
     *                                   or {@code fetchOffset} is below the log start offset
     */
    public Optional<EpochEndOffset> divergingEpoch(int lastFetchedEpoch, long fetchOffset) {
        EpochEndOffset end = log.endOffsetForEpoch(lastFetchedEpoch);
        if (end.epoch() == LeaderEpochCache.UNDEFINED_EPOCH || end.endOffset() == LeaderEpochCache.UNDEFINED_EPOCH_OFFSET) {
            throw new OffsetOutOfRangeException("Could not determine the end offset of the last fetched epoch "
                    + lastFetchedEpoch + " of " + topicPartition);
        }
        if (fetchOffset < log.logStartOffset()) {
            throw new OffsetOutOfRangeException("Received request for offset " + fetchOffset + " of " + topicPartition
                    + ", whose log starts at " + log.logStartOffset());
        }
        return end.epoch() < lastFetchedEpoch || end.endOffset() < fetchOffset ? Optional.of(end) : Optional.empty();
    }

    /**
     * Records a follower's fetch from {@code fetchOffset} (its log end offset), made in broker epoch
     * {@code replicaEpoch} (-1: not said), which may move the high watermark and bring the follower back
     * into the ISR, and the log start offset it reported, which may move the low watermark.
     *
     * @return whether the high watermark moved
     * @throws NotLeaderOrFollowerException if {@code replicaId} is not one of this partition's followers
     */
    public boolean updateFollowerFetch(int replicaId, long replicaEpoch, long fetchOffset, long followerLogStartOffset,
                                       long nowMs) {
        lock.lock();
        try {
            FollowerState previous = followers.get(replicaId);
            if (previous == null) {
                // It would read past the high watermark: only this partition's followers may.
                throw new NotLeaderOrFollowerException("Broker " + replicaId + " is not a follower of "
                        + topicPartition + " led by broker " + localBrokerId);
            }
            long leaderEnd = log.logEndOffset();
            long caughtUp = fetchOffset >= leaderEnd ? nowMs
                    : fetchOffset >= previous.lastFetchLeaderLogEndOffset() ? previous.lastFetchTimeMs()
                    : previous.lastCaughtUpTimeMs();
            followers.put(replicaId, new FollowerState(fetchOffset, followerLogStartOffset, caughtUp, leaderEnd,
                    nowMs, replicaEpoch));
            boolean moved = maybeIncrementHighWatermark();
            maybeExpandIsr(replicaId, fetchOffset);
            return moved;
        } finally {
            lock.unlock();
        }
    }

    /**
     * As leader: the lowest log start offset among this replica and the followers on live brokers,
     * whether in the ISR or not (Kafka's {@code lowWatermarkIfLeader}). Records below it are gone from
     * every live replica; a DeleteRecords request is answered once it reaches the requested offset. A
     * follower that has not fetched in this leader epoch counts as -1.
     *
     * @throws NotLeaderOrFollowerException if this broker does not lead the partition
     */
    public long lowWatermark() {
        if (!isLeader()) {
            throw new NotLeaderOrFollowerException("Broker " + localBrokerId + " is not the leader of "
                    + topicPartition);
        }
        long lowWatermark = log.logStartOffset();
        for (Map.Entry<Integer, FollowerState> follower : followers.entrySet()) {
            if (brokerAlive.test(follower.getKey())) {
                lowWatermark = Math.min(lowWatermark, follower.getValue().logStartOffset());
            }
        }
        return lowWatermark;
    }

    /**
     * DeleteRecords as leader: raises the log start offset to {@code offset}, or to the high watermark
     * for {@link #DELETE_TO_HIGH_WATERMARK}. Followers raise theirs when their fetches show them the
     * leader's.
     *
     * @return the offset the low watermark must reach: the one asked for, or the high watermark for -1
     * @throws NotLeaderOrFollowerException if this broker does not lead the partition
     * @throws PolicyViolationException     if the topic's {@code cleanup.policy} lacks {@code delete}
     * @throws OffsetOutOfRangeException    if {@code offset} is negative (but -1) or above the high watermark
     */
    public long deleteRecordsOnLeader(long offset) {
        lock.lock();
        try {
            if (!isLeader()) {
                throw new NotLeaderOrFollowerException("Broker " + localBrokerId + " is not the leader of "
                        + topicPartition);
            }
            if (!log.config().delete()) {
                throw new PolicyViolationException("Records of partition " + topicPartition
                        + " can not be deleted due to the configured policy");
            }
            long requested = offset == DELETE_TO_HIGH_WATERMARK ? log.highWatermark() : offset;
            if (requested < 0) {
                throw new OffsetOutOfRangeException("The offset " + requested + " for partition " + topicPartition
                        + " is not valid");
            }
            log.maybeIncrementLogStartOffset(requested);
            return requested;
        } finally {
            lock.unlock();
        }
    }

    /** A follower out of the ISR that has reached the high watermark of this leader epoch joins it again. */
    private void maybeExpandIsr(int replicaId, long followerEnd) {
        PartitionRegistration current = registration;
        if (current == null || current.leader() != localBrokerId || inFlightIsr != null
                || current.isr().contains(replicaId) || !brokerAlive.test(replicaId)) {
            return;
        }
        List<LeaderEpochCache.EpochEntry> epochs = log.leaderEpochCache().entries();
        long epochStart = epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1).startOffset();
        if (followerEnd >= log.highWatermark() && followerEnd >= epochStart) {
            List<Integer> expanded = new ArrayList<>(current.isr());
            expanded.add(replicaId);
            List<Long> brokerEpochs = new ArrayList<>(Collections.nCopies(current.isr().size(), -1L));
            brokerEpochs.add(followers.get(replicaId).brokerEpoch()); // the incarnation whose fetches caught up
            propose(current, expanded, brokerEpochs);
        }
    }

    /** Followers that have not caught up for {@code maxLagMs} leave the ISR. */
    void maybeShrinkIsr(long nowMs, long maxLagMs) {
        lock.lock();
        try {
            PartitionRegistration current = registration;
            if (current == null || current.leader() != localBrokerId || inFlightIsr != null) {
                return;
            }
            List<Integer> kept = current.isr().stream().filter(member -> {
                FollowerState follower = followers.get(member);
                return member == localBrokerId
                        || (follower != null && nowMs - follower.lastCaughtUpTimeMs() <= maxLagMs);
            }).toList();
            if (kept.size() < current.isr().size()) {
                propose(current, kept, Collections.nCopies(kept.size(), -1L));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Call with the lock held. */
    private void propose(PartitionRegistration current, List<Integer> newIsr, List<Long> brokerEpochs) {
        IsrProposal proposal = new IsrProposal(current, List.copyOf(newIsr), List.copyOf(brokerEpochs));
        inFlightIsr = proposal;
        isrChanges.propose(this, proposal);
    }

    /** Whether {@code proposal} is still the ISR change in flight (identity: each proposal is one request). */
    public boolean isInFlight(IsrProposal proposal) {
        return inFlightIsr == proposal;
    }

    /**
     * The controller refused {@code proposal} and its answer shows it applied nothing (the epochs it
     * was built on are still current): the next fetch or check may propose again.
     */
    public void isrChangeRefused(IsrProposal proposal) {
        lock.lock();
        try {
            if (inFlightIsr == proposal) {
                inFlightIsr = null;
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- as follower

    /** Whether the metadata makes this replica a follower in {@code leaderEpoch}. Call with the lock held. */
    private boolean followsIn(int leaderEpoch) {
        PartitionRegistration current = registration;
        return current != null && current.leader() != localBrokerId && current.leaderEpoch() == leaderEpoch;
    }

    /**
     * Appends what the leader of {@code leaderEpoch} sent, keeping its offsets and epochs (the log learns
     * its producers); unless the role changed meanwhile.
     *
     * @return false if this replica no longer follows in that epoch: nothing was written
     */
    boolean appendAsFollower(int leaderEpoch, ByteBuffer records) {
        return changeAsFollower(leaderEpoch, () -> metrics.topics().replicatedIn(log.appendAsFollower(records)
                .sizeInBytes()));
    }

    /**
     * Cuts the log at {@code offset} as the follower of {@code leaderEpoch} (see
     * {@link PartitionLog#truncateTo}), unless the role changed meanwhile: a new leader's log must not
     * lose what it leads with.
     *
     * @return false if this replica no longer follows in that epoch: nothing was cut
     */
    boolean truncateAsFollower(int leaderEpoch, long offset) {
        return changeAsFollower(leaderEpoch, () -> {
            if (logManager.truncateTo(topicPartition, offset)) {
                logger.info("Broker {} truncated {} to offset {}", localBrokerId, topicPartition, offset);
            }
        });
    }

    /**
     * Empties the log and starts it at {@code offset}, the leader's log start, which is past this
     * replica's end; unless the role changed meanwhile.
     *
     * @return false if this replica no longer follows in that epoch
     */
    boolean truncateFullyAsFollower(int leaderEpoch, long offset) {
        return changeAsFollower(leaderEpoch, () -> {
            logManager.truncateFullyAndStartAt(topicPartition, offset);
            logger.info("Broker {} emptied {} to start at the leader's log start offset {}", localBrokerId,
                    topicPartition, offset);
        });
    }

    /** A change the replica fetcher makes to the log. */
    @FunctionalInterface
    private interface FollowerChange {
        void apply() throws IOException;
    }

    /**
     * Applies {@code change} under the lock, so that it and a leader transition of this partition
     * happen one after the other; unless the metadata no longer makes this replica a follower in
     * {@code leaderEpoch}.
     *
     * @return false if it does not: nothing was changed
     */
    private boolean changeAsFollower(int leaderEpoch, FollowerChange change) {
        lock.lock();
        try {
            if (!followsIn(leaderEpoch)) {
                return false;
            }
            change.apply();
            return true;
        } catch (IOException e) {
            logManager.reportStorageError(log, e);
            throw new KafkaStorageException("Cannot change the log of " + topicPartition + " as follower", e);
        } catch (KafkaStorageException e) {
            logManager.reportStorageError(log, e);
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /** Takes the leader's high watermark, as far as this replica has the data. */
    void updateFollowerHighWatermark(long leaderHighWatermark) {
        log.updateHighWatermark(Math.min(leaderHighWatermark, log.logEndOffset()));
    }

    /**
     * As leader, whether the high watermark has not yet reached where this leader epoch began: a new
     * leader learns its followers' progress only from their next fetches, so until then its high
     * watermark may lag the last leader's, and a client asking for the latest offset must not be
     * told one older than it was told before (Kafka answers OFFSET_NOT_AVAILABLE then).
     */
    public boolean highWatermarkLagsEpochStart() {
        long epochStart = leaderEpochStartOffset;
        return epochStart >= 0 && epochStart > log.highWatermark();
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
