package io.skein.broker.group;

import io.skein.broker.coordinator.CoordinatorResult;
import io.skein.broker.coordinator.CoordinatorTimer;
import io.skein.broker.kafka.LogRecords.KeyValue;
import java.time.Clock;
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
 * members included). Each operation returns the records of what it changes in writing (a
 * generation's assignment, an empty generation, a static member's new id) with its answer; the
 * rebalance in progress, which Kafka keeps in memory only, it changes on the group itself. JoinGroup
 * and SyncGroup answers may be parked in the group until the rebalance gets there. Runs on the
 * shard's thread only.
 */
final class MembershipProtocol {
    private static final Logger log = LoggerFactory.getLogger(MembershipProtocol.class);
    private static final String UNKNOWN_MEMBER_ID = "";

    private final GroupCoordinatorShard shard;
    private final GroupConfig config;
    private final Clock clock;
    private final CoordinatorTimer timer;

    MembershipProtocol(GroupCoordinatorShard shard, GroupConfig config, Clock clock, CoordinatorTimer timer) {
        this.shard = shard;
        this.config = config;
        this.clock = clock;
        this.timer = timer;
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

    /** JoinGroup: the answer is a future, parked in the group until the join phase ends. */
    CoordinatorResult<CompletableFuture<JoinGroupResponseData>> join(JoinContext context, JoinGroupRequestData request) {
        String memberId = request.memberId();
        if (request.sessionTimeoutMs() < config.minSessionTimeoutMs()
                || request.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return answer(joinError(memberId, Errors.INVALID_SESSION_TIMEOUT));
        }
        Optional<ClassicGroup> existing = shard.group(request.groupId());
        if (existing.isEmpty() && !memberId.equals(UNKNOWN_MEMBER_ID)) {
            return answer(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
        }
        ClassicGroup group = existing.orElseGet(() -> shard.getOrCreateGroup(request.groupId()));
        List<Member.Protocol> protocols = new ArrayList<>();
        request.protocols().forEach(p -> protocols.add(new Member.Protocol(p.name(), p.metadata())));
        if (group.is(GroupState.DEAD)) {
            return answer(joinError(memberId, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        if (!group.supportsProtocols(request.protocolType(), protocols)) {
            return answer(joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
        }
        int rebalanceTimeoutMs = request.rebalanceTimeoutMs() < 0 ? request.sessionTimeoutMs() : request.rebalanceTimeoutMs();
        return memberId.equals(UNKNOWN_MEMBER_ID)
                ? joinUnknownMember(context, request, group, protocols, rebalanceTimeoutMs)
                : joinKnownMember(context, request, group, protocols, rebalanceTimeoutMs);
    }

    private CoordinatorResult<CompletableFuture<JoinGroupResponseData>> joinUnknownMember(JoinContext context,
            JoinGroupRequestData request, ClassicGroup group, List<Member.Protocol> protocols, int rebalanceTimeoutMs) {
        String instanceId = request.groupInstanceId();
        Optional<String> staticMemberId = instanceId == null ? Optional.empty() : group.staticMemberId(instanceId);
        if (staticMemberId.isEmpty() && group.size() + group.pendingMemberCount() >= config.maxSize()) {
            return answer(joinError(UNKNOWN_MEMBER_ID, Errors.GROUP_MAX_SIZE_REACHED));
        }
        String newMemberId = (instanceId != null ? instanceId : context.clientId()) + "-" + UUID.randomUUID();
        if (staticMemberId.isPresent()) {
            Member replacement = group.member(staticMemberId.get()).orElseThrow().withMemberId(newMemberId);
            replacement.update(protocols, rebalanceTimeoutMs, request.sessionTimeoutMs());
            return replaceStaticMember(group, staticMemberId.get(), replacement);
        }
        if (context.requiresKnownMemberId(request)) {
            group.addPendingMember(newMemberId);
            String groupId = group.groupId();
            timer.schedule(pendingKey(groupId, newMemberId), request.sessionTimeoutMs(),
                    () -> expirePendingMember(groupId, newMemberId));
            return answer(joinError(newMemberId, Errors.MEMBER_ID_REQUIRED));
        }
        Member member = new Member(newMemberId, instanceId, context.clientId(), context.clientHost(), rebalanceTimeoutMs,
                request.sessionTimeoutMs(), protocols);
        return addMemberAndRebalance(group, member, request.protocolType(), "new member " + newMemberId + " joined");
    }

    private CoordinatorResult<CompletableFuture<JoinGroupResponseData>> joinKnownMember(JoinContext context,
            JoinGroupRequestData request, ClassicGroup group, List<Member.Protocol> protocols, int rebalanceTimeoutMs) {
        String memberId = request.memberId();
        if (group.removePendingMember(memberId)) {
            timer.cancel(pendingKey(group.groupId(), memberId));
            Member member = new Member(memberId, null, context.clientId(), context.clientHost(), rebalanceTimeoutMs,
                    request.sessionTimeoutMs(), protocols);
            return addMemberAndRebalance(group, member, request.protocolType(),
                    "pending member " + memberId + " joined");
        }
        Errors invalid = validateMember(group, memberId, request.groupInstanceId());
        if (invalid != Errors.NONE) {
            return answer(joinError(memberId, invalid));
        }
        Member member = group.member(memberId).orElseThrow();
        switch (group.state()) {
            case PREPARING_REBALANCE:
                return updateMemberAndRebalance(group, member, protocols, rebalanceTimeoutMs, request.sessionTimeoutMs(),
                        "member " + memberId + " rejoined");
            case COMPLETING_REBALANCE:
                if (member.sameProtocols(protocols)) {
                    // A retried JoinGroup: the member missed its response. Answer with this generation.
                    return answer(joinResponse(group, member));
                }
                return updateMemberAndRebalance(group, member, protocols, rebalanceTimeoutMs, request.sessionTimeoutMs(),
                        "member " + memberId + " changed its protocols");
            case STABLE:
                if (group.isLeader(memberId) || !member.sameProtocols(protocols)) {
                    return updateMemberAndRebalance(group, member, protocols, rebalanceTimeoutMs,
                            request.sessionTimeoutMs(), "leader or changed member " + memberId + " rejoined");
                }
                return answer(joinResponse(group, member));
            default:
                return answer(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
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

    private CoordinatorResult<CompletableFuture<JoinGroupResponseData>> addMemberAndRebalance(ClassicGroup group,
            Member member, String protocolType, String reason) {
        CompletableFuture<JoinGroupResponseData> response = new CompletableFuture<>();
        member.awaitJoin(response);
        group.add(member, protocolType);
        scheduleSessionExpiry(group, member);
        return written(group, maybePrepareRebalance(group, reason), response);
    }

    private CoordinatorResult<CompletableFuture<JoinGroupResponseData>> updateMemberAndRebalance(ClassicGroup group,
            Member member, List<Member.Protocol> protocols, int rebalanceTimeoutMs, int sessionTimeoutMs, String reason) {
        CompletableFuture<JoinGroupResponseData> response = new CompletableFuture<>();
        member.awaitJoin(response);
        member.update(protocols, rebalanceTimeoutMs, sessionTimeoutMs);
        scheduleSessionExpiry(group, member);
        return written(group, maybePrepareRebalance(group, reason), response);
    }

    /**
     * A static member returned without its member id: {@code replacement}, under a new id, takes the
     * place (and assignment) of its old self. If the group would choose the same protocol, there is
     * no rebalance (KIP-345): the group's generation is written with the new id, which it has once
     * written; a write that fails leaves the old member as it was.
     */
    private CoordinatorResult<CompletableFuture<JoinGroupResponseData>> replaceStaticMember(ClassicGroup group,
            String oldMemberId, Member replacement) {
        CompletableFuture<JoinGroupResponseData> response = new CompletableFuture<>();
        if (group.is(GroupState.STABLE) && group.selectProtocol(oldMemberId, replacement).equals(group.protocolName())) {
            String groupId = group.groupId();
            String newMemberId = replacement.memberId();
            return new CoordinatorResult<>(List.of(GroupRecords.groupReplacingMember(group, oldMemberId, replacement)),
                    error -> {
                        Optional<ClassicGroup> replaced = shard.group(groupId).filter(g -> g.hasMember(newMemberId));
                        if (error != Errors.NONE || replaced.isEmpty()) {
                            // Not written, or a rebalance began meanwhile and the generation was not taken: join again.
                            Errors answer = error != Errors.NONE ? CoordinatorResult.clientError(error,
                                    Errors.UNKNOWN_SERVER_ERROR) : Errors.UNKNOWN_MEMBER_ID;
                            response.complete(joinError(UNKNOWN_MEMBER_ID, answer));
                            return response;
                        }
                        ClassicGroup current = replaced.get();
                        Member member = current.member(newMemberId).orElseThrow();
                        member.update(replacement.protocols(), replacement.rebalanceTimeoutMs(),
                                replacement.sessionTimeoutMs());
                        timer.cancel(sessionKey(groupId, oldMemberId));
                        scheduleSessionExpiry(current, member);
                        response.complete(joinResponse(current, member).setSkipAssignment(current.isLeader(newMemberId)));
                        return response;
                    });
        }
        Member old = group.member(oldMemberId).orElseThrow();
        failParked(old, Errors.FENCED_INSTANCE_ID);
        timer.cancel(sessionKey(group.groupId(), oldMemberId));
        group.replaceStatic(oldMemberId, replacement);
        scheduleSessionExpiry(group, replacement);
        replacement.awaitJoin(response);
        return written(group, maybePrepareRebalance(group, "static member " + replacement.groupInstanceId() + " rejoined"),
                response);
    }

    private CoordinatorResult<Void> expirePendingMember(String groupId, String memberId) {
        ClassicGroup group = shard.group(groupId).orElse(null);
        if (group == null || !group.removePendingMember(memberId)) {
            return CoordinatorResult.of(null);
        }
        return written(group, tryCompleteJoin(group), null);
    }

    // ---------------------------------------------------------------- rebalance

    /** Starts a rebalance unless one is under way, and ends its join phase if every member is in. */
    private List<KeyValue> maybePrepareRebalance(ClassicGroup group, String reason) {
        if (group.is(GroupState.STABLE) || group.is(GroupState.COMPLETING_REBALANCE) || group.is(GroupState.EMPTY)) {
            prepareRebalance(group, reason);
        }
        return tryCompleteJoin(group);
    }

    /** Enters PreparingRebalance: the members have until the rebalance timeout to rejoin. */
    private void prepareRebalance(ClassicGroup group, String reason) {
        if (group.is(GroupState.COMPLETING_REBALANCE)) {
            group.members().forEach(m -> m.completeSync(syncError(Errors.REBALANCE_IN_PROGRESS)));
        }
        boolean wasEmpty = group.is(GroupState.EMPTY);
        group.transitionTo(GroupState.PREPARING_REBALANCE, clock.millis());
        log.info("Preparing to rebalance group {} in generation {}: {}", group.groupId(), group.generationId(), reason);
        String groupId = group.groupId();
        if (wasEmpty && config.initialRebalanceDelayMs() > 0) {
            group.startInitialJoinDelay();
            scheduleInitialJoin(groupId, config.initialRebalanceDelayMs(),
                    Math.max(0, group.rebalanceTimeoutMs() - config.initialRebalanceDelayMs()));
        } else {
            timer.schedule(joinKey(groupId), group.rebalanceTimeoutMs(), () -> completeJoinOnTimeout(groupId));
        }
    }

    /** The first rebalance of an empty group waits while members keep arriving, up to the rebalance timeout. */
    private void scheduleInitialJoin(String groupId, int delayMs, int remainingMs) {
        timer.schedule(joinKey(groupId), delayMs, () -> {
            ClassicGroup group = shard.group(groupId).orElse(null);
            if (group != null && group.restartInitialJoinDelay() && remainingMs > 0) {
                int next = Math.min(config.initialRebalanceDelayMs(), remainingMs);
                scheduleInitialJoin(groupId, next, remainingMs - next);
                return CoordinatorResult.of(null);
            }
            return completeJoinOnTimeout(groupId);
        });
    }

    private CoordinatorResult<Void> completeJoinOnTimeout(String groupId) {
        return shard.group(groupId).map(group -> written(group, completeJoin(group), (Void) null))
                .orElseGet(() -> CoordinatorResult.of(null));
    }

    private List<KeyValue> tryCompleteJoin(ClassicGroup group) {
        if (group.is(GroupState.PREPARING_REBALANCE) && !group.isInitialJoinDelayed() && group.hasAllMembersJoined()) {
            return completeJoin(group);
        }
        return List.of();
    }

    /**
     * Ends the join phase: members that did not rejoin leave, and the rest start the next generation.
     * A generation with no members is written at once (none will sync it).
     */
    private List<KeyValue> completeJoin(ClassicGroup group) {
        if (!group.is(GroupState.PREPARING_REBALANCE)) {
            return List.of();
        }
        timer.cancel(joinKey(group.groupId()));
        for (Member missing : group.notYetRejoined()) {
            if (!missing.isStatic()) {
                log.info("Member {} of group {} did not rejoin in time and leaves it", missing.memberId(),
                        group.groupId());
                removeMember(group, missing);
            }
        }
        group.initNextGeneration(clock.millis());
        if (group.is(GroupState.EMPTY)) {
            return List.of(GroupRecords.group(group, Map.of()));
        }
        log.info("Group {} starts generation {} with {} members (protocol {})", group.groupId(), group.generationId(),
                group.size(), group.protocolName());
        for (Member member : group.members()) {
            if (member.isAwaitingJoin()) {
                member.completeJoin(joinResponse(group, member));
                scheduleSessionExpiry(group, member);
            }
        }
        return List.of();
    }

    /** This generation's JoinGroup answer for {@code member}: the leader also gets every member's metadata. */
    private static JoinGroupResponseData joinResponse(ClassicGroup group, Member member) {
        JoinGroupResponseData response = new JoinGroupResponseData().setErrorCode(Errors.NONE.code())
                .setGenerationId(group.generationId()).setProtocolType(group.protocolType())
                .setProtocolName(group.protocolName()).setLeader(group.leaderId()).setMemberId(member.memberId());
        if (group.isLeader(member.memberId())) {
            for (Member m : group.members()) {
                response.members().add(new JoinGroupResponseData.JoinGroupResponseMember().setMemberId(m.memberId())
                        .setGroupInstanceId(m.groupInstanceId()).setMetadata(m.metadata(group.protocolName())));
            }
        }
        return response;
    }

    // ---------------------------------------------------------------- SyncGroup

    static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(Member.NO_ASSIGNMENT);
    }

    /** SyncGroup: the answer is a future, parked in CompletingRebalance until the leader's assignment is written. */
    CoordinatorResult<CompletableFuture<SyncGroupResponseData>> sync(SyncGroupRequestData request) {
        Errors invalid = memberError(request.groupId(), request.memberId(), request.groupInstanceId());
        if (invalid != Errors.NONE) {
            return answer(syncError(invalid));
        }
        ClassicGroup group = shard.group(request.groupId()).orElseThrow();
        if (request.generationId() != group.generationId()) {
            return answer(syncError(Errors.ILLEGAL_GENERATION));
        }
        if ((request.protocolType() != null && !request.protocolType().equals(group.protocolType()))
                || (request.protocolName() != null && !request.protocolName().equals(group.protocolName()))) {
            return answer(syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
        }
        Member member = group.member(request.memberId()).orElseThrow();
        switch (group.state()) {
            case PREPARING_REBALANCE:
                return answer(syncError(Errors.REBALANCE_IN_PROGRESS));
            case COMPLETING_REBALANCE: {
                CompletableFuture<SyncGroupResponseData> response = new CompletableFuture<>();
                member.awaitSync(response);
                scheduleSessionExpiry(group, member);
                if (!group.isLeader(member.memberId())) {
                    return CoordinatorResult.of(response);
                }
                Map<String, byte[]> assignments = new HashMap<>();
                request.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
                return storeAssignments(group, assignments, response);
            }
            case STABLE:
                scheduleSessionExpiry(group, member);
                return answer(syncResponse(group, member));
            default:
                return answer(syncError(Errors.UNKNOWN_MEMBER_ID));
        }
    }

    /**
     * Writes the generation with the leader's assignment (an empty one for each member it leaves
     * out, as Kafka fills it); once written, the group is Stable and every member that synced gets
     * its part. If it cannot be written, they get the error and the group rebalances again.
     */
    private <T> CoordinatorResult<T> storeAssignments(ClassicGroup group, Map<String, byte[]> leaderAssignments,
                                                      T response) {
        Map<String, byte[]> assignments = new HashMap<>();
        group.members().forEach(m -> assignments.put(m.memberId(),
                leaderAssignments.getOrDefault(m.memberId(), Member.NO_ASSIGNMENT)));
        String groupId = group.groupId();
        int generation = group.generationId();
        return new CoordinatorResult<>(List.of(GroupRecords.group(group, assignments)), error -> {
            ClassicGroup current = shard.group(groupId).filter(g -> g.generationId() == generation).orElse(null);
            if (current == null) {
                return response;
            }
            if (error == Errors.NONE && current.is(GroupState.STABLE)) {
                current.members().forEach(m -> m.completeSync(syncResponse(current, m)));
            } else if (error != Errors.NONE && current.is(GroupState.COMPLETING_REBALANCE)) {
                Errors answer = CoordinatorResult.clientError(error, Errors.UNKNOWN_SERVER_ERROR);
                current.members().forEach(m -> m.completeSync(syncError(answer)));
                // No member is waiting in JoinGroup now: the join phase ends with their rejoins or its timeout.
                prepareRebalance(current, "the assignment could not be written: " + answer);
            }
            return response;
        });
    }

    private static SyncGroupResponseData syncResponse(ClassicGroup group, Member member) {
        return new SyncGroupResponseData().setErrorCode(Errors.NONE.code()).setProtocolType(group.protocolType())
                .setProtocolName(group.protocolName()).setAssignment(member.assignment());
    }

    // ---------------------------------------------------------------- Heartbeat

    CoordinatorResult<HeartbeatResponseData> heartbeat(HeartbeatRequestData request) {
        Errors invalid = memberError(request.groupId(), request.memberId(), request.groupInstanceId());
        if (invalid != Errors.NONE) {
            return CoordinatorResult.of(heartbeatResponse(invalid));
        }
        ClassicGroup group = shard.group(request.groupId()).orElseThrow();
        Member member = group.member(request.memberId()).orElseThrow();
        Errors error = switch (group.state()) {
            case PREPARING_REBALANCE -> {
                scheduleSessionExpiry(group, member);
                yield Errors.REBALANCE_IN_PROGRESS;
            }
            case COMPLETING_REBALANCE, STABLE -> {
                if (request.generationId() != group.generationId()) {
                    yield Errors.ILLEGAL_GENERATION;
                }
                scheduleSessionExpiry(group, member);
                yield Errors.NONE;
            }
            default -> Errors.UNKNOWN_MEMBER_ID;
        };
        return CoordinatorResult.of(heartbeatResponse(error));
    }

    static HeartbeatResponseData heartbeatResponse(Errors error) {
        return new HeartbeatResponseData().setErrorCode(error.code());
    }

    // ---------------------------------------------------------------- LeaveGroup

    /** Removes each member named; the answers are per member, as LeaveGroup v3+ has them. */
    CoordinatorResult<List<MemberResponse>> leave(String groupId, List<MemberIdentity> leaving) {
        Optional<ClassicGroup> found = shard.group(groupId);
        List<MemberResponse> responses = new ArrayList<>();
        List<KeyValue> records = new ArrayList<>();
        for (MemberIdentity identity : leaving) {
            MemberResponse response = new MemberResponse().setMemberId(identity.memberId())
                    .setGroupInstanceId(identity.groupInstanceId());
            responses.add(response.setErrorCode(found.map(group -> leaveOne(group, identity, records))
                    .orElse(Errors.UNKNOWN_MEMBER_ID).code()));
        }
        return found.map(group -> written(group, records, responses)).orElseGet(() -> CoordinatorResult.of(responses));
    }

    private Errors leaveOne(ClassicGroup group, MemberIdentity identity, List<KeyValue> records) {
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
        if (group.removePendingMember(memberId)) {
            timer.cancel(pendingKey(group.groupId(), memberId));
            records.addAll(tryCompleteJoin(group));
            return Errors.NONE;
        }
        Optional<Member> member = group.member(memberId);
        if (member.isEmpty()) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        log.info("Member {} leaves group {}", memberId, group.groupId());
        records.addAll(removeMemberAndUpdateGroup(group, member.get(), "member " + memberId + " left"));
        return Errors.NONE;
    }

    // ---------------------------------------------------------------- sessions

    /** (Re)starts {@code member}'s session: without a heartbeat, join or sync before it ends, it leaves. */
    void scheduleSessionExpiry(ClassicGroup group, Member member) {
        String groupId = group.groupId();
        String memberId = member.memberId();
        timer.schedule(sessionKey(groupId, memberId), member.sessionTimeoutMs(), () -> expireSession(groupId, memberId));
    }

    private CoordinatorResult<Void> expireSession(String groupId, String memberId) {
        ClassicGroup group = shard.group(groupId).orElse(null);
        Member member = group == null ? null : group.member(memberId).orElse(null);
        if (member == null) {
            return CoordinatorResult.of(null);
        }
        if (member.isAwaitingJoin() || member.isAwaitingSync()) {
            // A parked member is alive: its request is waiting on the group, not the other way round.
            scheduleSessionExpiry(group, member);
            return CoordinatorResult.of(null);
        }
        log.info("Member {} of group {} has not sent a heartbeat for {} ms and leaves it", memberId, groupId,
                member.sessionTimeoutMs());
        return written(group, removeMemberAndUpdateGroup(group, member, "member " + memberId + " timed out"), null);
    }

    private List<KeyValue> removeMemberAndUpdateGroup(ClassicGroup group, Member member, String reason) {
        removeMember(group, member);
        switch (group.state()) {
            case STABLE, COMPLETING_REBALANCE -> {
                prepareRebalance(group, reason);
                return tryCompleteJoin(group);
            }
            case PREPARING_REBALANCE -> {
                return tryCompleteJoin(group);
            }
            default -> {
                return List.of();
            }
        }
    }

    private void removeMember(ClassicGroup group, Member member) {
        failParked(member, Errors.UNKNOWN_MEMBER_ID);
        timer.cancel(sessionKey(group.groupId(), member.memberId()));
        group.remove(member.memberId());
    }

    /** Answers a member's parked JoinGroup and SyncGroup with {@code error}. */
    static void failParked(Member member, Errors error) {
        member.completeJoin(joinError(member.memberId(), error));
        member.completeSync(syncError(error));
    }

    // ---------------------------------------------------------------- helpers

    private static String sessionKey(String groupId, String memberId) {
        return "session/" + groupId + "/" + memberId;
    }

    private static String pendingKey(String groupId, String memberId) {
        return "pending/" + groupId + "/" + memberId;
    }

    private static String joinKey(String groupId) {
        return "join/" + groupId;
    }

    /** An answer now, writing nothing. */
    private static <T> CoordinatorResult<CompletableFuture<T>> answer(T response) {
        return CoordinatorResult.of(CompletableFuture.completedFuture(response));
    }

    /**
     * {@code response} once {@code records} (an empty generation of {@code group}, if any) are
     * written; one that cannot be is logged, and the answer stands: an empty group has no one to tell.
     */
    private static <T> CoordinatorResult<T> written(ClassicGroup group, List<KeyValue> records, T response) {
        String groupId = group.groupId();
        return new CoordinatorResult<>(records, error -> {
            if (error != Errors.NONE) {
                log.warn("Cannot write the empty generation of group {}: {}", groupId, error);
            }
            return response;
        });
    }
}
