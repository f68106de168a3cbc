package io.skein.broker.group;

import io.skein.broker.coordinator.CoordinatorPartitionWriter;
import io.skein.broker.coordinator.CoordinatorResult;
import io.skein.broker.coordinator.CoordinatorRuntime;
import io.skein.broker.group.MembershipProtocol.JoinContext;
import io.skein.broker.group.OffsetCommits.Commit;
import io.skein.broker.group.OffsetCommits.Committer;
import io.skein.broker.group.OffsetCommits.DeleteResult;
import io.skein.broker.kafka.LogRecords.TransactionalProducer;
import io.skein.broker.replica.Partition;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.replica.ReplicaManager.TxnMarker;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import io.skein.metadata.image.TopicImage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The group coordinator of one broker (classic protocol): a group belongs to the partition of
 * {@code __consumer_offsets} its id hashes to, and the leader of that partition coordinates it. The
 * coordinator follows the metadata log: it loads a partition's groups when this broker becomes its
 * leader and unloads them when it stops being leader. Each partition's groups are a
 * {@link GroupCoordinatorShard} on the {@link CoordinatorRuntime}, which owns the threads; this class
 * turns requests into operations on the shards. Callers get futures and never wait.
 */
public final class GroupCoordinator implements MetadataPublisher, AutoCloseable {
    public static final String OFFSETS_TOPIC = "__consumer_offsets";
    /** The group type ListGroups v5 and DescribeGroups report for groups of the classic protocol. */
    public static final String CLASSIC_GROUP_TYPE = "classic";

    private final int brokerId;
    private final GroupConfig config;
    private final ReplicaManager replicaManager;
    private final Clock clock;
    private final CoordinatorRuntime<GroupCoordinatorShard> runtime;
    private final BooleanSupplier leased;
    private volatile int partitionCount;
    /** The latest metadata, for the topics committed offsets may name. */
    private volatile MetadataImage image = MetadataImage.EMPTY;

    /**
     * @param leased whether this broker's lease from the controller holds (see {@code BrokerLease}): a
     *               stable OffsetFetch is answered only then
     */
    public GroupCoordinator(int brokerId, GroupConfig config, ReplicaManager replicaManager, Clock clock,
                            BooleanSupplier leased) {
        this.brokerId = brokerId;
        this.leased = leased;
        this.config = config;
        this.replicaManager = replicaManager;
        this.clock = clock;
        this.partitionCount = config.offsetsTopicPartitions();
        this.runtime = new CoordinatorRuntime<>("group-coordinator",
                new CoordinatorPartitionWriter(replicaManager, config.offsetCommitTimeoutMs(), clock));
    }

    /** The partition of {@code __consumer_offsets} that holds a group: Kafka's hash, so tools agree. */
    public static int partitionFor(String groupId, int partitions) {
        return CoordinatorRuntime.partitionFor(groupId, partitions);
    }

    /** The partition of {@code __consumer_offsets} holding {@code groupId}, by the topic's partition count. */
    public int partitionFor(String groupId) {
        return partitionFor(groupId, partitionCount);
    }

    public GroupConfig config() {
        return config;
    }

    // ---------------------------------------------------------------- leadership

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        image = newImage; // before the shards learn of deleted topics: a commit checked after this sees them gone
        TopicImage topic = newImage.topic(OFFSETS_TOPIC);
        if (topic != null) {
            partitionCount = topic.partitions().size();
        }
        runtime.followLeadership(topic, brokerId, tp -> replicaManager.partition(tp).map(Partition::log),
                (tp, leaderEpoch, timer) -> new GroupCoordinatorShard(config, clock, name -> image.topic(name) != null,
                        timer));
        Predicate<String> deleted = deletedTopics(delta, newImage);
        if (deleted != null) {
            // After the writes under way: a commit still being written is among the offsets to remove.
            runtime.partitions().forEach(tp -> runtime.writeAfterPendingWrites(tp, error -> null,
                    shard -> shard.offsets().removeOffsetsOf(deleted)));
        }
    }

    /**
     * The topics this update deletes, or null if none: those it removes, or for a whole image that
     * replaces everything, any topic it lacks.
     */
    private static Predicate<String> deletedTopics(MetadataDelta delta, MetadataImage newImage) {
        if (delta.image() == MetadataImage.EMPTY) {
            return name -> newImage.topic(name) == null;
        }
        Set<String> removed = delta.removedTopics().values().stream().map(TopicImage::name).collect(Collectors.toSet());
        return removed.isEmpty() ? null : removed::contains;
    }

    /** Runs {@code operation} on the shard of {@code groupId}; NOT_COORDINATOR if this broker has none. */
    private <T> CompletableFuture<T> onShard(String groupId, Function<Errors, T> errorResponse,
                                             Function<GroupCoordinatorShard, CoordinatorResult<T>> operation) {
        return runtime.write(shardOf(groupId), errorResponse, operation);
    }

    /** As {@link #onShard}, for an operation that may park its answer until the group gets there. */
    private <T> CompletableFuture<T> parkedOnShard(String groupId, Function<Errors, T> errorResponse,
            Function<GroupCoordinatorShard, CoordinatorResult<CompletableFuture<T>>> operation) {
        return onShard(groupId, error -> CompletableFuture.completedFuture(errorResponse.apply(error)), operation)
                .thenCompose(parked -> parked);
    }

    private <T> CompletableFuture<T> readShard(String groupId, Function<Errors, T> errorResponse,
                                               Function<GroupCoordinatorShard, T> operation) {
        return runtime.read(shardOf(groupId), errorResponse, operation);
    }

    /** The partition of {@code __consumer_offsets} whose shard holds {@code groupId}. */
    public TopicPartition shardOf(String groupId) {
        return new TopicPartition(OFFSETS_TOPIC, partitionFor(groupId));
    }

    // ---------------------------------------------------------------- membership

    public CompletableFuture<JoinGroupResponseData> joinGroup(short version, String clientId, String clientHost,
                                                              JoinGroupRequestData request) {
        if (request.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(MembershipProtocol.joinError(request.memberId(),
                    Errors.INVALID_GROUP_ID));
        }
        JoinContext context = new JoinContext(version, clientId, clientHost);
        return parkedOnShard(request.groupId(), error -> MembershipProtocol.joinError(request.memberId(), error),
                shard -> shard.membership().join(context, request));
    }

    public CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData request) {
        return parkedOnShard(request.groupId(), MembershipProtocol::syncError, shard -> shard.membership().sync(request));
    }

    public CompletableFuture<HeartbeatResponseData> heartbeat(HeartbeatRequestData request) {
        return onShard(request.groupId(), MembershipProtocol::heartbeatResponse,
                shard -> shard.membership().heartbeat(request));
    }

    /** LeaveGroup: the group error, and each member's. */
    public record LeaveResult(Errors error, List<MemberResponse> members) {
    }

    public CompletableFuture<LeaveResult> leaveGroup(String groupId, List<MemberIdentity> members) {
        return onShard(groupId, error -> new LeaveResult(error, List.of()),
                shard -> shard.membership().leave(groupId, members).map(r -> new LeaveResult(Errors.NONE, r)));
    }

    // ---------------------------------------------------------------- offsets

    /** OffsetCommit for one group; every partition's answer. */
    public CompletableFuture<Map<TopicPartition, Errors>> commitOffsets(String groupId, int generationId,
            String memberId, String groupInstanceId, long retentionTimeMs, Map<TopicPartition, Commit> commits) {
        Committer committer = new Committer(generationId, memberId, groupInstanceId, retentionTimeMs);
        Function<Errors, Map<TopicPartition, Errors>> failed = error -> allFailed(commits.keySet(), error);
        if (groupId.isEmpty()) {
            return CompletableFuture.completedFuture(failed.apply(Errors.INVALID_GROUP_ID));
        }
        return onShard(groupId, failed, shard -> shard.offsets().commit(groupId, committer, commits));
    }

    /**
     * TxnOffsetCommit for one group: once {@code verification} has the group's partition of
     * {@code __consumer_offsets} in the producer's transaction (KIP-890), writes the commits as the
     * producer's transactional batch there; every partition's answer. They count once the
     * transaction's marker commits them (see {@link #completeTransaction}).
     *
     * @param verification the transaction coordinator's answer for that partition, as a producer expects it
     */
    public CompletableFuture<Map<TopicPartition, Errors>> commitTransactionalOffsets(String groupId,
            TransactionalProducer producer, int generationId, String memberId, String groupInstanceId,
            Map<TopicPartition, Commit> commits, Function<TopicPartition, CompletableFuture<Errors>> verification) {
        Committer committer = new Committer(generationId, memberId, groupInstanceId, -1);
        Function<Errors, Map<TopicPartition, Errors>> failed = error -> allFailed(commits.keySet(), error);
        if (groupId.isEmpty()) {
            return CompletableFuture.completedFuture(failed.apply(Errors.INVALID_GROUP_ID));
        }
        TopicPartition shard = shardOf(groupId);
        return verification.apply(shard).thenCompose(error -> error != Errors.NONE
                ? CompletableFuture.completedFuture(failed.apply(CoordinatorResult.clientError(error,
                        Errors.UNKNOWN_SERVER_ERROR)))
                : runtime.writeTransactional(shard, producer, failed,
                        s -> s.offsets().commitTransactional(groupId, committer, commits)));
    }

    private static Map<TopicPartition, Errors> allFailed(Collection<TopicPartition> partitions, Errors error) {
        Map<TopicPartition, Errors> all = new LinkedHashMap<>();
        partitions.forEach(tp -> all.put(tp, error));
        return all;
    }

    /**
     * WriteTxnMarkers for a partition of {@code __consumer_offsets}: the group coordinator writes the
     * marker itself, after its writes under way, so that the offsets of the transaction it ends count
     * (or go) as it is written (Kafka's {@code completeTransaction}). The append's error, or
     * NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS if this broker's shard cannot take it.
     */
    public CompletableFuture<Errors> completeTransaction(TopicPartition partition, TxnMarker marker) {
        return runtime.completeTransaction(partition, marker);
    }

    /** OffsetFetch for one group: a group error, or its offsets (none where it has committed none). */
    public record FetchResult(Errors error, OffsetCommits.Fetched fetched) {
    }

    /**
     * A stable fetch (a read_committed consumer's, which goes back to the offsets its transactions
     * committed) is answered only while this broker's lease holds, else NOT_COORDINATOR, on which
     * the client looks the coordinator up again: a broker frozen past its session may already have
     * been replaced, and newer offsets committed on the new coordinator, before it learns so.
     *
     * @param partitions    those asked for, or null for every partition the group has committed
     * @param requireStable whether partitions with offsets of an open transaction are unstable rather
     *                      than answered: then after the writes under way, so that a transaction's
     *                      commit still being written counts as open
     */
    public CompletableFuture<FetchResult> fetchOffsets(String groupId, List<TopicPartition> partitions,
                                                       boolean requireStable) {
        Function<Errors, FetchResult> failed = error -> new FetchResult(error, new OffsetCommits.Fetched(Map.of(), Set.of()));
        Function<GroupCoordinatorShard, FetchResult> fetch = shard -> new FetchResult(Errors.NONE,
                shard.offsets().fetch(groupId, partitions, requireStable));
        return requireStable ? runtime.readAfterPendingWrites(shardOf(groupId), leased, failed, fetch)
                : readShard(groupId, failed, fetch);
    }

    public CompletableFuture<DeleteResult> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        return onShard(groupId, error -> new DeleteResult(error, Map.of()),
                shard -> shard.offsets().deleteOffsets(groupId, partitions));
    }

    // ---------------------------------------------------------------- groups

    public CompletableFuture<Errors> deleteGroup(String groupId) {
        return onShard(groupId, error -> error, shard -> shard.offsets().deleteGroup(groupId));
    }

    /** ListGroups: every group this broker coordinates, or the error of a shard that cannot answer yet. */
    public record ListResult(Errors error, List<ListedGroup> groups) {
    }

    public CompletableFuture<ListResult> listGroups() {
        List<CompletableFuture<ListResult>> perShard = new ArrayList<>();
        for (TopicPartition tp : runtime.partitions()) {
            perShard.add(runtime.read(tp, error -> new ListResult(error, List.of()),
                    shard -> new ListResult(Errors.NONE, shard.groups().stream().map(g -> new ListedGroup()
                            .setGroupId(g.groupId()).setProtocolType(g.protocolType() == null ? "" : g.protocolType())
                            .setGroupState(g.state().kafkaName()).setGroupType(CLASSIC_GROUP_TYPE)).toList())));
        }
        return CompletableFuture.allOf(perShard.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            List<ListedGroup> all = new ArrayList<>();
            Errors error = Errors.NONE;
            for (CompletableFuture<ListResult> result : perShard) {
                ListResult listed = result.join();
                all.addAll(listed.groups());
                if (listed.error() == Errors.COORDINATOR_LOAD_IN_PROGRESS) {
                    error = listed.error();
                }
            }
            return new ListResult(error, all);
        });
    }

    /**
     * DescribeGroups for one group, as Kafka summarises it: a stable group shows its protocol and
     * each member's metadata and assignment; other states show members only. An unknown group is
     * Dead with no members; {@code errorCode} says only why it could not be described.
     */
    public CompletableFuture<DescribedGroup> describeGroup(String groupId) {
        return readShard(groupId, error -> new DescribedGroup().setGroupId(groupId).setErrorCode(error.code()),
                shard -> shard.group(groupId).map(GroupCoordinator::describe)
                        .orElseGet(() -> new DescribedGroup().setGroupId(groupId)
                                .setGroupState(GroupState.DEAD.kafkaName()).setProtocolType("").setProtocolData("")));
    }

    private static DescribedGroup describe(ClassicGroup group) {
        boolean stable = group.is(GroupState.STABLE);
        DescribedGroup described = new DescribedGroup().setGroupId(group.groupId())
                .setGroupState(group.state().kafkaName())
                .setProtocolType(group.protocolType() == null ? "" : group.protocolType())
                .setProtocolData(stable ? group.protocolName() : "");
        for (Member member : group.members()) {
            described.members().add(new DescribedGroupMember().setMemberId(member.memberId())
                    .setGroupInstanceId(member.groupInstanceId()).setClientId(member.clientId())
                    .setClientHost(member.clientHost())
                    .setMemberMetadata(stable ? member.metadata(group.protocolName()) : new byte[0])
                    .setMemberAssignment(stable ? member.assignment() : new byte[0]));
        }
        return described;
    }

    /** The partitions of its topic this broker coordinates now: the shards whose groups it has loaded. */
    public int loadedShards() {
        return runtime.partitions().size();
    }

    @Override
    public void close() {
        runtime.close();
    }
}
