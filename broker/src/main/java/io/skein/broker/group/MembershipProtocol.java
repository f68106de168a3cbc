package io.skein.broker.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic group membership protocol on one shard's groups: JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup and session expiry, with the rebalance they drive (Kafka's rules, KIP-345 static
 * members included). Runs on the shard's thread only.
 */
final class MembershipProtocol {
    private static final Logger log = LoggerFactory.getLogger(MembershipProtocol.class);
    private static final String UNKNOWN_MEMBER_ID = "";

    private final GroupCoordinatorShard shard;

    MembershipProtocol(GroupCoordinatorShard shard) {
        this.shard = shard;
    }

    /** What a JoinGroup came with beyond its body. */
    record JoinContext(short version, String clientId, String clientHost) {
        /** JoinGroup v4+ without an instance id gets MEMBER_ID_REQUIRED first (KIP-394). */
        boolean requiresKnownMemberId(JoinGroupRequestData request) {
            return version >= 4 && request.groupInstanceId() == null;
        }
    }

    static JoinGroupResponseData joinError(String memberId, Errors error) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setMemberId(memberId).setGenerationId(-1)
                .setLeader("").setProtocolName(null);
    }

    // ---------------------------------------------------------------- JoinGroup

    CompletableFuture<JoinGroupResponseData> join(JoinContext context, JoinGroupRequestData request) {
        String memberId = request.memberId();
        if (request.sessionTimeoutMs() < shard.config.minSessionTimeoutMs()
                || request.sessionTimeoutMs() > shard.config.maxSessionTimeoutMs()) {
            return done(joinError(memberId, Errors.INVALID_SESSION_TIMEOUT));
        }
        Optional<ClassicGroup> existing = shard.group(request.groupId());
        if (existing.isEmpty() && !memberId.equals(UNKNOWN_MEMBER_ID)) {
            return done(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
        }
        ClassicGroup group = existing.orElseGet(() -> shard.getOrCreateGroup(request.groupId()));
        List<Member.Protocol> protocols = new ArrayList<>();
        request.protocols().forEach(p -> protocols.add(new Member.Protocol(p.name(), p.metadata())));
        if (group.is(GroupState.DEAD)) {
            return done(joinError(memberId, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        if (!group.supportsProtocols(request.protocolType(), protocols)) {
            return done(joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
        }
        int rebalanceTimeoutMs = request.rebalanceTimeoutMs() < 0 ? request.sessionTimeoutMs() : request.rebalanceTimeoutMs();
        return memberId.equals(UNKNOWN_MEMBER_ID)
                ? joinUnknownMember(context, request, group, protocols, rebalanceTimeoutMs)
                : joinKnownMember(context, request, group, protocols, rebalanceTimeoutMs);
    }

    private CompletableFuture<JoinGroupResponseData> joinUnknownMember(JoinContext context, JoinGroupRequestData request,
            ClassicGroup group, List<Member.Protocol> protocols, int rebalanceTimeoutMs) {
        String instanceId = request.groupInstanceId();
        Optional<String> staticMemberId = instanceId == null ? Optional.empty() : group.staticMemberId(instanceId);
        if (staticMemberId.isEmpty() && group.size() + group.pendingMembers.size() >= shard.config.maxSize()) {
            return done(joinError(UNKNOWN_MEMBER_ID, Errors.GROUP_MAX_SIZE_REACHED));
        }
        String newMemberId = (instanceId != null ? instanceId : context.clientId()) + "-" + UUID.randomUUID();
        if (staticMemberId.isPresent()) {
            return replaceStaticMember(group, staticMemberId.get(), newMemberId, protocols, rebalanceTimeoutMs,
                    request.sessionTimeoutMs());
        }
        if (context.requiresKnownMemberId(request)) {
            group.pendingMembers.add(newMemberId);
            shard.schedule(pendingKey(group, newMemberId), request.sessionTimeoutMs(), () -> {
                if (group.pendingMembers.remove(newMemberId) && group.is(GroupState.PREPARING_REBALANCE)) {
                    tryCompleteJoin(group);
                }
            });
            return done(joinError(newMemberId, Errors.MEMBER_ID_REQUIRED));
        }
        Member member = new Member(newMemberId, instanceId, context.clientId(), context.clientHost(), rebalanceTimeoutMs,
                request.sessionTimeoutMs(), protocols);
        return addMemberAndRebalance(group, member, request.protocolType(), "new member " + newMemberId + " joined");
    }

    private CompletableFuture<JoinGroupResponseData> joinKnownMember(JoinContext context, JoinGroupRequestData request,
            ClassicGroup group, List<Member.Protocol> protocols, int rebalanceTimeoutMs) {
        String memberId = request.memberId();
        if (group.pendingMembers.remove(memberId)) {
            shard.cancel(pendingKey(group, memberId));
            Member member = new Member(memberId, null, context.clientId(), context.clientHost(), rebalanceTimeoutMs,
                    request.sessionTimeoutMs(), protocols);
            return addMemberAndRebalance(group, member, request.protocolType(),
                    "pending member " + memberId + " joined");
        }
        Errors invalid = validateMember(group, memberId, request.groupInstanceId());
        if (invalid != Errors.NONE) {
            return done(joinError(memberId, invalid));
        }
        Member member = group.member(memberId).orElseThrow();
        switch (group.state()) {
            case PREPARING_REBALANCE:
                return updateMemberAndRebalance(group, member, protocols, rebalanceTimeoutMs, request.sessionTimeoutMs(),
                        "member " + memberId + " rejoined");
            case COMPLETING_REBALANCE:
                if (member.sameProtocols(protocols)) {
                    // A retried JoinGroup: the member missed its response. Answer with this generation.
                    return done(joinResponse(group, member));
                }
                return updateMemberAndRebalance(group, member, protocols, rebalanceTimeoutMs, request.sessionTimeoutMs(),
                        "member " + memberId + " changed its protocols");
            case STABLE:
                if (group.isLeader(memberId) || !member.sameProtocols(protocols)) {
                    return updateMemberAndRebalance(group, member, protocols, rebalanceTimeoutMs,
                            request.sessionTimeoutMs(), "leader or changed member " + memberId + " rejoined");
                }
                return done(joinResponse(group, member));
            default:
                return done(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
        }
    }

    /** UNKNOWN_MEMBER_ID if there is no such group, else what {@link #validateMember} says. */
    private Errors memberError(String groupId, String memberId, String instanceId) {
        return shard.group(groupId).map(group -> validateMember(group, memberId, instanceId))
                .orElse(Errors.UNKNOWN_MEMBER_ID);
    }

    /** Whether {@code memberId} (with {@code instanceId}, if static) is a current member. */
    static Errors validateMember(ClassicGroup group, String memberId, String instanceId) {
        if (instanceId != null) {
            Optional<String> current = group.staticMemberId(instanceId);
            if (current.isPresent() && !current.get().equals(memberId)) {
                return Errors.FENCED_INSTANCE_ID;
            }
        }
        return group.hasMember(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }

    private CompletableFuture<JoinGroupResponseData> addMemberAndRebalance(ClassicGroup group, Member member,
                                                                           String protocolType, String reason) {
        CompletableFuture<JoinGroupResponseData> response = new CompletableFuture<>();
        member.awaitingJoin = response;
        group.add(member, protocolType);
        if (group.initialJoinDelayed) {
            group.newMemberAdded = true;
        }
        scheduleSessionExpiry(group, member);
        maybePrepareRebalance(group, reason);
        return response;
    }

    private CompletableFuture<JoinGroupResponseData> updateMemberAndRebalance(ClassicGroup group, Member member,
            List<Member.Protocol> protocols, int rebalanceTimeoutMs, int sessionTimeoutMs, String reason) {
        CompletableFuture<JoinGroupResponseData> response = new CompletableFuture<>();
        if (member.awaitingJoin != null) {
            // A retry while the first JoinGroup is parked: the first gets no answer Kafka would give; end it.
            member.awaitingJoin.complete(joinError(member.memberId, Errors.REBALANCE_IN_PROGRESS));
        }
        member.protocols = List.copyOf(protocols);
        member.rebalanceTimeoutMs = rebalanceTimeoutMs;
        member.sessionTimeoutMs = sessionTimeoutMs;
        member.awaitingJoin = response;
        scheduleSessionExpiry(group, member);
        maybePrepareRebalance(group, reason);
        return response;
    }

    /** A static member returned without its member id: it takes the place (and assignment) of its old self. */
    private CompletableFuture<JoinGroupResponseData> replaceStaticMember(ClassicGroup group, String oldMemberId,
            String newMemberId, List<Member.Protocol> protocols, int rebalanceTimeoutMs, int sessionTimeoutMs) {
        Member old = group.member(oldMemberId).orElseThrow();
        failParked(old, Errors.FENCED_INSTANCE_ID);
        shard.cancel(sessionKey(group, oldMemberId));
        Member replacement = old.withMemberId(newMemberId);
        group.replaceStatic(oldMemberId, replacement);
        replacement.protocols = List.copyOf(protocols);
        replacement.rebalanceTimeoutMs = rebalanceTimeoutMs;
        replacement.sessionTimeoutMs = sessionTimeoutMs;
        scheduleSessionExpiry(group, replacement);
        CompletableFuture<JoinGroupResponseData> response = new CompletableFuture<>();
        if (group.is(GroupState.STABLE) && group.selectProtocol().equals(group.protocolName)) {
            // The group would choose the same protocol: no rebalance (KIP-345), only the new id is written.
            shard.writeGroup(group, Map.of()).thenAccept(error -> {
                if (error != Errors.NONE) { // as if it had not come back: the old member, its session running again
                    shard.cancel(sessionKey(group, newMemberId));
                    group.replaceStatic(newMemberId, old);
                    scheduleSessionExpiry(group, old);
                    response.complete(joinError(UNKNOWN_MEMBER_ID, error));
                    return;
                }
                JoinGroupResponseData joined = joinResponse(group, replacement);
                response.complete(joined.setSkipAssignment(group.isLeader(newMemberId)));
            });
            return response;
        }
        replacement.awaitingJoin = response;
        if (!group.is(GroupState.PREPARING_REBALANCE)) {
            maybePrepareRebalance(group, "static member " + replacement.groupInstanceId + " rejoined");
        } else {
            tryCompleteJoin(group);
        }
        return response;
    }

    // ---------------------------------------------------------------- rebalance

    private void maybePrepareRebalance(ClassicGroup group, String reason) {
        if (group.is(GroupState.PREPARING_REBALANCE)) {
            tryCompleteJoin(group);
            return;
        }
        if (group.is(GroupState.STABLE) || group.is(GroupState.COMPLETING_REBALANCE) || group.is(GroupState.EMPTY)) {
            prepareRebalance(group, reason);
        }
    }

    private void prepareRebalance(ClassicGroup group, String reason) {
        if (group.is(GroupState.COMPLETING_REBALANCE)) {
            group.members().forEach(m -> completeSync(m, syncError(Errors.REBALANCE_IN_PROGRESS)));
        }
        boolean wasEmpty = group.is(GroupState.EMPTY);
        group.transitionTo(GroupState.PREPARING_REBALANCE, shard.clock.millis());
        log.info("Preparing to rebalance group {} in generation {}: {}", group.groupId, group.generationId, reason);
        if (wasEmpty && shard.config.initialRebalanceDelayMs() > 0) {
            group.initialJoinDelayed = true;
            group.newMemberAdded = false;
            scheduleInitialJoin(group, shard.config.initialRebalanceDelayMs(),
                    Math.max(0, group.rebalanceTimeoutMs() - shard.config.initialRebalanceDelayMs()));
        } else {
            shard.schedule(joinKey(group), group.rebalanceTimeoutMs(), () -> completeJoin(group));
            tryCompleteJoin(group);
        }
    }

    /** The first rebalance of an empty group waits while members keep arriving, up to the rebalance timeout. */
    private void scheduleInitialJoin(ClassicGroup group, int delayMs, int remainingMs) {
        shard.schedule(joinKey(group), delayMs, () -> {
            if (group.newMemberAdded && remainingMs > 0) {
                group.newMemberAdded = false;
                int next = Math.min(shard.config.initialRebalanceDelayMs(), remainingMs);
                scheduleInitialJoin(group, next, remainingMs - next);
            } else {
                completeJoin(group);
            }
        });
    }

    private void tryCompleteJoin(ClassicGroup group) {
        if (group.is(GroupState.PREPARING_REBALANCE) && !group.initialJoinDelayed && group.hasAllMembersJoined()) {
            completeJoin(group);
        }
    }

    /** Ends the join phase: members that did not rejoin leave, and the rest start the next generation. */
    private void completeJoin(ClassicGroup group) {
        if (!group.is(GroupState.PREPARING_REBALANCE)) {
            return;
        }
        shard.cancel(joinKey(group));
        group.initialJoinDelayed = false;
        for (Member missing : group.notYetRejoined()) {
            if (!missing.isStatic()) {
                log.info("Member {} of group {} did not rejoin in time and leaves it", missing.memberId, group.groupId);
                removeMember(group, missing);
            }
        }
        group.initNextGeneration(shard.clock.millis());
        if (group.is(GroupState.EMPTY)) {
            shard.writeGroup(group, Map.of()).thenAccept(error -> {
                if (error != Errors.NONE) {
                    log.warn("Cannot write the empty generation {} of group {}: {}", group.generationId, group.groupId, error);
                }
            });
            return;
        }
        log.info("Group {} starts generation {} with {} members (protocol {})", group.groupId, group.generationId,
                group.size(), group.protocolName);
        for (Member member : group.members()) {
            if (member.awaitingJoin != null) {
                CompletableFuture<JoinGroupResponseData> parked = member.awaitingJoin;
                member.awaitingJoin = null;
                parked.complete(joinResponse(group, member));
                scheduleSessionExpiry(group, member);
            }
        }
    }

    /** This generation's JoinGroup answer for {@code member}: the leader also gets every member's metadata. */
    private static JoinGroupResponseData joinResponse(ClassicGroup group, Member member) {
        JoinGroupResponseData response = new JoinGroupResponseData().setErrorCode(Errors.NONE.code())
                .setGenerationId(group.generationId).setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName).setLeader(group.leaderId).setMemberId(member.memberId);
        if (group.isLeader(member.memberId)) {
            for (Member m : group.members()) {
                response.members().add(new JoinGroupResponseData.JoinGroupResponseMember().setMemberId(m.memberId)
                        .setGroupInstanceId(m.groupInstanceId).setMetadata(m.metadata(group.protocolName)));
            }
        }
        return response;
    }

    // ---------------------------------------------------------------- SyncGroup

    static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(Member.NO_ASSIGNMENT);
    }

    CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData request) {
        Errors invalid = memberError(request.groupId(), request.memberId(), request.groupInstanceId());
        if (invalid != Errors.NONE) {
            return done(syncError(invalid));
        }
        ClassicGroup group = shard.group(request.groupId()).orElseThrow();
        if (request.generationId() != group.generationId) {
            return done(syncError(Errors.ILLEGAL_GENERATION));
        }
        if ((request.protocolType() != null && !request.protocolType().equals(group.protocolType))
                || (request.protocolName() != null && !request.protocolName().equals(group.protocolName))) {
            return done(syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
        }
        Member member = group.member(request.memberId()).orElseThrow();
        switch (group.state()) {
            case PREPARING_REBALANCE:
                return done(syncError(Errors.REBALANCE_IN_PROGRESS));
            case COMPLETING_REBALANCE: {
                CompletableFuture<SyncGroupResponseData> response = new CompletableFuture<>();
                member.awaitingSync = response;
                scheduleSessionExpiry(group, member);
                if (group.isLeader(member.memberId)) {
                    Map<String, byte[]> assignments = new HashMap<>();
                    request.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
                    storeAssignments(group, assignments);
                }
                return response;
            }
            case STABLE:
                scheduleSessionExpiry(group, member);
                return done(syncResponse(group, member));
            default:
                return done(syncError(Errors.UNKNOWN_MEMBER_ID));
        }
    }

    /** Writes the leader's assignment; once written, every member that synced gets its part. */
    private void storeAssignments(ClassicGroup group, Map<String, byte[]> assignments) {
        int generation = group.generationId;
        shard.writeGroup(group, assignments).thenAccept(error -> {
            if (!group.is(GroupState.COMPLETING_REBALANCE) || group.generationId != generation) {
                return;
            }
            if (error != Errors.NONE) {
                group.members().forEach(m -> completeSync(m, syncError(error)));
                prepareRebalance(group, "the assignment could not be written: " + error);
                return;
            }
            group.members().forEach(m -> m.assignment = assignments.getOrDefault(m.memberId, Member.NO_ASSIGNMENT));
            group.transitionTo(GroupState.STABLE, shard.clock.millis());
            group.members().forEach(m -> completeSync(m, syncResponse(group, m)));
        });
    }

    private static SyncGroupResponseData syncResponse(ClassicGroup group, Member member) {
        return new SyncGroupResponseData().setErrorCode(Errors.NONE.code()).setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName).setAssignment(member.assignment);
    }

    private static void completeSync(Member member, SyncGroupResponseData response) {
        if (member.awaitingSync != null) {
            CompletableFuture<SyncGroupResponseData> parked = member.awaitingSync;
            member.awaitingSync = null;
            parked.complete(response);
        }
    }

    // ---------------------------------------------------------------- Heartbeat

    CompletableFuture<HeartbeatResponseData> heartbeat(HeartbeatRequestData request) {
        Errors invalid = memberError(request.groupId(), request.memberId(), request.groupInstanceId());
        if (invalid != Errors.NONE) {
            return done(heartbeatResponse(invalid));
        }
        ClassicGroup group = shard.group(request.groupId()).orElseThrow();
        Member member = group.member(request.memberId()).orElseThrow();
        switch (group.state()) {
            case PREPARING_REBALANCE:
                scheduleSessionExpiry(group, member);
                return done(heartbeatResponse(Errors.REBALANCE_IN_PROGRESS));
            case COMPLETING_REBALANCE:
            case STABLE:
                if (request.generationId() != group.generationId) {
                    return done(heartbeatResponse(Errors.ILLEGAL_GENERATION));
                }
                scheduleSessionExpiry(group, member);
                return done(heartbeatResponse(Errors.NONE));
            default:
                return done(heartbeatResponse(Errors.UNKNOWN_MEMBER_ID));
        }
    }

    static HeartbeatResponseData heartbeatResponse(Errors error) {
        return new HeartbeatResponseData().setErrorCode(error.code());
    }

    // ---------------------------------------------------------------- LeaveGroup

    /** Removes each member named; the answers are per member, as LeaveGroup v3+ has them. */
    CompletableFuture<List<MemberResponse>> leave(String groupId, List<MemberIdentity> leaving) {
        Optional<ClassicGroup> found = shard.group(groupId);
        List<MemberResponse> responses = new ArrayList<>();
        for (MemberIdentity identity : leaving) {
            MemberResponse response = new MemberResponse().setMemberId(identity.memberId())
                    .setGroupInstanceId(identity.groupInstanceId());
            responses.add(response.setErrorCode(found.map(group -> leaveOne(group, identity))
                    .orElse(Errors.UNKNOWN_MEMBER_ID).code()));
        }
        return done(responses);
    }

    private Errors leaveOne(ClassicGroup group, MemberIdentity identity) {
        String memberId = identity.memberId();
        if (identity.groupInstanceId() != null) {
            Optional<String> current = group.staticMemberId(identity.groupInstanceId());
            if (current.isEmpty()) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!memberId.equals(UNKNOWN_MEMBER_ID) && !memberId.equals(current.get())) {
                return Errors.FENCED_INSTANCE_ID;
            }
            memberId = current.get();
        }
        if (group.pendingMembers.remove(memberId)) {
            shard.cancel(pendingKey(group, memberId));
            if (group.is(GroupState.PREPARING_REBALANCE)) {
                tryCompleteJoin(group);
            }
            return Errors.NONE;
        }
        Optional<Member> member = group.member(memberId);
        if (member.isEmpty()) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        log.info("Member {} leaves group {}", memberId, group.groupId);
        removeMemberAndUpdateGroup(group, member.get(), "member " + memberId + " left");
        return Errors.NONE;
    }

    // ---------------------------------------------------------------- sessions

    /** (Re)starts {@code member}'s session: without a heartbeat, join or sync before it ends, it leaves. */
    void scheduleSessionExpiry(ClassicGroup group, Member member) {
        shard.schedule(sessionKey(group, member.memberId), member.sessionTimeoutMs, () -> {
            if (group.member(member.memberId).orElse(null) != member) {
                return;
            }
            if (member.isAwaitingJoin() || member.awaitingSync != null) {
                // A parked member is alive: its request is waiting on the group, not the other way round.
                scheduleSessionExpiry(group, member);
                return;
            }
            log.info("Member {} of group {} has not sent a heartbeat for {} ms and leaves it", member.memberId,
                    group.groupId, member.sessionTimeoutMs);
            removeMemberAndUpdateGroup(group, member, "member " + member.memberId + " timed out");
        });
    }

    private void removeMemberAndUpdateGroup(ClassicGroup group, Member member, String reason) {
        removeMember(group, member);
        switch (group.state()) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
            case PREPARING_REBALANCE -> tryCompleteJoin(group);
            default -> { }
        }
    }

    private void removeMember(ClassicGroup group, Member member) {
        failParked(member, Errors.UNKNOWN_MEMBER_ID);
        shard.cancel(sessionKey(group, member.memberId));
        group.remove(member.memberId);
    }

    /** Answers a member's parked JoinGroup and SyncGroup with {@code error}. */
    static void failParked(Member member, Errors error) {
        if (member.awaitingJoin != null) {
            CompletableFuture<JoinGroupResponseData> parked = member.awaitingJoin;
            member.awaitingJoin = null;
            parked.complete(joinError(member.memberId, error));
        }
        completeSync(member, syncError(error));
    }

    private static String sessionKey(ClassicGroup group, String memberId) {
        return "session/" + group.groupId + "/" + memberId;
    }

    private static String pendingKey(ClassicGroup group, String memberId) {
        return "pending/" + group.groupId + "/" + memberId;
    }

    private static String joinKey(ClassicGroup group) {
        return "join/" + group.groupId;
    }

    private static <T> CompletableFuture<T> done(T response) {
        return CompletableFuture.completedFuture(response);
    }
}
