package io.skein.broker.group;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * A group of the classic protocol: its members, generation and chosen protocol, its state, and its
 * committed offsets. Confined to its coordinator shard's thread. What the records say (the
 * generation written last, the offsets) changes only by the shard's replay; the rebalance in
 * progress, which Kafka never writes, is changed by {@link MembershipProtocol}.
 */
final class ClassicGroup {
    private final String groupId;
    private GroupState state;
    private long stateTimestamp;
    private int generationId;
    private String protocolType;
    private String protocolName;
    private String leaderId;
    private final Map<String, Member> members = new LinkedHashMap<>();
    /** Members told MEMBER_ID_REQUIRED, expected back with their new id. */
    private final Set<String> pendingMembers = new HashSet<>();
    private final Map<String, String> staticMembers = new HashMap<>();
    private final Map<TopicPartition, CommittedOffset> offsets = new HashMap<>();
    /** Whether the first rebalance of an empty group is waiting out group.initial.rebalance.delay.ms: only its timer ends it. */
    private boolean initialJoinDelayed;
    /** Whether a member joined since that delay last started, so that it waits again. */
    private boolean newMemberAdded;

    /** A group with no generation yet: Empty. */
    ClassicGroup(String groupId, long now) {
        this(groupId, GroupState.EMPTY, now, 0, null, null);
    }

    /** A generation as written: Stable once members are added to it, Empty without. */
    ClassicGroup(String groupId, GroupState state, long stateTimestamp, int generationId, String protocolType,
                 String protocolName) {
        this.groupId = groupId;
        this.state = state;
        this.stateTimestamp = stateTimestamp;
        this.generationId = generationId;
        this.protocolType = protocolType;
        this.protocolName = protocolName;
    }

    String groupId() {
        return groupId;
    }

    GroupState state() {
        return state;
    }

    boolean is(GroupState candidate) {
        return state == candidate;
    }

    /** Whether a rebalance is in progress: members are (re)joining, or waiting for the leader's assignment. */
    boolean isRebalancing() {
        return state == GroupState.PREPARING_REBALANCE || state == GroupState.COMPLETING_REBALANCE;
    }

    /** When the group entered its state: an empty group's offsets expire counting from here. */
    long stateTimestamp() {
        return stateTimestamp;
    }

    /** @throws IllegalStateException if Kafka's state machine does not go from the current state to {@code newState} */
    void transitionTo(GroupState newState, long now) {
        if (!newState.canFollow(state)) {
            throw new IllegalStateException("Group " + groupId + " cannot go from " + state.kafkaName() + " to "
                    + newState.kafkaName());
        }
        state = newState;
        stateTimestamp = now;
    }

    int generationId() {
        return generationId;
    }

    /** The protocol type of the members ("consumer", "connect"...), or null before the first member. */
    String protocolType() {
        return protocolType;
    }

    /** The protocol (assignor) chosen for the current generation, or null without one. */
    String protocolName() {
        return protocolName;
    }

    /** The leader's member id, or null without members. */
    String leaderId() {
        return leaderId;
    }

    boolean isLeader(String memberId) {
        return memberId.equals(leaderId);
    }

    Collection<Member> members() {
        return Collections.unmodifiableCollection(members.values());
    }

    Optional<Member> member(String memberId) {
        return Optional.ofNullable(members.get(memberId));
    }

    boolean hasMember(String memberId) {
        return members.containsKey(memberId);
    }

    int size() {
        return members.size();
    }

    /** The member id a static member's instance id currently has, if any. */
    Optional<String> staticMemberId(String groupInstanceId) {
        return Optional.ofNullable(staticMembers.get(groupInstanceId));
    }

    /** Adds a member; the first member of an empty group sets the group's protocol type. */
    void add(Member member, String memberProtocolType) {
        if (members.isEmpty()) {
            protocolType = memberProtocolType;
        }
        members.put(member.memberId(), member);
        if (member.isStatic()) {
            staticMembers.put(member.groupInstanceId(), member.memberId());
        }
        if (leaderId == null) {
            leaderId = member.memberId();
        }
        if (initialJoinDelayed) {
            newMemberAdded = true;
        }
    }

    /** Makes {@code memberId} the leader, as a written generation names it. */
    void electLeader(String memberId) {
        leaderId = memberId;
    }

    void remove(String memberId) {
        Member removed = members.remove(memberId);
        if (removed != null && removed.isStatic()) {
            staticMembers.remove(removed.groupInstanceId(), memberId);
        }
        if (memberId.equals(leaderId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
    }

    /** Puts {@code replacement} (same instance id, new member id) in the place of the member it replaces. */
    void replaceStatic(String oldMemberId, Member replacement) {
        boolean wasLeader = oldMemberId.equals(leaderId);
        members.remove(oldMemberId);
        members.put(replacement.memberId(), replacement);
        staticMembers.put(replacement.groupInstanceId(), replacement.memberId());
        if (wasLeader) {
            leaderId = replacement.memberId();
        }
    }

    void addPendingMember(String memberId) {
        pendingMembers.add(memberId);
    }

    /** Whether {@code memberId} was pending; it is not any more. */
    boolean removePendingMember(String memberId) {
        return pendingMembers.remove(memberId);
    }

    int pendingMemberCount() {
        return pendingMembers.size();
    }

    boolean hasAllMembersJoined() {
        return members.values().stream().allMatch(Member::isAwaitingJoin) && pendingMembers.isEmpty();
    }

    List<Member> notYetRejoined() {
        return members.values().stream().filter(m -> !m.isAwaitingJoin()).toList();
    }

    /** The longest rebalance timeout of any member: how long a rebalance waits for all to rejoin. */
    int rebalanceTimeoutMs() {
        return members.values().stream().mapToInt(Member::rebalanceTimeoutMs).max().orElse(0);
    }

    /** Starts group.initial.rebalance.delay.ms: while it lasts, only its timer ends the join phase. */
    void startInitialJoinDelay() {
        initialJoinDelayed = true;
        newMemberAdded = false;
    }

    boolean isInitialJoinDelayed() {
        return initialJoinDelayed;
    }

    /** Whether a member joined since the delay last (re)started; the delay starts over. */
    boolean restartInitialJoinDelay() {
        boolean added = newMemberAdded;
        newMemberAdded = false;
        return added;
    }

    /** Whether a member with these protocols could join: same protocol type, and a protocol every member shares. */
    boolean supportsProtocols(String memberProtocolType, List<Member.Protocol> memberProtocols) {
        if (members.isEmpty()) {
            return !memberProtocolType.isEmpty() && !memberProtocols.isEmpty();
        }
        return memberProtocolType.equals(protocolType)
                && memberProtocols.stream().anyMatch(p -> supportedByAll(p.name()));
    }

    private boolean supportedByAll(String protocol) {
        return supportedByAll(members.values(), protocol);
    }

    private static boolean supportedByAll(Collection<Member> candidates, String protocol) {
        return candidates.stream().allMatch(m -> m.find(protocol).isPresent());
    }

    /** The protocol for the next generation: among those all members support, the one most prefer. */
    String selectProtocol() {
        return selectProtocol(members.values());
    }

    /** The protocol the group would select with {@code replacement} in the place of {@code oldMemberId}. */
    String selectProtocol(String oldMemberId, Member replacement) {
        return selectProtocol(members.values().stream()
                .map(m -> m.memberId().equals(oldMemberId) ? replacement : m).toList());
    }

    private String selectProtocol(Collection<Member> candidates) {
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (Member member : candidates) {
            member.protocols().stream().map(Member.Protocol::name).filter(p -> supportedByAll(candidates, p))
                    .findFirst().ifPresent(choice -> votes.merge(choice, 1, Integer::sum));
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElseThrow(() -> new IllegalStateException("Members of " + groupId + " share no protocol"));
    }

    /** Ends the join phase: the members that rejoined start the next generation, with a protocol and leader. */
    void initNextGeneration(long now) {
        initialJoinDelayed = false;
        generationId++;
        if (members.isEmpty()) {
            protocolName = null;
            transitionTo(GroupState.EMPTY, now);
        } else {
            protocolName = selectProtocol();
            transitionTo(GroupState.COMPLETING_REBALANCE, now);
        }
    }

    /** The leader's assignment is written: every member gets its part, and the group is Stable. */
    void completeRebalance(Map<String, byte[]> assignments, long now) {
        members.values().forEach(m -> m.assign(assignments.getOrDefault(m.memberId(), Member.NO_ASSIGNMENT)));
        transitionTo(GroupState.STABLE, now);
    }

    /** Whether the group uses the consumer protocol, whose subscriptions say which offsets are in use. */
    boolean usesConsumerProtocol() {
        return "consumer".equals(protocolType);
    }

    // ---------------------------------------------------------------- offsets

    Map<TopicPartition, CommittedOffset> offsets() {
        return Collections.unmodifiableMap(offsets);
    }

    void putOffset(TopicPartition partition, CommittedOffset offset) {
        offsets.put(partition, offset);
    }

    void removeOffset(TopicPartition partition) {
        offsets.remove(partition);
    }

    /** Takes what {@code previous}, the group this one replaces, keeps beyond its generation: offsets and pending members. */
    void inherit(ClassicGroup previous) {
        offsets.putAll(previous.offsets);
        pendingMembers.addAll(previous.pendingMembers);
    }
}
