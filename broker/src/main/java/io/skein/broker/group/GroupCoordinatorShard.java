package io.skein.broker.group;

import io.skein.broker.coordinator.CoordinatorResult;
import io.skein.broker.coordinator.CoordinatorShard;
import io.skein.broker.coordinator.CoordinatorTimer;
import io.skein.broker.kafka.LogRecords;
import io.skein.proto.group.GroupValue;
import io.skein.proto.group.MemberValue;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * The groups and offsets of one {@code __consumer_offsets} partition, which this broker leads, run
 * by the {@link io.skein.broker.coordinator.CoordinatorRuntime}. Their written state changes only
 * through {@link #replay} and {@link #replayEndTransactionMarker}, at load and once an operation's
 * records or a transaction's marker are written; the operations are {@link MembershipProtocol}'s
 * and {@link OffsetCommits}', which read the groups and return records. Offsets that transactions
 * write wait in {@link PendingTransactionalOffsets} for their marker.
 */
final class GroupCoordinatorShard implements CoordinatorShard, GroupRecords.Replay {
    private final Clock clock;
    private final Map<String, ClassicGroup> groups = new HashMap<>();
    private final PendingTransactionalOffsets pendingOffsets = new PendingTransactionalOffsets();
    private final MembershipProtocol membership;
    private final OffsetCommits offsets;

    /** @param topicExists whether a topic exists in this broker's latest metadata */
    GroupCoordinatorShard(GroupConfig config, Clock clock, Predicate<String> topicExists, CoordinatorTimer timer) {
        this.clock = clock;
        this.membership = new MembershipProtocol(this, config, clock, timer);
        this.offsets = new OffsetCommits(this, membership, config, clock, topicExists, timer);
    }

    MembershipProtocol membership() {
        return membership;
    }

    OffsetCommits offsets() {
        return offsets;
    }

    // ---------------------------------------------------------------- reading

    Optional<ClassicGroup> group(String groupId) {
        return Optional.ofNullable(groups.get(groupId));
    }

    Collection<ClassicGroup> groups() {
        return List.copyOf(groups.values());
    }

    /** The offsets of transactions not yet ended. */
    PendingTransactionalOffsets pendingOffsets() {
        return pendingOffsets;
    }

    /**
     * The group a JoinGroup names, created if new: a group is born in memory with its first member
     * and written when its first generation is.
     */
    ClassicGroup getOrCreateGroup(String groupId) {
        return groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, clock.millis()));
    }

    // ---------------------------------------------------------------- the shard's life

    @Override
    public CoordinatorResult<Void> onLoaded() {
        groups.values().forEach(group -> group.members().forEach(m -> membership.scheduleSessionExpiry(group, m)));
        return offsets.onLoaded();
    }

    /** Parked requests learn NOT_COORDINATOR; the groups are Dead to whoever still holds one. */
    @Override
    public void onUnloaded() {
        for (ClassicGroup group : groups.values()) {
            group.members().forEach(member -> MembershipProtocol.failParked(member, Errors.NOT_COORDINATOR));
            group.transitionTo(GroupState.DEAD, clock.millis());
        }
        groups.clear();
    }

    // ---------------------------------------------------------------- replay: what each record means

    @Override
    public void replay(long offset, long producerId, ByteBuffer key, ByteBuffer value) {
        GroupRecords.replay(offset, producerId, key, value, this);
    }

    /**
     * A committed offset, or a transaction's, pending until its marker; the first makes the group (a
     * client may commit without joining), as in Kafka.
     */
    @Override
    public void offset(String groupId, TopicPartition tp, CommittedOffset offset, long producerId) {
        ClassicGroup group = groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, clock.millis()));
        if (producerId == LogRecords.NO_PRODUCER_ID) {
            group.putOffset(tp, offset);
        } else {
            pendingOffsets.add(producerId, groupId, tp, offset);
        }
    }

    /** The offset goes, and so does any that an open transaction wrote for the partition (Kafka's rule). */
    @Override
    public void offsetRemoved(String groupId, TopicPartition tp) {
        group(groupId).ifPresent(group -> group.removeOffset(tp));
        pendingOffsets.remove(groupId, tp);
    }

    /**
     * The end of a transaction: a COMMIT makes its offsets the groups', each unless a commit written
     * after it replaced it (the later record counts, as compaction would leave it); an ABORT drops them.
     */
    @Override
    public void replayEndTransactionMarker(long producerId, boolean commit) {
        Map<String, Map<TopicPartition, CommittedOffset>> ended = pendingOffsets.end(producerId);
        if (!commit) {
            return;
        }
        ended.forEach((groupId, offsets) -> {
            ClassicGroup group = groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, clock.millis()));
            offsets.forEach((tp, offset) -> {
                CommittedOffset current = group.offsets().get(tp);
                if (current == null || offset.recordOffset() > current.recordOffset()) {
                    group.putOffset(tp, offset);
                }
            });
        });
    }

    /**
     * A generation of the group. A group in a rebalance awaiting this very generation's assignment
     * gets it and is Stable; a group in another rebalance is leaving the generation the record
     * describes, and that rebalance writes the next. Otherwise (a load, a static member's new id,
     * an empty generation) the group becomes what the record says, Stable or Empty, keeping its
     * offsets, pending members and the members it knows, with what they said in their JoinGroup.
     */
    @Override
    public void group(String groupId, GroupValue value) {
        ClassicGroup current = groups.get(groupId);
        if (current != null && current.isRebalancing()) {
            if (current.is(GroupState.COMPLETING_REBALANCE) && current.generationId() == value.getGeneration()) {
                Map<String, byte[]> assignments = new HashMap<>();
                value.getMembersList().forEach(m -> assignments.put(m.getMemberId(), m.getAssignment().toByteArray()));
                current.completeRebalance(assignments, value.getStateTimestamp());
            }
            return;
        }
        ClassicGroup group = new ClassicGroup(groupId,
                value.getMembersCount() == 0 ? GroupState.EMPTY : GroupState.STABLE, value.getStateTimestamp(),
                value.getGeneration(), emptyToNull(value.getProtocolType()), emptyToNull(value.getProtocol()));
        for (MemberValue m : value.getMembersList()) {
            Member member = Optional.ofNullable(current).flatMap(c -> c.member(m.getMemberId()))
                    .orElseGet(() -> new Member(m.getMemberId(), m.hasGroupInstanceId() ? m.getGroupInstanceId() : null,
                            m.getClientId(), m.getClientHost(), m.getRebalanceTimeoutMs(), m.getSessionTimeoutMs(),
                            List.of(new Member.Protocol(group.protocolName(), m.getSubscription().toByteArray()))));
            member.assign(m.getAssignment().toByteArray());
            group.add(member, group.protocolType());
        }
        group.electLeader(emptyToNull(value.getLeader()));
        if (current != null) {
            group.inherit(current);
            current.transitionTo(GroupState.DEAD, clock.millis());
        }
        groups.put(groupId, group);
    }

    /**
     * The group is deleted: it goes, unless it has offsets (committed meanwhile: they stay, in an
     * Empty group) or a rebalance in progress, which writes the group again.
     */
    @Override
    public void groupRemoved(String groupId) {
        ClassicGroup removed = groups.get(groupId);
        if (removed == null || removed.isRebalancing()) {
            return;
        }
        groups.remove(groupId);
        removed.transitionTo(GroupState.DEAD, clock.millis());
        if (!removed.offsets().isEmpty()) {
            ClassicGroup offsetsOnly = new ClassicGroup(groupId, clock.millis());
            removed.offsets().forEach(offsetsOnly::putOffset);
            groups.put(groupId, offsetsOnly);
        }
    }

    private static String emptyToNull(String value) {
        return value.isEmpty() ? null : value;
    }
}
