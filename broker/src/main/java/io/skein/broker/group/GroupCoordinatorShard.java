package io.skein.broker.group;

import io.skein.broker.coordinator.CoordinatorResult;
import io.skein.broker.coordinator.CoordinatorShard;
import io.skein.broker.coordinator.CoordinatorTimer;
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
 * through {@link #replay}, at load and once an operation's records are written; the operations are
 * {@link MembershipProtocol}'s and {@link OffsetCommits}', which read the groups and return records.
 */
final class GroupCoordinatorShard implements CoordinatorShard, GroupRecords.Replay {
    private final Clock clock;
    private final Map<String, ClassicGroup> groups = new HashMap<>();
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
    public void replay(ByteBuffer key, ByteBuffer value) {
        GroupRecords.replay(key, value, this);
    }

    /** A committed offset; the first makes the group (a client may commit without joining). */
    @Override
    public void offset(String groupId, TopicPartition tp, CommittedOffset offset) {
        groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, clock.millis())).putOffset(tp, offset);
    }

    @Override
    public void offsetRemoved(String groupId, TopicPartition tp) {
        group(groupId).ifPresent(group -> group.removeOffset(tp));
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
