package io.skein.broker.group;

import java.util.Collection;
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
 * committed offsets. Confined to its coordinator shard's thread; the shard runs the protocol on it.
 */
final class ClassicGroup {
    final String groupId;
    private GroupState state = GroupState.EMPTY;
    private long stateTimestamp;
    int generationId;
    String protocolType;
    String protocolName;
    String leaderId;
    private final Map<String, Member> members = new LinkedHashMap<>();
    /** Members told MEMBER_ID_REQUIRED, expected back with their new id. */
    final Set<String> pendingMembers = new HashSet<>();
    private final Map<String, String> staticMembers = new HashMap<>();
    final Map<TopicPartition, CommittedOffset> offsets = new HashMap<>();
    /** Whether the first rebalance of an empty group is waiting out group.initial.rebalance.delay.ms: only its timer ends it. */
    boolean initialJoinDelayed;
    /** Whether a member joined since that delay last started, so that it waits again. */
    boolean newMemberAdded;

    ClassicGroup(String groupId, long now) {
        this.groupId = groupId;
        this.stateTimestamp = now;
    }

    GroupState state() {
        return state;
    }

    boolean is(GroupState candidate) {
        return state == candidate;
    }

    /** When the group entered its state: an empty group's offsets expire counting from here. */
    long stateTimestamp() {
        return stateTimestamp;
    }

    void transitionTo(GroupState newState, long now) {
        state = newState;
        stateTimestamp = now;
    }

    /** Sets what a loaded record says, without the protocol's checks. */
    void restore(GroupState loadedState, long loadedTimestamp) {
        state = loadedState;
        stateTimestamp = loadedTimestamp;
    }

    Collection<Member> members() {
        return members.values();
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

    boolean isLeader(String memberId) {
        return memberId.equals(leaderId);
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
        members.put(member.memberId, member);
        if (member.isStatic()) {
            staticMembers.put(member.groupInstanceId, member.memberId);
        }
        if (leaderId == null) {
            leaderId = member.memberId;
        }
    }

    void remove(String memberId) {
        Member removed = members.remove(memberId);
        if (removed != null && removed.isStatic()) {
            staticMembers.remove(removed.groupInstanceId, memberId);
        }
        if (memberId.equals(leaderId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
    }

    /** Puts {@code replacement} (same instance id, new member id) in the place of the member it replaces. */
    void replaceStatic(String oldMemberId, Member replacement) {
        boolean wasLeader = oldMemberId.equals(leaderId);
        members.remove(oldMemberId);
        members.put(replacement.memberId, replacement);
        staticMembers.put(replacement.groupInstanceId, replacement.memberId);
        if (wasLeader) {
            leaderId = replacement.memberId;
        }
    }

    boolean hasAllMembersJoined() {
        return members.values().stream().allMatch(Member::isAwaitingJoin) && pendingMembers.isEmpty();
    }

    List<Member> notYetRejoined() {
        return members.values().stream().filter(m -> !m.isAwaitingJoin()).toList();
    }

    /** The longest rebalance timeout of any member: how long a rebalance waits for all to rejoin. */
    int rebalanceTimeoutMs() {
        return members.values().stream().mapToInt(m -> m.rebalanceTimeoutMs).max().orElse(0);
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
        return members.values().stream().allMatch(m -> m.find(protocol).isPresent());
    }

    /** The protocol for the next generation: among those all members support, the one most prefer. */
    String selectProtocol() {
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (Member member : members.values()) {
            member.protocols.stream().map(Member.Protocol::name).filter(this::supportedByAll).findFirst()
                    .ifPresent(choice -> votes.merge(choice, 1, Integer::sum));
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElseThrow(() -> new IllegalStateException("Members of " + groupId + " share no protocol"));
    }

    /** Starts the next generation of the members that rejoined: a new id, protocol and leader. */
    void initNextGeneration(long now) {
        generationId++;
        if (members.isEmpty()) {
            protocolName = null;
            transitionTo(GroupState.EMPTY, now);
        } else {
            protocolName = selectProtocol();
            transitionTo(GroupState.COMPLETING_REBALANCE, now);
        }
    }

    /** Whether the group uses the consumer protocol, whose subscriptions say which offsets are in use. */
    boolean usesConsumerProtocol() {
        return "consumer".equals(protocolType);
    }
}
