package io.skein.broker.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.skein.broker.coordinator.CoordinatorResult;
import io.skein.broker.coordinator.CoordinatorTimer;
import io.skein.broker.kafka.LogRecords;
import io.skein.broker.kafka.LogRecords.KeyValue;
import io.skein.proto.group.GroupKey;
import io.skein.proto.group.GroupRecordKey;
import io.skein.proto.group.GroupValue;
import io.skein.proto.group.MemberValue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * The classic membership protocol's rules on a shard built by replaying records: each test starts
 * from the generation its records describe, writes by replaying what an operation returns (as the
 * runtime does once the records are written), and checks what a shard that replays everything
 * written rebuilds. Time is the test's: a timer fires when the test fires it.
 */
class MembershipProtocolTest {
    private static final GroupConfig CONFIG = new GroupConfig(50, (short) 1, 1024 * 1024, 0, 10, 60_000, 100,
            600_000, 600_000, 5_000, 16);
    private static final short JOIN_VERSION = 9;

    private final ManualTimer timer = new ManualTimer();
    /** Every record of the partition, in the order written. */
    private final List<KeyValue> written = new ArrayList<>();
    private GroupCoordinatorShard shard;

    /** Timers that fire only when the test says; their records are written as the runtime writes them. */
    private final class ManualTimer implements CoordinatorTimer {
        private final Map<String, Supplier<CoordinatorResult<Void>>> scheduled = new HashMap<>();

        @Override
        public void schedule(String key, long delayMs, Supplier<CoordinatorResult<Void>> operation) {
            scheduled.put(key, operation);
        }

        @Override
        public void cancel(String key) {
            scheduled.remove(key);
        }

        boolean isScheduled(String key) {
            return scheduled.containsKey(key);
        }

        void fire(String key) {
            Supplier<CoordinatorResult<Void>> operation = scheduled.remove(key);
            assertTrue(operation != null, "no timer " + key);
            write(operation.get());
        }
    }

    // ---------------------------------------------------------------- records and the shard

    private static MemberValue member(String memberId, String instanceId, byte[] assignment) {
        MemberValue.Builder member = MemberValue.newBuilder().setMemberId(memberId).setClientId("client")
                .setClientHost("/127.0.0.1").setRebalanceTimeoutMs(30_000).setSessionTimeoutMs(30_000)
                .setSubscription(ByteString.copyFrom(subscription(memberId))).setAssignment(ByteString.copyFrom(assignment));
        if (instanceId != null) {
            member.setGroupInstanceId(instanceId);
        }
        return member.build();
    }

    /** Generation {@code generation} of group "g" as written: consumers on "range", led by {@code leader}. */
    private static KeyValue generation(int generation, String leader, MemberValue... members) {
        GroupValue value = GroupValue.newBuilder().setProtocolType("consumer").setGeneration(generation)
                .setProtocol("range").setLeader(leader).setStateTimestamp(1).addAllMembers(List.of(members)).build();
        return new KeyValue(GroupRecordKey.newBuilder().setGroup(GroupKey.newBuilder().setGroup("g")).build()
                .toByteArray(), value.toByteArray());
    }

    private static byte[] subscription(String memberId) {
        return ("subscription of " + memberId).getBytes(StandardCharsets.UTF_8);
    }

    /** A shard that has replayed {@code records}, as a load does. */
    private GroupCoordinatorShard load(List<KeyValue> records) {
        timer.scheduled.clear();
        shard = new GroupCoordinatorShard(CONFIG, Clock.systemUTC(), topic -> true, timer);
        records.forEach(this::append);
        write(shard.onLoaded());
        return shard;
    }

    /** A new shard, from every record written so far. */
    private GroupCoordinatorShard reload() {
        List<KeyValue> log = List.copyOf(written);
        written.clear();
        return load(log);
    }

    /** The record is written after the others, and replayed. */
    private void append(KeyValue record) {
        shard.replay(written.size(), LogRecords.NO_PRODUCER_ID, ByteBuffer.wrap(record.key()),
                record.value() == null ? null : ByteBuffer.wrap(record.value()));
        written.add(record);
    }

    /** What the runtime does once the records are written: replays them, then answers. */
    private <T> T write(CoordinatorResult<T> result) {
        result.records().forEach(this::append);
        return result.onWritten().apply(Errors.NONE);
    }

    /** What the runtime does when the append fails: answers with its error, replaying nothing. */
    private static <T> T fail(CoordinatorResult<T> result, Errors appendError) {
        return result.onWritten().apply(appendError);
    }

    private ClassicGroup group() {
        return shard.group("g").orElseThrow();
    }

    // ---------------------------------------------------------------- requests

    private static JoinGroupRequestData joinRequest(String memberId, String instanceId, byte[] metadata) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(metadata));
        return new JoinGroupRequestData().setGroupId("g").setMemberId(memberId).setGroupInstanceId(instanceId)
                .setSessionTimeoutMs(30_000).setRebalanceTimeoutMs(30_000).setProtocolType("consumer")
                .setProtocols(protocols);
    }

    private CoordinatorResult<CompletableFuture<JoinGroupResponseData>> join(String memberId) {
        return join(joinRequest(memberId, null, subscription(memberId)));
    }

    private CoordinatorResult<CompletableFuture<JoinGroupResponseData>> join(JoinGroupRequestData request) {
        return shard.membership().join(new MembershipProtocol.JoinContext(JOIN_VERSION, "client", "/127.0.0.1"), request);
    }

    private CoordinatorResult<CompletableFuture<SyncGroupResponseData>> sync(String memberId, int generation,
                                                                            Map<String, byte[]> assignments) {
        SyncGroupRequestData request = new SyncGroupRequestData().setGroupId("g").setMemberId(memberId)
                .setGenerationId(generation);
        assignments.forEach((id, assignment) -> request.assignments()
                .add(new SyncGroupRequestAssignment().setMemberId(id).setAssignment(assignment)));
        return shard.membership().sync(request);
    }

    private Errors heartbeat(String memberId, String instanceId, int generation) {
        return Errors.forCode(write(shard.membership().heartbeat(new HeartbeatRequestData().setGroupId("g")
                .setMemberId(memberId).setGroupInstanceId(instanceId).setGenerationId(generation))).errorCode());
    }

    private static Errors error(CompletableFuture<?> answer) {
        Object response = answer.getNow(null);
        return Errors.forCode(response instanceof JoinGroupResponseData joined ? joined.errorCode()
                : ((SyncGroupResponseData) response).errorCode());
    }

    /** A Stable generation 3 of members a (the leader) and b, with their assignments. */
    private void loadGenerationThree() {
        load(List.of(generation(3, "a", member("a", null, new byte[] {1}), member("b", null, new byte[] {2}))));
    }

    // ---------------------------------------------------------------- the rules

    @Test
    void aWrittenGenerationIsStableWithItsLeaderAssignmentsAndSessions() {
        loadGenerationThree();
        assertEquals(GroupState.STABLE, group().state());
        assertEquals(3, group().generationId());
        assertTrue(group().isLeader("a"));
        assertTrue(timer.isScheduled("session/g/a") && timer.isScheduled("session/g/b"), "sessions run from the load");

        CoordinatorResult<CompletableFuture<SyncGroupResponseData>> synced = sync("b", 3, Map.of());
        assertEquals(List.of(), synced.records());
        assertArrayEquals(new byte[] {2}, write(synced).getNow(null).assignment(), "Stable: the assignment written");
        assertEquals(Errors.NONE, heartbeat("b", null, 3));
        assertEquals(Errors.ILLEGAL_GENERATION, heartbeat("b", null, 2));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat("nobody", null, 3));
        assertEquals(Errors.ILLEGAL_GENERATION, error(write(sync("b", 2, Map.of()))));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, error(write(sync("nobody", 3, Map.of()))));
    }

    @Test
    void aFollowerRejoiningWithItsProtocolsGetsTheGenerationWithoutARebalance() {
        loadGenerationThree();
        CoordinatorResult<CompletableFuture<JoinGroupResponseData>> rejoined = join("b");
        assertEquals(List.of(), rejoined.records());
        JoinGroupResponseData answer = write(rejoined).getNow(null);
        assertEquals(3, answer.generationId());
        assertEquals("a", answer.leader());
        assertEquals(GroupState.STABLE, group().state());

        CompletableFuture<JoinGroupResponseData> changed = write(join(joinRequest("b", null, new byte[] {9})));
        assertFalse(changed.isDone(), "new metadata: the member waits for the rebalance it started");
        assertEquals(GroupState.PREPARING_REBALANCE, group().state());
    }

    @Test
    void aRebalanceEndsWhenEveryMemberHasRejoinedAndTheAssignmentIsWritten() {
        loadGenerationThree();
        CompletableFuture<JoinGroupResponseData> leader = write(join("a"));
        assertFalse(leader.isDone());
        assertEquals(GroupState.PREPARING_REBALANCE, group().state());
        assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat("b", null, 3));
        assertEquals(Errors.REBALANCE_IN_PROGRESS, error(write(sync("b", 3, Map.of()))));

        CompletableFuture<JoinGroupResponseData> follower = write(join("b"));
        assertEquals(4, leader.getNow(null).generationId());
        assertEquals(2, leader.getNow(null).members().size(), "the leader learns every member's metadata");
        assertEquals(4, follower.getNow(null).generationId());
        assertEquals(0, follower.getNow(null).members().size());
        assertEquals(GroupState.COMPLETING_REBALANCE, group().state());
        assertEquals(Errors.NONE, heartbeat("b", null, 4));
        assertEquals(1, written.size(), "a rebalance in progress is not written");

        CompletableFuture<SyncGroupResponseData> followerSync = write(sync("b", 4, Map.of()));
        CoordinatorResult<CompletableFuture<SyncGroupResponseData>> leaderSync =
                sync("a", 4, Map.of("a", new byte[] {7}, "b", new byte[] {8}));
        assertEquals(1, leaderSync.records().size());
        assertEquals(GroupState.COMPLETING_REBALANCE, group().state(), "not Stable before the assignment is written");
        assertFalse(followerSync.isDone());

        CompletableFuture<SyncGroupResponseData> leaderAnswer = write(leaderSync);
        assertEquals(GroupState.STABLE, group().state());
        assertArrayEquals(new byte[] {7}, leaderAnswer.getNow(null).assignment());
        assertArrayEquals(new byte[] {8}, followerSync.getNow(null).assignment());

        reload();
        assertEquals(GroupState.STABLE, group().state());
        assertEquals(4, group().generationId());
        assertArrayEquals(new byte[] {8}, write(sync("b", 4, Map.of())).getNow(null).assignment());
    }

    @Test
    void anAssignmentThatCannotBeWrittenIsNotHandedOutAndTheGroupRebalances() {
        loadGenerationThree();
        CompletableFuture<JoinGroupResponseData> leader = write(join("a"));
        write(join("b"));
        assertEquals(4, leader.getNow(null).generationId());
        CompletableFuture<SyncGroupResponseData> followerSync = write(sync("b", 4, Map.of()));
        CompletableFuture<SyncGroupResponseData> leaderSync = fail(sync("a", 4, Map.of("b", new byte[] {8})),
                Errors.NOT_ENOUGH_REPLICAS);

        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, error(leaderSync));
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, error(followerSync));
        assertEquals(GroupState.PREPARING_REBALANCE, group().state());
        assertArrayEquals(new byte[] {2}, group().member("b").orElseThrow().assignment(), "the old one stands");
        assertTrue(timer.isScheduled("join/g"), "the members have until the rebalance timeout to rejoin");
    }

    @Test
    void membersThatMissTheRebalanceTimeoutLeaveTheGroup() {
        loadGenerationThree();
        CompletableFuture<JoinGroupResponseData> leader = write(join("a"));
        timer.fire("join/g");
        assertEquals(4, leader.getNow(null).generationId());
        assertEquals(1, leader.getNow(null).members().size());
        assertFalse(group().hasMember("b"));
        assertEquals(GroupState.COMPLETING_REBALANCE, group().state());
        assertFalse(timer.isScheduled("session/g/b"));
    }

    @Test
    void aMemberWhoseSessionEndsLeavesAndTheGroupRebalances() {
        loadGenerationThree();
        timer.fire("session/g/b");
        assertFalse(group().hasMember("b"));
        assertEquals(GroupState.PREPARING_REBALANCE, group().state());
        assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat("a", null, 3));
    }

    @Test
    void theLastMembersLeavingWriteAnEmptyGeneration() {
        loadGenerationThree();
        CoordinatorResult<List<MemberResponse>> left = shard.membership().leave("g", List.of(
                new MemberIdentity().setMemberId("a"), new MemberIdentity().setMemberId("b"),
                new MemberIdentity().setMemberId("nobody")));
        assertEquals(List.of(Errors.NONE.code(), Errors.NONE.code(), Errors.UNKNOWN_MEMBER_ID.code()),
                write(left).stream().map(MemberResponse::errorCode).toList());
        assertEquals(1, left.records().size());
        assertEquals(GroupState.EMPTY, group().state());
        assertEquals(4, group().generationId());

        reload();
        assertEquals(GroupState.EMPTY, group().state());
        assertEquals(4, group().generationId());
        assertEquals(0, group().size());
    }

    @Test
    void aStaticMemberBackUnderANewIdTakesItsPlaceOnceThatIsWritten() {
        load(List.of(generation(3, "s1", member("s1", "instance", new byte[] {5}), member("b", null, new byte[] {2}))));
        assertEquals(Errors.FENCED_INSTANCE_ID, heartbeat("someone-else", "instance", 3));

        CoordinatorResult<CompletableFuture<JoinGroupResponseData>> back =
                join(joinRequest("", "instance", subscription("s1")));
        assertEquals(1, back.records().size(), "the same protocol would be chosen: no rebalance, a new id");
        assertTrue(group().hasMember("s1"), "not before it is written");

        JoinGroupResponseData answer = write(back).getNow(null);
        String newId = answer.memberId();
        assertTrue(newId.startsWith("instance-"), newId);
        assertEquals(3, answer.generationId());
        assertTrue(answer.skipAssignment(), "the leader keeps the assignment it has");
        assertFalse(group().hasMember("s1"));
        assertTrue(group().isLeader(newId));
        assertEquals(GroupState.STABLE, group().state());
        assertEquals(Errors.FENCED_INSTANCE_ID, heartbeat("s1", "instance", 3));
        assertFalse(timer.isScheduled("session/g/s1"));
        assertTrue(timer.isScheduled("session/g/" + newId));

        reload();
        assertTrue(group().isLeader(newId));
        assertArrayEquals(new byte[] {5}, group().member(newId).orElseThrow().assignment());
    }

    @Test
    void aStaticMemberWhoseNewIdCannotBeWrittenIsRefusedAndTheOldOneStays() {
        load(List.of(generation(3, "s1", member("s1", "instance", new byte[] {5}))));
        JoinGroupResponseData refused = fail(join(joinRequest("", "instance", subscription("s1"))),
                Errors.NOT_LEADER_OR_FOLLOWER).getNow(null);
        assertEquals(Errors.NOT_COORDINATOR.code(), refused.errorCode());
        assertTrue(group().isLeader("s1"));
        assertEquals(Errors.NONE, heartbeat("s1", "instance", 3));
    }

    @Test
    void aNewMemberIsToldItsIdFirstThenJoinsWithIt() {
        load(List.of());
        JoinGroupResponseData first = write(join("")).getNow(null);
        assertEquals(Errors.MEMBER_ID_REQUIRED.code(), first.errorCode());
        String memberId = first.memberId();
        assertTrue(timer.isScheduled("pending/g/" + memberId));

        JoinGroupResponseData joined = write(join(joinRequest(memberId, null, subscription(memberId)))).getNow(null);
        assertEquals(1, joined.generationId());
        assertEquals(memberId, joined.leader());
        assertFalse(timer.isScheduled("pending/g/" + memberId));
        assertEquals(List.of(), written, "a group is written with its first assignment, not before");
        write(sync(memberId, 1, Map.of(memberId, new byte[] {3})));
        assertEquals(GroupState.STABLE, group().state());

        JoinGroupResponseData other = write(join("")).getNow(null);
        timer.fire("pending/g/" + other.memberId());
        assertNotEquals(Errors.NONE.code(), write(join(joinRequest(other.memberId(), null, new byte[0])))
                .getNow(null).errorCode(), "a pending member that did not come back in time is not one");
    }
}
