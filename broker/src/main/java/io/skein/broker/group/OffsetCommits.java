package io.skein.broker.group;

import io.skein.broker.kafka.LogRecords;
import java.nio.ByteBuffer;
import io.skein.broker.kafka.LogRecords.KeyValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Committed offsets on one shard's groups: commits (written before they are acknowledged),
 * fetches, deletions and expiry; and the deletion of whole groups, which is the deletion of their
 * offsets with them. Runs on the shard's thread only.
 */
public final class OffsetCommits {
    private static final Logger log = LoggerFactory.getLogger(OffsetCommits.class);

    private final GroupCoordinatorShard shard;

    OffsetCommits(GroupCoordinatorShard shard) {
        this.shard = shard;
    }

    /** One partition's commit as requested: the next offset to read, with its leader epoch and metadata. */
    public record Commit(long offset, int leaderEpoch, String metadata) {
    }

    /** Who commits: a member of a generation, or (generation -1, no member) a client managing its own partitions. */
    record Committer(int generationId, String memberId, String groupInstanceId, long retentionTimeMs) {
    }

    /** Writes the commits and answers per partition, once they are in the log. */
    CompletableFuture<Map<TopicPartition, Errors>> commit(String groupId, Committer committer,
                                                          Map<TopicPartition, Commit> commits) {
        Optional<ClassicGroup> found = shard.group(groupId);
        if (found.isEmpty() && committer.generationId() >= 0) {
            return CompletableFuture.completedFuture(allFailed(commits.keySet(), Errors.ILLEGAL_GENERATION));
        }
        ClassicGroup group = found.orElseGet(() -> shard.getOrCreateGroup(groupId));
        Errors invalid = validate(group, committer);
        if (invalid != Errors.NONE) {
            return CompletableFuture.completedFuture(allFailed(commits.keySet(), invalid));
        }
        if (committer.generationId() >= 0) {
            group.member(committer.memberId()).ifPresent(m -> shard.membership.scheduleSessionExpiry(group, m));
        }
        long now = shard.clock.millis();
        long expireTimestamp = committer.retentionTimeMs() < 0 ? -1 : now + committer.retentionTimeMs();
        Map<TopicPartition, Errors> results = new LinkedHashMap<>();
        Map<TopicPartition, CommittedOffset> accepted = new LinkedHashMap<>();
        List<KeyValue> records = new ArrayList<>();
        commits.forEach((tp, commit) -> {
            String metadata = commit.metadata() == null ? "" : commit.metadata();
            if (!shard.topicExists.test(tp.topic())) { // deleted since the request was checked
                results.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                return;
            }
            if (metadata.length() > shard.config.offsetMetadataMaxBytes()) {
                results.put(tp, Errors.OFFSET_METADATA_TOO_LARGE);
                return;
            }
            CommittedOffset offset = new CommittedOffset(commit.offset(), commit.leaderEpoch(), metadata, now,
                    expireTimestamp);
            accepted.put(tp, offset);
            records.add(GroupRecords.offset(groupId, tp, offset));
            results.put(tp, Errors.NONE);
        });
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(results);
        }
        return shard.write(records).thenApply(error -> {
            if (error == Errors.NONE) {
                if (shard.group(groupId).orElse(null) == group) {
                    group.offsets.putAll(accepted);
                }
            } else {
                accepted.keySet().forEach(tp -> results.put(tp, error));
                if (found.isEmpty() && shard.group(groupId).orElse(null) == group && group.is(GroupState.EMPTY)
                        && group.offsets.isEmpty() && group.pendingMembers.isEmpty()) {
                    shard.removeGroup(groupId); // made for this commit, which did not happen
                }
            }
            return results;
        });
    }

    /** Kafka's checks of a commit against the group's generation and members. */
    private static Errors validate(ClassicGroup group, Committer committer) {
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
            if (committer.generationId() != group.generationId) {
                return Errors.ILLEGAL_GENERATION;
            }
        } else if (!group.is(GroupState.EMPTY)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return group.is(GroupState.COMPLETING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
    }

    private static Map<TopicPartition, Errors> allFailed(Collection<TopicPartition> partitions, Errors error) {
        Map<TopicPartition, Errors> results = new LinkedHashMap<>();
        partitions.forEach(tp -> results.put(tp, error));
        return results;
    }

    /**
     * The group's committed offsets for {@code partitions} (null: every partition it has committed),
     * absent where it has none.
     */
    Map<TopicPartition, CommittedOffset> fetch(String groupId, List<TopicPartition> partitions) {
        Map<TopicPartition, CommittedOffset> offsets = shard.group(groupId).map(g -> g.offsets).orElse(Map.of());
        if (partitions == null) {
            return new HashMap<>(offsets);
        }
        Map<TopicPartition, CommittedOffset> found = new HashMap<>();
        partitions.forEach(tp -> {
            CommittedOffset offset = offsets.get(tp);
            if (offset != null) {
                found.put(tp, offset);
            }
        });
        return found;
    }

    /** OffsetDelete: a group error, or per partition NONE or GROUP_SUBSCRIBED_TO_TOPIC. */
    public record DeleteResult(Errors groupError, Map<TopicPartition, Errors> partitions) {
    }

    CompletableFuture<DeleteResult> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        Optional<ClassicGroup> found = shard.group(groupId);
        if (found.isEmpty() || found.get().is(GroupState.DEAD)) {
            return CompletableFuture.completedFuture(new DeleteResult(Errors.GROUP_ID_NOT_FOUND, Map.of()));
        }
        ClassicGroup group = found.get();
        if (!group.is(GroupState.EMPTY) && !group.usesConsumerProtocol()) {
            return CompletableFuture.completedFuture(new DeleteResult(Errors.NON_EMPTY_GROUP, Map.of()));
        }
        Set<String> subscribed = group.is(GroupState.EMPTY) ? Set.of() : subscribedTopics(group);
        Map<TopicPartition, Errors> results = new LinkedHashMap<>();
        List<TopicPartition> deleting = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (subscribed.contains(tp.topic())) {
                results.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
            } else {
                results.put(tp, Errors.NONE);
                if (group.offsets.containsKey(tp)) {
                    deleting.add(tp);
                }
            }
        }
        if (deleting.isEmpty()) {
            return CompletableFuture.completedFuture(new DeleteResult(Errors.NONE, results));
        }
        return shard.write(deleting.stream().map(tp -> GroupRecords.offsetTombstone(groupId, tp)).toList())
                .thenApply(error -> {
                    if (error != Errors.NONE) {
                        return new DeleteResult(error, Map.of());
                    }
                    deleting.forEach(group.offsets::remove);
                    return new DeleteResult(Errors.NONE, results);
                });
    }

    private static Set<String> subscribedTopics(ClassicGroup group) {
        Set<String> topics = new HashSet<>();
        for (Member member : group.members()) {
            try {
                topics.addAll(LogRecords.subscribedTopics(ByteBuffer.wrap(member.metadata(group.protocolName))));
            } catch (RuntimeException e) {
                log.debug("Member {} of group {} sent metadata that is not a consumer subscription", member.memberId,
                        group.groupId, e);
            }
        }
        return topics;
    }

    /** DeleteGroups for one group: only an empty group can go, and its offsets go with it. */
    CompletableFuture<Errors> deleteGroup(String groupId) {
        Optional<ClassicGroup> found = shard.group(groupId);
        if (found.isEmpty() || found.get().is(GroupState.DEAD)) {
            return CompletableFuture.completedFuture(Errors.GROUP_ID_NOT_FOUND);
        }
        ClassicGroup group = found.get();
        if (!group.is(GroupState.EMPTY)) {
            return CompletableFuture.completedFuture(Errors.NON_EMPTY_GROUP);
        }
        return removeGroup(group, group.offsets.keySet());
    }

    /** Writes tombstones for {@code offsets} and the group, then forgets it. */
    private CompletableFuture<Errors> removeGroup(ClassicGroup group, Collection<TopicPartition> offsets) {
        List<KeyValue> records = new ArrayList<>();
        offsets.forEach(tp -> records.add(GroupRecords.offsetTombstone(group.groupId, tp)));
        records.add(GroupRecords.groupTombstone(group.groupId));
        return shard.write(records).thenApply(error -> {
            if (error == Errors.NONE && shard.group(group.groupId).orElse(null) == group && group.is(GroupState.EMPTY)) {
                shard.removeGroup(group.groupId);
            }
            return error;
        });
    }

    /**
     * Kafka's onPartitionsDeleted: every group's offsets of topics {@code deleted} names go, with
     * tombstones written for them, so that neither a coordinator loading the partition later nor a
     * topic created again under the same name finds them. They leave memory once the tombstones are
     * written; a failed write is logged and leaves them, for the next load to drop.
     */
    void removeOffsetsOf(Predicate<String> deleted) {
        Map<ClassicGroup, Map<TopicPartition, CommittedOffset>> gone = new HashMap<>();
        List<KeyValue> tombstones = new ArrayList<>();
        for (ClassicGroup group : shard.groups()) {
            group.offsets.forEach((tp, offset) -> {
                if (deleted.test(tp.topic())) {
                    gone.computeIfAbsent(group, g -> new HashMap<>()).put(tp, offset);
                    tombstones.add(GroupRecords.offsetTombstone(group.groupId, tp));
                }
            });
        }
        if (tombstones.isEmpty()) {
            return;
        }
        log.info("Removing {} committed offsets of deleted topics from {}", tombstones.size(), shard.partition);
        shard.write(tombstones).thenAccept(error -> {
            if (error != Errors.NONE) {
                log.warn("Could not write the tombstones of {} offsets of deleted topics to {}: {}", tombstones.size(),
                        shard.partition, error);
                return;
            }
            // Unless committed again meanwhile, after the tombstone.
            gone.forEach((group, offsets) -> offsets.forEach(group.offsets::remove));
        });
    }

    /**
     * Removes offsets past their retention (KIP-211): an empty group's once it has been empty for
     * {@code offsets.retention.minutes}, a consumer group's for topics it no longer subscribes to,
     * counted from their commit; and an explicit expiry time always. An empty group left with no
     * offsets is deleted.
     */
    void expire() {
        long now = shard.clock.millis();
        long retention = shard.config.offsetsRetentionMs();
        for (ClassicGroup group : new ArrayList<>(shard.groups())) {
            boolean empty = group.is(GroupState.EMPTY);
            Set<String> subscribed = empty || !group.usesConsumerProtocol() ? Set.of() : subscribedTopics(group);
            if (!empty && !group.usesConsumerProtocol()) {
                continue;
            }
            List<TopicPartition> expired = new ArrayList<>();
            group.offsets.forEach((tp, offset) -> {
                boolean due;
                if (offset.expireTimestamp() >= 0) {
                    due = now >= offset.expireTimestamp();
                } else if (empty) {
                    due = now - Math.max(group.stateTimestamp(), offset.commitTimestamp()) >= retention;
                } else {
                    due = !subscribed.contains(tp.topic()) && now - offset.commitTimestamp() >= retention;
                }
                if (due) {
                    expired.add(tp);
                }
            });
            if (empty && expired.size() == group.offsets.size()) {
                log.info("Deleting group {}: it is empty and has no unexpired offsets", group.groupId);
                removeGroup(group, expired);
            } else if (!expired.isEmpty()) {
                shard.write(expired.stream().map(tp -> GroupRecords.offsetTombstone(group.groupId, tp)).toList())
                        .thenAccept(error -> {
                            if (error == Errors.NONE) {
                                expired.forEach(group.offsets::remove);
                            }
                        });
            }
        }
    }
}
