package io.skein.broker.group;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.coordinator.CoordinatorResult;
import io.skein.broker.coordinator.CoordinatorRuntime;
import io.skein.broker.coordinator.LogWriter;
import io.skein.broker.kafka.LogRecords.TransactionalProducer;
import io.skein.broker.replica.ReplicaManager.TxnMarker;
import io.skein.log.FlushListener;
import io.skein.log.LogConfig;
import io.skein.log.LogManager;
import io.skein.log.LogManagerConfig;
import io.skein.log.MetaProperties;
import io.skein.log.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One coordinator shard over a real log, run by the coordinator runtime: the classic protocol's
 * state machine and errors, offsets written before they are answered and rebuilt from the log,
 * expiry, and the shard's life cycle.
 */
@Timeout(60)
class GroupCoordinatorShardTest {
    private static final TopicPartition PARTITION = new TopicPartition(GroupCoordinator.OFFSETS_TOPIC, 0);
    private static final TopicPartition DATA = new TopicPartition("data", 0);
    private static final TopicPartition OTHER = new TopicPartition("other", 0);
    private static final short JOIN_VERSION = 9;

    @TempDir
    Path dir;
    private LogManager logs;
    private PartitionLog log;
    private CoordinatorRuntime<GroupCoordinatorShard> runtime;
    /** The leader epoch of the next load: each load is a new shard. */
    private int nextEpoch;
    private GroupConfig config = config(60_000);
    private LogWriter writer;
    /** The topics the broker's metadata shows. */
    private final Set<String> topics = ConcurrentHashMap.newKeySet();

    private static GroupConfig config(long offsetsRetentionMs) {
        return new GroupConfig(50, (short) 1, 1024 * 1024, 0, 10, 60_000, 100, offsetsRetentionMs, 600_000, 5_000, 16);
    }

    @BeforeEach
    void openLog() throws Exception {
        topics.addAll(List.of(DATA.topic(), OTHER.topic()));
        Path logDir = dir.resolve("logs");
        new MetaProperties("shard-test-cluster", 1).format(List.of(logDir));
        LogConfig compacted = LogConfig.DEFAULT.with(Map.of("cleanup.policy", "compact"));
        logs = LogManager.start(LogManagerConfig.defaults(List.of(logDir), 1), topic -> compacted, Clock.systemUTC(),
                FlushListener.NONE);
        log = logs.getOrCreateLog(PARTITION, compacted);
        writer = new LogWriter(log);
        runtime = new CoordinatorRuntime<>("shard-test", writer);
    }

    @AfterEach
    void close() throws Exception {
        runtime.close();
        logs.close();
    }

    /**
     * The shard of the test's partition in the runtime, whose writes go to the real log,
     * acknowledged as a single replica would; or, while {@link LogWriter#failWith} names an error, fail with
     * it as the replica manager's append would. Each load is a new shard, replaying the log.
     */
    private final class Shard {
        void unload() {
            runtime.unload(PARTITION);
        }

        boolean isUnloaded() {
            return !runtime.partitions().contains(PARTITION);
        }
    }

    private Shard shard() {
        return new Shard();
    }

    /** Starts loading a new shard, which waits for {@code gate} before it replays the log. */
    private void load(CountDownLatch gate) {
        runtime.load(PARTITION, nextEpoch++, log, timer -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return new GroupCoordinatorShard(config, Clock.systemUTC(), topics::contains, timer);
        });
    }

    private Shard loaded(Shard shard, PartitionLog log) {
        load(new CountDownLatch(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> read(shard, s -> Errors.NONE) == Errors.NONE);
        return shard;
    }

    /** Runs an operation on the shard's thread, its records written; a shard that cannot answer gives its error. */
    @SuppressWarnings("unchecked")
    private <T> T on(Shard shard, Function<GroupCoordinatorShard, CoordinatorResult<T>> operation) throws Exception {
        return runtime.write(PARTITION, error -> (T) error, operation).get(10, TimeUnit.SECONDS);
    }

    private <T> T read(Shard shard, Function<GroupCoordinatorShard, T> operation) throws Exception {
        return on(shard, s -> CoordinatorResult.of(operation.apply(s)));
    }

    /** An operation whose answer the group may park; {@code errorResponse} if the shard cannot run it. */
    private <T> CompletableFuture<T> parked(Shard shard, Function<Errors, T> errorResponse,
            Function<GroupCoordinatorShard, CoordinatorResult<CompletableFuture<T>>> operation) {
        return runtime.write(PARTITION, error -> CompletableFuture.completedFuture(errorResponse.apply(error)), operation)
                .thenCompose(answer -> answer);
    }

    private <T> T onParked(Shard shard, Function<GroupCoordinatorShard, CoordinatorResult<CompletableFuture<T>>> operation)
            throws Exception {
        return parked(shard, error -> null, operation).get(10, TimeUnit.SECONDS);
    }

    private static JoinGroupRequestData join(String memberId, String metadata) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(metadata.getBytes(StandardCharsets.UTF_8)));
        return new JoinGroupRequestData().setGroupId("g").setMemberId(memberId).setSessionTimeoutMs(30_000)
                .setRebalanceTimeoutMs(30_000).setProtocolType("consumer").setProtocols(protocols);
    }

    private static MembershipProtocol.JoinContext context() {
        return new MembershipProtocol.JoinContext(JOIN_VERSION, "client", "/127.0.0.1");
    }

    /** Joins a new member the way a v4+ client does: MEMBER_ID_REQUIRED, then again with the id given. */
    private JoinGroupResponseData joinNew(Shard shard, String metadata) throws Exception {
        JoinGroupResponseData first = onParked(shard, s -> s.membership().join(context(), join("", metadata)));
        assertEquals(Errors.MEMBER_ID_REQUIRED.code(), first.errorCode());
        assertTrue(first.memberId().startsWith("client-"), first.memberId());
        return onParked(shard, s -> s.membership().join(context(), join(first.memberId(), metadata)));
    }

    private SyncGroupResponseData sync(Shard shard, String memberId, int generation, byte[] assignment)
            throws Exception {
        SyncGroupRequestData request = new SyncGroupRequestData().setGroupId("g").setMemberId(memberId)
                .setGenerationId(generation);
        if (assignment != null) {
            request.assignments().add(new SyncGroupRequestAssignment().setMemberId(memberId).setAssignment(assignment));
        }
        return onParked(shard, s -> s.membership().sync(request));
    }

    private Errors heartbeat(Shard shard, String memberId, int generation) throws Exception {
        return Errors.forCode(on(shard, s -> s.membership().heartbeat(new HeartbeatRequestData().setGroupId("g")
                .setMemberId(memberId).setGenerationId(generation))).errorCode());
    }

    @Test
    void answersLoadInProgressUntilLoadedAndNotCoordinatorOnceUnloaded() throws Exception {
        Shard shard = shard();
        CountDownLatch gate = new CountDownLatch(1);
        load(gate);
        assertEquals(Errors.COORDINATOR_LOAD_IN_PROGRESS, read(shard, s -> (Errors.NONE)));
        gate.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> read(shard, s -> Errors.NONE) == Errors.NONE);
        joinNew(shard, "first");
        // A second member's JoinGroup waits for the first member to rejoin: it is parked when the shard goes.
        JoinGroupResponseData pending = onParked(shard, s -> s.membership().join(context(), join("", "second")));
        CompletableFuture<JoinGroupResponseData> parked = parked(shard, error -> MembershipProtocol.joinError("", error),
                s -> s.membership().join(context(), join(pending.memberId(), "second")));
        read(shard, s -> (Errors.NONE)); // the join has run: the shard is serial
        assertFalse(parked.isDone());
        shard.unload();
        assertEquals(Errors.NOT_COORDINATOR.code(), parked.get(10, TimeUnit.SECONDS).errorCode());
        assertEquals(Errors.NOT_COORDINATOR, read(shard, s -> (Errors.NONE)));
        assertTrue(shard.isUnloaded());
    }

    @Test
    void theClassicProtocolFromJoinToStableAndItsErrors() throws Exception {
        Shard shard = loaded(shard(), log);
        JoinGroupResponseData leader = joinNew(shard, "leader-metadata");
        assertEquals(Errors.NONE.code(), leader.errorCode());
        assertEquals(1, leader.generationId());
        assertEquals(leader.memberId(), leader.leader());
        assertEquals("range", leader.protocolName());
        assertEquals(1, leader.members().size());
        assertArrayEquals("leader-metadata".getBytes(StandardCharsets.UTF_8), leader.members().get(0).metadata());

        assertEquals(Errors.NONE, heartbeat(shard, leader.memberId(), 1), "CompletingRebalance accepts heartbeats");
        assertEquals(Errors.ILLEGAL_GENERATION, heartbeat(shard, leader.memberId(), 0));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(shard, "nobody", 1));
        assertEquals(Errors.ILLEGAL_GENERATION.code(), sync(shard, leader.memberId(), 7, null).errorCode());

        SyncGroupResponseData synced = sync(shard, leader.memberId(), 1, new byte[] {1, 2, 3});
        assertEquals(Errors.NONE.code(), synced.errorCode());
        assertArrayEquals(new byte[] {1, 2, 3}, synced.assignment());
        assertEquals(Errors.NONE, heartbeat(shard, leader.memberId(), 1));

        JoinGroupRequestData otherType = join("", "x").setProtocolType("connect");
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(),
                onParked(shard, s -> s.membership().join(context(), otherType)).errorCode());
        JoinGroupRequestData tooShort = join("", "x").setSessionTimeoutMs(1);
        assertEquals(Errors.INVALID_SESSION_TIMEOUT.code(),
                onParked(shard, s -> s.membership().join(context(), tooShort)).errorCode());

        // A second member starts a rebalance: the first learns of it from its heartbeat and rejoins.
        JoinGroupResponseData pending = onParked(shard, s -> s.membership().join(context(), join("", "second")));
        CompletableFuture<JoinGroupResponseData> second = parked(shard, error -> null,
                s -> s.membership().join(context(), join(pending.memberId(), "second")));
        assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(shard, leader.memberId(), 1));
        assertEquals(Errors.REBALANCE_IN_PROGRESS.code(), sync(shard, leader.memberId(), 1, null).errorCode());
        assertFalse(second.isDone(), "the join waits for the first member to rejoin");
        JoinGroupResponseData rejoined = onParked(shard, s -> s.membership().join(context(),
                join(leader.memberId(), "leader-metadata")));
        assertEquals(2, rejoined.generationId());
        assertEquals(2, rejoined.members().size(), "the leader learns of every member");
        JoinGroupResponseData follower = second.get(10, TimeUnit.SECONDS);
        assertEquals(2, follower.generationId());
        assertEquals(0, follower.members().size());

        // The follower's SyncGroup waits for the leader's, which hands out both assignments.
        CompletableFuture<SyncGroupResponseData> followerSync = parked(shard, error -> null, s -> s.membership().sync(
                new SyncGroupRequestData().setGroupId("g").setMemberId(follower.memberId()).setGenerationId(2)));
        SyncGroupRequestData leaderSync = new SyncGroupRequestData().setGroupId("g").setMemberId(leader.memberId())
                .setGenerationId(2);
        leaderSync.assignments().add(new SyncGroupRequestAssignment().setMemberId(leader.memberId())
                .setAssignment(new byte[] {1}));
        leaderSync.assignments().add(new SyncGroupRequestAssignment().setMemberId(follower.memberId())
                .setAssignment(new byte[] {2}));
        assertArrayEquals(new byte[] {1}, onParked(shard, s -> s.membership().sync(leaderSync)).assignment());
        assertArrayEquals(new byte[] {2}, followerSync.get(10, TimeUnit.SECONDS).assignment());
    }

    @Test
    void offsetsAndMembershipAreRebuiltFromTheLog() throws Exception {
        Shard shard = loaded(shard(), log);
        JoinGroupResponseData member = joinNew(shard, "metadata");
        sync(shard, member.memberId(), 1, new byte[] {9});
        Map<TopicPartition, Errors> committed = on(shard, s -> s.offsets().commit("g",
                new OffsetCommits.Committer(1, member.memberId(), null, -1),
                Map.of(DATA, new OffsetCommits.Commit(42, 3, "meta"))));
        assertEquals(Map.of(DATA, Errors.NONE), committed);
        on(shard, s -> s.offsets().commit("simple", new OffsetCommits.Committer(-1, "", null, -1),
                Map.of(DATA, new OffsetCommits.Commit(5, -1, null))));
        on(shard, s -> s.offsets().commit("deleted", new OffsetCommits.Committer(-1, "", null, -1),
                Map.of(DATA, new OffsetCommits.Commit(6, -1, null))));
        assertEquals(Errors.NONE, on(shard, s -> s.offsets().deleteGroup("deleted")));
        shard.unload();

        Shard reloaded = loaded(shard(), log);
        CommittedOffset offset = read(reloaded, s -> (
                s.offsets().fetch("g", List.of(DATA), false).offsets().get(DATA)));
        assertEquals(new CommittedOffset(42, 3, "meta", offset.commitTimestamp(), -1, offset.recordOffset()), offset);
        assertEquals(5, read(reloaded, s -> (
                s.offsets().fetch("simple", null, false).offsets().get(DATA))).offset());
        assertEquals(Map.of(), read(reloaded, s -> (s.offsets().fetch("deleted", null, false).offsets())));
        // The member is back, Stable in its generation with its assignment, and keeps heartbeating.
        assertEquals(Errors.NONE, heartbeat(reloaded, member.memberId(), 1));
        assertArrayEquals(new byte[] {9}, sync(reloaded, member.memberId(), 1, null).assignment());
    }

    @Test
    void commitsAreCheckedAgainstTheGroup() throws Exception {
        Shard shard = loaded(shard(), log);
        JoinGroupResponseData member = joinNew(shard, "metadata");
        OffsetCommits.Commit commit = new OffsetCommits.Commit(1, -1, "");
        assertEquals(Map.of(DATA, Errors.REBALANCE_IN_PROGRESS), on(shard, s -> s.offsets().commit("g",
                new OffsetCommits.Committer(1, member.memberId(), null, -1), Map.of(DATA, commit))));
        sync(shard, member.memberId(), 1, new byte[0]);
        assertEquals(Map.of(DATA, Errors.UNKNOWN_MEMBER_ID), on(shard, s -> s.offsets().commit("g",
                new OffsetCommits.Committer(-1, "", null, -1), Map.of(DATA, commit))), "a simple commit to a live group");
        assertEquals(Map.of(DATA, Errors.ILLEGAL_GENERATION), on(shard, s -> s.offsets().commit("g",
                new OffsetCommits.Committer(0, member.memberId(), null, -1), Map.of(DATA, commit))));
        assertEquals(Map.of(DATA, Errors.ILLEGAL_GENERATION), on(shard, s -> s.offsets().commit("unknown",
                new OffsetCommits.Committer(3, "someone", null, -1), Map.of(DATA, commit))));
        assertEquals(Map.of(DATA, Errors.OFFSET_METADATA_TOO_LARGE), on(shard, s -> s.offsets().commit("g",
                new OffsetCommits.Committer(1, member.memberId(), null, -1),
                Map.of(DATA, new OffsetCommits.Commit(1, -1, "x".repeat(17))))));
        assertEquals(Errors.NON_EMPTY_GROUP, on(shard, s -> s.offsets().deleteGroup("g")));
        assertEquals(Errors.GROUP_ID_NOT_FOUND, on(shard, s -> s.offsets().deleteGroup("unknown")));
    }

    @Test
    void anEmptyGroupsOffsetsExpireAndTheGroupGoesWithThem() throws Exception {
        config = config(200);
        Shard shard = loaded(shard(), log);
        on(shard, s -> s.offsets().commit("old", new OffsetCommits.Committer(-1, "", null, -1),
                Map.of(DATA, new OffsetCommits.Commit(5, -1, null))));
        on(shard, s -> s.offsets().commit("kept", new OffsetCommits.Committer(-1, "", null, 60_000),
                Map.of(DATA, new OffsetCommits.Commit(6, -1, null))));
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            on(shard, s -> s.offsets().expire());
            return read(shard, s -> s.group("old").isEmpty());
        });
        assertEquals(6, read(shard, s -> (s.offsets().fetch("kept", null, false).offsets().get(DATA)))
                .offset(), "an explicit retention time outlives offsets.retention.minutes");
        shard.unload();
        Shard reloaded = loaded(shard(), log);
        assertTrue(this.<Boolean>read(reloaded, s -> (s.group("old").isEmpty())),
                "the expiry was written to the log");
    }

    private Map<TopicPartition, Errors> commit(Shard shard, String groupId,
                                                      OffsetCommits.Committer committer, long offset) throws Exception {
        return on(shard, s -> s.offsets().commit(groupId, committer, Map.of(DATA, new OffsetCommits.Commit(offset, -1, ""))));
    }

    private Optional<Long> committed(Shard shard, String groupId) throws Exception {
        return read(shard, s -> (Optional.ofNullable(
                s.offsets().fetch(groupId, List.of(DATA), false).offsets().get(DATA)).map(CommittedOffset::offset)));
    }

    private Set<String> groupIds(Shard shard) throws Exception {
        return read(shard, s -> (
                s.groups().stream().map(g -> g.groupId()).collect(Collectors.toSet())));
    }

    /** Kafka's answers to an OffsetCommit whose write fails, by the append's error. */
    @ParameterizedTest
    @CsvSource({"NOT_ENOUGH_REPLICAS, COORDINATOR_NOT_AVAILABLE", "NOT_ENOUGH_REPLICAS_AFTER_APPEND, COORDINATOR_NOT_AVAILABLE",
            "UNKNOWN_TOPIC_OR_PARTITION, COORDINATOR_NOT_AVAILABLE", "REQUEST_TIMED_OUT, COORDINATOR_NOT_AVAILABLE",
            "NOT_LEADER_OR_FOLLOWER, NOT_COORDINATOR", "KAFKA_STORAGE_ERROR, NOT_COORDINATOR",
            "MESSAGE_TOO_LARGE, INVALID_COMMIT_OFFSET_SIZE", "RECORD_LIST_TOO_LARGE, INVALID_COMMIT_OFFSET_SIZE"})
    void aCommitThatCannotBeWrittenIsRefusedAndChangesNothing(Errors appendError, Errors answered) throws Exception {
        Shard shard = loaded(shard(), log);
        JoinGroupResponseData member = joinNew(shard, "metadata");
        sync(shard, member.memberId(), 1, new byte[] {9});
        OffsetCommits.Committer inGeneration = new OffsetCommits.Committer(1, member.memberId(), null, -1);
        assertEquals(Map.of(DATA, Errors.NONE), commit(shard, "g", inGeneration, 42));

        writer.failWith(appendError);
        assertEquals(Map.of(DATA, answered), commit(shard, "g", inGeneration, 43));
        assertEquals(Map.of(DATA, answered), commit(shard, "simple", new OffsetCommits.Committer(-1, "", null, -1), 5));
        assertEquals(Optional.of(42L), committed(shard, "g"), "the commit that failed is not served");
        assertEquals(Set.of("g"), groupIds(shard), "no group is left behind by a commit that did not happen");
        assertEquals(Errors.NONE, heartbeat(shard, member.memberId(), 1), "the member is still in its generation");

        writer.failWith(Errors.NONE);
        shard.unload();
        Shard reloaded = loaded(shard(), log);
        assertEquals(Optional.of(42L), committed(reloaded, "g"));
        assertEquals(Set.of("g"), groupIds(reloaded));
    }

    /** Kafka's answers to a SyncGroup whose assignment cannot be written: the group rebalances again. */
    @ParameterizedTest
    @CsvSource({"NOT_ENOUGH_REPLICAS, COORDINATOR_NOT_AVAILABLE", "REQUEST_TIMED_OUT, COORDINATOR_NOT_AVAILABLE",
            "NOT_LEADER_OR_FOLLOWER, NOT_COORDINATOR", "MESSAGE_TOO_LARGE, UNKNOWN_SERVER_ERROR"})
    void anAssignmentThatCannotBeWrittenIsNotHandedOutAndTheGroupRebalances(Errors appendError, Errors answered)
            throws Exception {
        Shard shard = loaded(shard(), log);
        JoinGroupResponseData leader = joinNew(shard, "metadata");

        writer.failWith(appendError);
        SyncGroupResponseData refused = sync(shard, leader.memberId(), 1, new byte[] {1});
        assertEquals(answered.code(), refused.errorCode());
        assertArrayEquals(new byte[0], refused.assignment());
        assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(shard, leader.memberId(), 1));

        writer.failWith(Errors.NONE);
        JoinGroupResponseData rejoined = onParked(shard, s -> s.membership().join(context(),
                join(leader.memberId(), "metadata")));
        assertEquals(2, rejoined.generationId());
        assertArrayEquals(new byte[] {2}, sync(shard, leader.memberId(), 2, new byte[] {2}).assignment());
        shard.unload();
        Shard reloaded = loaded(shard(), log);
        assertArrayEquals(new byte[] {2}, sync(reloaded, leader.memberId(), 2, null).assignment(),
                "only the assignment that was written comes back");
    }

    /**
     * A static member that comes back under a new member id which cannot be written is refused, and
     * its old self stays in the group, with its session running again: not heartbeating, it leaves.
     */
    @Test
    @Timeout(120)
    void aStaticMemberWhoseNewIdCannotBeWrittenKeepsItsOldPlaceAndSession() throws Exception {
        Shard shard = loaded(shard(), log);
        JoinGroupRequestData staticJoin = join("", "metadata").setGroupInstanceId("instance").setSessionTimeoutMs(10_000);
        JoinGroupResponseData first = onParked(shard, s -> s.membership().join(context(), staticJoin));
        assertEquals(Errors.NONE.code(), first.errorCode());
        sync(shard, first.memberId(), 1, new byte[] {7});

        writer.failWith(Errors.NOT_ENOUGH_REPLICAS);
        JoinGroupResponseData refused = onParked(shard, s -> s.membership().join(context(), staticJoin));
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), refused.errorCode());
        // No heartbeat from here on: one would restart the old member's session whatever the shard did.
        assertEquals(Set.of(first.memberId()), read(shard, s -> (
                s.group("g").orElseThrow().members().stream().map(m -> m.memberId()).collect(Collectors.toSet()))));
        assertTrue(this.<Boolean>read(shard, s -> (s.group("g").orElseThrow()
                .isLeader(first.memberId()))), "and still the leader");

        writer.failWith(Errors.NONE);
        await("the old member leaves once its session ends").atMost(Duration.ofSeconds(90)).until(() -> read(shard,
                s -> !s.group("g").orElseThrow().hasMember(first.memberId())));
    }

    /** DeleteGroups, OffsetDelete and expiry whose tombstones cannot be written delete nothing. */
    @Test
    void deletionsThatCannotBeWrittenDeleteNothing() throws Exception {
        config = config(0); // every empty group's offsets are due
        Shard shard = loaded(shard(), log);
        OffsetCommits.Committer simple = new OffsetCommits.Committer(-1, "", null, -1);
        assertEquals(Map.of(DATA, Errors.NONE), commit(shard, "kept", simple, 5));

        writer.failWith(Errors.NOT_LEADER_OR_FOLLOWER);
        assertEquals(Errors.NOT_COORDINATOR, on(shard, s -> s.offsets().deleteGroup("kept")));
        assertEquals(Errors.NOT_COORDINATOR, on(shard, s -> s.offsets().deleteOffsets("kept", List.of(DATA)))
                .groupError());
        on(shard, s -> s.offsets().expire());
        assertEquals(Optional.of(5L), committed(shard, "kept"));
        assertEquals(Set.of("kept"), groupIds(shard));

        writer.failWith(Errors.NONE);
        shard.unload();
        assertEquals(Optional.of(5L), committed(loaded(shard(), log), "kept"), "no tombstone reached the log");
    }

    private Map<TopicPartition, CommittedOffset> fetch(Shard shard, String groupId)
            throws Exception {
        return read(shard, s -> (s.offsets().fetch(groupId, null, false).offsets()));
    }

    private Errors simpleCommit(Shard shard, String groupId, TopicPartition tp, long offset)
            throws Exception {
        return on(shard, s -> s.offsets().commit(groupId, new OffsetCommits.Committer(-1, "", null, -1),
                Map.of(tp, new OffsetCommits.Commit(offset, -1, null)))).get(tp);
    }

    /** Kafka's onPartitionsDeleted: a deleted topic's offsets leave every group, for good. */
    @Test
    void aDeletedTopicsOffsetsLeaveEveryGroupAndStayGone() throws Exception {
        Shard shard = loaded(shard(), log);
        assertEquals(Errors.NONE, simpleCommit(shard, "both", DATA, 7));
        assertEquals(Errors.NONE, simpleCommit(shard, "both", OTHER, 8));
        assertEquals(Errors.NONE, simpleCommit(shard, "one", DATA, 9));

        topics.remove(DATA.topic());
        runtime.writeAfterPendingWrites(PARTITION, error -> null, s -> s.offsets().removeOffsetsOf(DATA.topic()::equals));
        await().atMost(Duration.ofSeconds(10)).until(() -> fetch(shard, "one").isEmpty());
        assertEquals(Set.of(OTHER), fetch(shard, "both").keySet());
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, simpleCommit(shard, "both", DATA, 10), "the topic is gone");

        shard.unload();
        topics.add(DATA.topic()); // created again under the same name: it starts with no offsets
        Shard reloaded = loaded(shard(), log);
        assertEquals(Map.of(), fetch(reloaded, "one"));
        assertEquals(Set.of(OTHER), fetch(reloaded, "both").keySet());
    }

    /** A shard that loads after a topic was deleted, on a broker that did not lead it then, drops its offsets. */
    @Test
    void aShardLoadedAfterATopicsDeletionDropsItsOffsetsForGood() throws Exception {
        Shard before = loaded(shard(), log);
        assertEquals(Errors.NONE, simpleCommit(before, "g", DATA, 7));
        assertEquals(Errors.NONE, simpleCommit(before, "g", OTHER, 8));
        before.unload(); // leadership moved away: no one removes the offsets when the topic goes

        topics.remove(DATA.topic());
        Shard after = loaded(shard(), log);
        await().atMost(Duration.ofSeconds(10)).until(() -> fetch(after, "g").keySet().equals(Set.of(OTHER)));

        after.unload();
        topics.add(DATA.topic());
        Shard recreated = loaded(shard(), log);
        assertEquals(Set.of(OTHER), fetch(recreated, "g").keySet(), "the load wrote tombstones, not only forgot");
    }

    /**
     * TxnOffsetCommit on the shard: a transaction's offsets wait, per producer, for the marker the
     * runtime writes for it, which commits or drops them, live and when the partition is loaded
     * again; the committer is checked against the group as Kafka does (KIP-447); a stable fetch
     * finds the partitions open transactions hold; deletions and expiry take them into account.
     */
    @Nested
    class TransactionalOffsets {
        private static final OffsetCommits.Committer SIMPLE = new OffsetCommits.Committer(-1, "", null, -1);

        private Map<TopicPartition, Errors> txnCommit(String groupId, long producerId, OffsetCommits.Committer committer,
                                                      long offset) throws Exception {
            return runtime.writeTransactional(PARTITION, new TransactionalProducer(producerId, (short) 0),
                    error -> Map.of(DATA, error), s -> s.offsets().commitTransactional(groupId, committer,
                            Map.of(DATA, new OffsetCommits.Commit(offset, -1, "")))).get(10, TimeUnit.SECONDS);
        }

        private Errors endTransaction(long producerId, boolean commit) throws Exception {
            return runtime.completeTransaction(PARTITION, new TxnMarker(producerId, (short) 0, 0, commit))
                    .get(10, TimeUnit.SECONDS);
        }

        private OffsetCommits.Fetched fetchStable(Shard shard, String groupId) throws Exception {
            return read(shard, s -> s.offsets().fetch(groupId, List.of(DATA), true));
        }

        @Test
        void aTransactionsOffsetsCountOnlyOnceItCommits() throws Exception {
            Shard shard = loaded(shard(), log);
            assertEquals(Map.of(DATA, Errors.NONE), commit(shard, "g", SIMPLE, 3));
            assertEquals(Map.of(DATA, Errors.NONE), txnCommit("g", 7, SIMPLE, 5));
            assertEquals(Optional.of(3L), committed(shard, "g"), "pending until the marker");
            assertEquals(new OffsetCommits.Fetched(Map.of(), Set.of(DATA)), fetchStable(shard, "g"));

            assertEquals(Errors.NONE, endTransaction(7, true));
            assertEquals(Optional.of(5L), committed(shard, "g"));
            assertEquals(Set.of(), fetchStable(shard, "g").unstable());

            assertEquals(Map.of(DATA, Errors.NONE), txnCommit("g", 7, SIMPLE, 8));
            assertEquals(Errors.NONE, endTransaction(7, false));
            assertEquals(Optional.of(5L), committed(shard, "g"), "an abort drops them");
            assertEquals(Set.of(), fetchStable(shard, "g").unstable());
        }

        @Test
        void committedAbortedAndOpenTransactionsAreRebuiltFromTheLog() throws Exception {
            Shard shard = loaded(shard(), log);
            txnCommit("committed", 1, SIMPLE, 10);
            endTransaction(1, true);
            txnCommit("aborted", 2, SIMPLE, 20);
            endTransaction(2, false);
            assertEquals(Map.of(DATA, Errors.NONE), txnCommit("open", 3, SIMPLE, 30));
            shard.unload();

            Shard reloaded = loaded(shard(), log);
            assertEquals(Optional.of(10L), committed(reloaded, "committed"));
            assertEquals(Optional.empty(), committed(reloaded, "aborted"));
            assertEquals(Optional.empty(), committed(reloaded, "open"));
            assertEquals(Set.of(DATA), fetchStable(reloaded, "open").unstable(), "still open after the load");
            assertEquals(Errors.NONE, endTransaction(3, true));
            assertEquals(Optional.of(30L), committed(reloaded, "open"));
        }

        /** The later record counts, live as after a load (or after compaction, which keeps only it). */
        @Test
        void aCommitWrittenAfterATransactionsOffsetOutlivesTheTransactionsCommit() throws Exception {
            Shard shard = loaded(shard(), log);
            txnCommit("g", 7, SIMPLE, 5);
            commit(shard, "g", SIMPLE, 9);
            assertEquals(Errors.NONE, endTransaction(7, true));
            assertEquals(Optional.of(9L), committed(shard, "g"));
            shard.unload();
            assertEquals(Optional.of(9L), committed(loaded(shard(), log), "g"));
        }

        /**
         * KIP-447: a producer commits for the consumer generation it read in; a zombie of an older
         * generation, an unknown member or a fenced static instance is refused. Without member and
         * generation (clients before TxnOffsetCommit v3) nothing is checked, and a rebalance in
         * progress does not refuse a transaction's commit.
         */
        @Test
        void theCommitterIsCheckedAgainstTheGroup() throws Exception {
            Shard shard = loaded(shard(), log);
            JoinGroupResponseData member = onParked(shard, s -> s.membership().join(context(),
                    join("", "metadata").setGroupInstanceId("instance")));
            String memberId = member.memberId();
            assertEquals(Map.of(DATA, Errors.REBALANCE_IN_PROGRESS),
                    commit(shard, "g", new OffsetCommits.Committer(1, memberId, "instance", -1), 1));
            assertEquals(Map.of(DATA, Errors.NONE),
                    txnCommit("g", 7, new OffsetCommits.Committer(1, memberId, "instance", -1), 1));
            sync(shard, memberId, 1, new byte[0]);

            assertEquals(Map.of(DATA, Errors.ILLEGAL_GENERATION),
                    txnCommit("g", 7, new OffsetCommits.Committer(0, memberId, "instance", -1), 2));
            assertEquals(Map.of(DATA, Errors.UNKNOWN_MEMBER_ID),
                    txnCommit("g", 7, new OffsetCommits.Committer(1, "zombie", null, -1), 2));
            assertEquals(Map.of(DATA, Errors.FENCED_INSTANCE_ID),
                    txnCommit("g", 7, new OffsetCommits.Committer(1, "zombie", "instance", -1), 2));
            assertEquals(Map.of(DATA, Errors.ILLEGAL_GENERATION),
                    txnCommit("unknown", 7, new OffsetCommits.Committer(1, memberId, null, -1), 2));
            assertEquals(Map.of(DATA, Errors.NONE), txnCommit("g", 7, SIMPLE, 2), "an older client's");
            assertEquals(Map.of(DATA, Errors.NONE),
                    txnCommit("g", 7, new OffsetCommits.Committer(1, memberId, "instance", -1), 3));
            endTransaction(7, true);
            assertEquals(Optional.of(3L), committed(shard, "g"));
        }

        /** As in Kafka: an offset an open transaction will replace does not expire, nor does its group go. */
        @Test
        void anOpenTransactionHoldsItsGroupAndOffsetsAgainstExpiry() throws Exception {
            config = config(200);
            Shard shard = loaded(shard(), log);
            assertEquals(Errors.NONE, simpleCommit(shard, "g", DATA, 4));
            assertEquals(Errors.NONE, simpleCommit(shard, "g", OTHER, 6));
            txnCommit("g", 7, SIMPLE, 5);
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                on(shard, s -> s.offsets().expire());
                return !fetch(shard, "g").containsKey(OTHER);
            });
            assertEquals(Set.of(DATA), fetch(shard, "g").keySet(), "DATA is held by the open transaction");

            endTransaction(7, true);
            assertEquals(Optional.of(5L), committed(shard, "g"));
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                on(shard, s -> s.offsets().expire());
                return groupIds(shard).isEmpty();
            });
        }

        /** Deleting a group or its offsets writes tombstones for what open transactions wrote, which they then cannot commit. */
        @Test
        void deletingAGroupOrItsOffsetsTakesOpenTransactionsOffsetsToo() throws Exception {
            Shard shard = loaded(shard(), log);
            txnCommit("deleted", 7, SIMPLE, 5);
            assertEquals(Errors.NONE, on(shard, s -> s.offsets().deleteGroup("deleted")));
            txnCommit("offset-deleted", 8, SIMPLE, 6);
            assertEquals(Map.of(DATA, Errors.NONE),
                    on(shard, s -> s.offsets().deleteOffsets("offset-deleted", List.of(DATA))).partitions());
            endTransaction(7, true);
            endTransaction(8, true);
            assertEquals(Optional.empty(), committed(shard, "deleted"));
            assertEquals(Optional.empty(), committed(shard, "offset-deleted"));
            shard.unload();
            Shard reloaded = loaded(shard(), log);
            assertEquals(Optional.empty(), committed(reloaded, "deleted"));
            assertEquals(Optional.empty(), committed(reloaded, "offset-deleted"));
        }
    }
}
