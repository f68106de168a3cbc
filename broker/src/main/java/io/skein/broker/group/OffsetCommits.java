package io.skein.broker.group;

import io.skein.broker.coordinator.CoordinatorResult;
import io.skein.broker.coordinator.CoordinatorTimer;
import io.skein.broker.kafka.LogRecords;
import io.skein.broker.kafka.LogRecords.KeyValue;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Committed offsets on one shard's groups: commits (written before they are acknowledged), a
 * transaction's commits (TxnOffsetCommit, which count once the transaction commits), fetches,
 * deletions and expiry; and the deletion of whole groups, which is the deletion of their offsets
 * with them. Offsets of open transactions are deleted with the committed ones and hold back expiry,
 * as in Kafka. Each operation reads the groups and returns the records of its change, which the shard
 * replays once they are written. Runs on the shard's thread only.
 */
public final class OffsetCommits {
    private static final Logger log = LoggerFactory.getLogger(OffsetCommits.class);
    private static final String EXPIRY_TIMER = "expire-offsets";

    private final GroupCoordinatorShard shard;
    private final MembershipProtocol membership;
    private final GroupConfig config;
    private final Clock clock;
    /** Whether a topic exists in this broker's latest metadata. */
    private final Predicate<String> topicExists;
    private final CoordinatorTimer timer;

    OffsetCommits(GroupCoordinatorShard shard, MembershipProtocol membership, GroupConfig config, Clock clock,
                  Predicate<String> topicExists, CoordinatorTimer timer) {
        this.shard = shard;
        this.membership = membership;
        this.config = config;
        this.clock = clock;
        this.topicExists = topicExists;
        this.timer = timer;
    }

    /** One partition's commit as requested: the next offset to read, with its leader epoch and metadata. */
    public record Commit(long offset, int leaderEpoch, String metadata) {
    }

    /**
     * Who commits: a member of a generation, or (generation -1, no member) a client managing its own
     * partitions; {@code retentionTimeMs} -1 keeps the offsets as {@code offsets.retention.minutes} says.
     */
    record Committer(int generationId, String memberId, String groupInstanceId, long retentionTimeMs) {
    }

    /**
     * Writes the commits and answers per partition, once they are in the log. A client that commits
     * without joining (generation -1) may name a group there is none of: its first offset makes it.
     */
    CoordinatorResult<Map<TopicPartition, Errors>> commit(String groupId, Committer committer,
                                                          Map<TopicPartition, Commit> commits) {
        return commit(groupId, committer, commits, false);
    }

    /**
     * TxnOffsetCommit: the commits, which the runtime writes as the producer's transactional batch,
     * answered per partition once written; they count once its transaction commits. The committer is
     * checked against the group as for a commit, so that a zombie of an older generation is refused
     * (KIP-447), but neither a rebalance in progress nor a commit without member id fails it.
     */
    CoordinatorResult<Map<TopicPartition, Errors>> commitTransactional(String groupId, Committer committer,
                                                                       Map<TopicPartition, Commit> commits) {
        return commit(groupId, committer, commits, true);
    }

    private CoordinatorResult<Map<TopicPartition, Errors>> commit(String groupId, Committer committer,
                                                                  Map<TopicPartition, Commit> commits,
                                                                  boolean transactional) {
        Optional<ClassicGroup> found = shard.group(groupId);
        if (found.isEmpty() && committer.generationId() >= 0) {
            return CoordinatorResult.of(allFailed(commits.keySet(), Errors.ILLEGAL_GENERATION));
        }
        Errors invalid = found.map(group -> validate(group, committer, transactional)).orElse(Errors.NONE);
        if (invalid != Errors.NONE) {
            return CoordinatorResult.of(allFailed(commits.keySet(), invalid));
        }
        if (committer.generationId() >= 0 && !transactional) { // a member's commit is a sign of life; a producer's is not
            ClassicGroup group = found.get();
            group.member(committer.memberId()).ifPresent(m -> membership.scheduleSessionExpiry(group, m));
        }
        long now = clock.millis();
        long expireTimestamp = committer.retentionTimeMs() < 0 ? -1 : now + committer.retentionTimeMs();
        Map<TopicPartition, Errors> results = new LinkedHashMap<>();
        List<KeyValue> records = new ArrayList<>();
        commits.forEach((tp, commit) -> {
            String metadata = commit.metadata() == null ? "" : commit.metadata();
            if (!topicExists.test(tp.topic())) { // deleted since the request was checked
                results.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                return;
            }
            if (metadata.length() > config.offsetMetadataMaxBytes()) {
                results.put(tp, Errors.OFFSET_METADATA_TOO_LARGE);
                return;
            }
            records.add(GroupRecords.offset(groupId, tp,
                    CommittedOffset.toWrite(commit.offset(), commit.leaderEpoch(), metadata, now, expireTimestamp)));
            results.put(tp, Errors.NONE);
        });
        return new CoordinatorResult<>(records, error -> {
            if (error != Errors.NONE) {
                Errors answer = CoordinatorResult.clientError(error, Errors.INVALID_COMMIT_OFFSET_SIZE);
                results.replaceAll((tp, result) -> result == Errors.NONE ? answer : result);
            }
            return results;
        });
    }

    /**
     * Kafka's checks of a commit against the group's generation and members. A transaction's commit
     * without member and generation (TxnOffsetCommit before v3) is not checked, nor refused during a
     * rebalance: the group's state is not the transaction's concern.
     */
    private static Errors validate(ClassicGroup group, Committer committer, boolean transactional) {
        if (group.is(GroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (committer.generationId() < 0 && group.is(GroupState.EMPTY)) {
            return Errors.NONE;
        }
        if (committer.generationId() >= 0 || !committer.memberId().isEmpty() || committer.groupInstanceId() != null) {
            Errors member = MembershipProtocol.validateMember(group, committer.memberId(), committer.groupInstanceId());
            if (member != Errors.NONE) {
                return member;
            }
            if (committer.generationId() != group.generationId()) {
                return Errors.ILLEGAL_GENERATION;
            }
        } else if (!transactional && !group.is(GroupState.EMPTY)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return !transactional && group.is(GroupState.COMPLETING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
    }

    private static Map<TopicPartition, Errors> allFailed(Collection<TopicPartition> partitions, Errors error) {
        Map<TopicPartition, Errors> results = new LinkedHashMap<>();
        partitions.forEach(tp -> results.put(tp, error));
        return results;
    }

    /**
     * OffsetFetch's answer: the committed offsets, absent where the group has none; and the
     * partitions that are unstable instead, for a fetch that asked for stable offsets.
     */
    public record Fetched(Map<TopicPartition, CommittedOffset> offsets, Set<TopicPartition> unstable) {
    }

    /**
     * The group's committed offsets for {@code partitions} (null: every partition it has committed).
     * With {@code requireStable}, a partition an open transaction has written an offset for is
     * unstable (UNSTABLE_OFFSET_COMMIT: a read_committed consumer waits for the transaction to end
     * rather than start from an offset it may be about to move).
     */
    Fetched fetch(String groupId, List<TopicPartition> partitions, boolean requireStable) {
        Map<TopicPartition, CommittedOffset> offsets = shard.group(groupId).map(ClassicGroup::offsets).orElse(Map.of());
        Map<TopicPartition, CommittedOffset> found = new HashMap<>();
        Set<TopicPartition> unstable = new HashSet<>();
        PendingTransactionalOffsets pending = shard.pendingOffsets();
        for (TopicPartition tp : partitions == null ? offsets.keySet() : partitions) {
            CommittedOffset offset = offsets.get(tp);
            if (requireStable && pending.has(groupId, tp)) {
                unstable.add(tp);
            } else if (offset != null) {
                found.put(tp, offset);
            }
        }
        return new Fetched(found, unstable);
    }

    /** OffsetDelete: a group error, or per partition NONE or GROUP_SUBSCRIBED_TO_TOPIC. */
    public record DeleteResult(Errors groupError, Map<TopicPartition, Errors> partitions) {
    }

    CoordinatorResult<DeleteResult> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        Optional<ClassicGroup> found = shard.group(groupId);
        if (found.isEmpty() || found.get().is(GroupState.DEAD)) {
            return CoordinatorResult.of(new DeleteResult(Errors.GROUP_ID_NOT_FOUND, Map.of()));
        }
        ClassicGroup group = found.get();
        if (!group.is(GroupState.EMPTY) && !group.usesConsumerProtocol()) {
            return CoordinatorResult.of(new DeleteResult(Errors.NON_EMPTY_GROUP, Map.of()));
        }
        Set<String> subscribed = group.is(GroupState.EMPTY) ? Set.of() : subscribedTopics(group);
        Map<TopicPartition, Errors> results = new LinkedHashMap<>();
        List<KeyValue> tombstones = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (subscribed.contains(tp.topic())) {
                results.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
            } else {
                results.put(tp, Errors.NONE);
                if (group.offsets().containsKey(tp) || shard.pendingOffsets().has(groupId, tp)) {
                    tombstones.add(GroupRecords.offsetTombstone(groupId, tp));
                }
            }
        }
        return new CoordinatorResult<>(tombstones, error -> error == Errors.NONE ? new DeleteResult(Errors.NONE, results)
                : new DeleteResult(CoordinatorResult.clientError(error, Errors.INVALID_COMMIT_OFFSET_SIZE), Map.of()));
    }

    private static Set<String> subscribedTopics(ClassicGroup group) {
        Set<String> topics = new HashSet<>();
        for (Member member : group.members()) {
            try {
                topics.addAll(LogRecords.subscribedTopics(ByteBuffer.wrap(member.metadata(group.protocolName()))));
            } catch (RuntimeException e) {
                log.debug("Member {} of group {} sent metadata that is not a consumer subscription", member.memberId(),
                        group.groupId(), e);
            }
        }
        return topics;
    }

    /** DeleteGroups for one group: only an empty group can go, and its offsets go with it. */
    CoordinatorResult<Errors> deleteGroup(String groupId) {
        Optional<ClassicGroup> found = shard.group(groupId);
        if (found.isEmpty() || found.get().is(GroupState.DEAD)) {
            return CoordinatorResult.of(Errors.GROUP_ID_NOT_FOUND);
        }
        ClassicGroup group = found.get();
        if (!group.is(GroupState.EMPTY)) {
            return CoordinatorResult.of(Errors.NON_EMPTY_GROUP);
        }
        List<KeyValue> records = new ArrayList<>();
        Set<TopicPartition> offsets = new HashSet<>(group.offsets().keySet());
        offsets.addAll(shard.pendingOffsets().partitions(groupId));
        removeGroup(group, offsets, records);
        return new CoordinatorResult<>(records, error -> error == Errors.NONE ? Errors.NONE
                : CoordinatorResult.clientError(error, Errors.INVALID_COMMIT_OFFSET_SIZE));
    }

    /** The tombstones of {@code offsets} and of the group. */
    private static void removeGroup(ClassicGroup group, Collection<TopicPartition> offsets, List<KeyValue> records) {
        offsets.forEach(tp -> records.add(GroupRecords.offsetTombstone(group.groupId(), tp)));
        records.add(GroupRecords.groupTombstone(group.groupId()));
    }

    /** Once loaded: the offsets of topics gone meanwhile go (see {@link #removeOffsetsOf}), and expiry starts. */
    CoordinatorResult<Void> onLoaded() {
        scheduleExpiry();
        return removeOffsetsOf(topicExists.negate());
    }

    /**
     * Kafka's onPartitionsDeleted: every group's offsets of topics {@code deleted} names go, with
     * tombstones, so that neither a coordinator loading the partition later nor a topic created
     * again under the same name finds them. A failed write is logged and leaves them, for the next
     * load to drop. (Kafka's coordinator does not check on load; it relies on the leader when the
     * topic went, but there may have been none then, or its write may have failed.)
     */
    CoordinatorResult<Void> removeOffsetsOf(Predicate<String> deleted) {
        Map<String, Set<TopicPartition>> offsets = new HashMap<>();
        for (ClassicGroup group : shard.groups()) {
            offsets.computeIfAbsent(group.groupId(), id -> new HashSet<>()).addAll(group.offsets().keySet());
        }
        PendingTransactionalOffsets pending = shard.pendingOffsets();
        pending.groupIds().forEach(groupId -> offsets.computeIfAbsent(groupId, id -> new HashSet<>())
                .addAll(pending.partitions(groupId)));
        List<KeyValue> tombstones = new ArrayList<>();
        offsets.forEach((groupId, partitions) -> partitions.stream().filter(tp -> deleted.test(tp.topic()))
                .forEach(tp -> tombstones.add(GroupRecords.offsetTombstone(groupId, tp))));
        if (!tombstones.isEmpty()) {
            log.info("Removing {} committed offsets of deleted topics", tombstones.size());
        }
        return new CoordinatorResult<>(tombstones, error -> {
            if (error != Errors.NONE) {
                log.warn("Could not write the tombstones of {} offsets of deleted topics: {}", tombstones.size(), error);
            }
            return null;
        });
    }

    private void scheduleExpiry() {
        timer.schedule(EXPIRY_TIMER, config.offsetsRetentionCheckIntervalMs(), () -> {
            scheduleExpiry();
            return expire();
        });
    }

    /**
     * Removes offsets past their retention (KIP-211): an empty group's once it has been empty for
     * {@code offsets.retention.minutes}, a consumer group's for topics it no longer subscribes to,
     * counted from their commit; and an explicit expiry time always. An empty group left with no
     * offsets is deleted. As in Kafka, an offset an open transaction is about to replace stays, and
     * so does a group with open transactions.
     */
    CoordinatorResult<Void> expire() {
        long now = clock.millis();
        long retention = config.offsetsRetentionMs();
        List<KeyValue> records = new ArrayList<>();
        for (ClassicGroup group : shard.groups()) {
            boolean empty = group.is(GroupState.EMPTY);
            if (!empty && !group.usesConsumerProtocol()) {
                continue;
            }
            Set<String> subscribed = empty ? Set.of() : subscribedTopics(group);
            List<TopicPartition> expired = new ArrayList<>();
            group.offsets().forEach((tp, offset) -> {
                boolean due;
                if (offset.expireTimestamp() >= 0) {
                    due = now >= offset.expireTimestamp();
                } else if (empty) {
                    due = now - Math.max(group.stateTimestamp(), offset.commitTimestamp()) >= retention;
                } else {
                    due = !subscribed.contains(tp.topic()) && now - offset.commitTimestamp() >= retention;
                }
                if (due && !shard.pendingOffsets().has(group.groupId(), tp)) {
                    expired.add(tp);
                }
            });
            if (empty && expired.size() == group.offsets().size() && !shard.pendingOffsets().hasAny(group.groupId())) {
                log.info("Deleting group {}: it is empty and has no unexpired offsets", group.groupId());
                removeGroup(group, expired, records);
            } else {
                expired.forEach(tp -> records.add(GroupRecords.offsetTombstone(group.groupId(), tp)));
            }
        }
        return new CoordinatorResult<>(records, error -> {
            if (error != Errors.NONE) {
                log.warn("Could not write the expiry of {} offsets and groups: {}", records.size(), error);
            }
            return null;
        });
    }
}
