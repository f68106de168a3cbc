package io.skein.broker.admin;

import static io.skein.broker.admin.TopicRpcs.future;

import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.admin.DeleteGroupsRequest;
import io.skein.proto.admin.DeleteGroupsResponse;
import io.skein.proto.admin.DescribeGroupsRequest;
import io.skein.proto.admin.DescribeGroupsResponse;
import io.skein.proto.admin.GroupDescription;
import io.skein.proto.admin.GroupMember;
import io.skein.proto.admin.GroupOffset;
import io.skein.proto.admin.GroupSummary;
import io.skein.proto.admin.ListGroupsResponse;
import io.skein.proto.admin.ResetGroupOffsetsRequest;
import io.skein.proto.admin.ResetGroupOffsetsResponse;
import io.skein.proto.admin.TopicPartitions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.InvalidRequestException;

/**
 * The consumer group RPCs, through this broker's Kafka admin client, which asks each group's
 * coordinator; lag in offsets and in time is {@link GroupLag}'s. Public for the console, which
 * lists, describes and resets groups through the same code.
 */
public final class GroupRpcs {
    private final AdminContext context;
    private final TopicRpcs topics;
    private final GroupLag lag;

    GroupRpcs(AdminContext context, TopicRpcs topics, GroupLag lag) {
        this.context = context;
        this.topics = topics;
        this.lag = lag;
    }

    public CompletableFuture<ListGroupsResponse> listGroups() {
        return future(context.kafka().listGroups().all()).thenApply(groups -> {
            ListGroupsResponse.Builder response = ListGroupsResponse.newBuilder();
            groups.stream().sorted(Comparator.comparing(g -> g.groupId())).forEach(g -> response.addGroups(
                    GroupSummary.newBuilder().setGroupId(g.groupId()).setProtocolType(g.protocol())
                            .setState(g.groupState().map(GroupState::toString).orElse(""))));
            return response.build();
        });
    }

    /**
     * Groups with their members, committed offsets and lag; GROUP_ID_NOT_FOUND for one that does not exist.
     *
     * @param visibleTopics the topics whose offsets and lag are shown (and count in the group's totals)
     */
    public CompletableFuture<DescribeGroupsResponse> describeGroups(DescribeGroupsRequest request,
                                                                    Predicate<String> visibleTopics) {
        if (request.getGroupIdsCount() == 0) {
            throw new InvalidRequestException("Name at least one group to describe");
        }
        List<CompletableFuture<GroupDescription>> each = request.getGroupIdsList().stream()
                .map(id -> describeGroup(id, visibleTopics)).toList();
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v ->
                DescribeGroupsResponse.newBuilder().addAllGroups(each.stream().map(CompletableFuture::join).toList())
                        .build());
    }

    private CompletableFuture<GroupDescription> describeGroup(String groupId, Predicate<String> visibleTopics) {
        return description(groupId).thenCompose(group -> committed(groupId).thenCompose(committed -> {
            Map<TopicPartition, String> owners = new HashMap<>();
            group.members().forEach(m -> m.assignment().topicPartitions().forEach(tp -> owners.put(tp, m.consumerId())));
            List<TopicPartition> partitions = new ArrayList<>(committed.keySet());
            owners.keySet().stream().filter(tp -> !committed.containsKey(tp)).forEach(partitions::add);
            partitions.removeIf(tp -> !visibleTopics.test(tp.topic()));
            return groupOffsets(groupId, partitions, committed, owners).thenApply(offsets -> {
                GroupDescription.Builder description = GroupDescription.newBuilder().setGroupId(groupId)
                        .setState(group.groupState().toString()).setProtocolType(group.isSimpleConsumerGroup()
                                ? "" : "consumer")
                        .setProtocol(group.partitionAssignor() == null ? "" : group.partitionAssignor())
                        .setCoordinator(group.coordinator() == null ? -1 : group.coordinator().id())
                        .addAllOffsets(offsets)
                        .setTotalLag(offsets.stream().mapToLong(GroupOffset::getLag).filter(lag -> lag > 0).sum())
                        .setMaxLagMs(offsets.stream().mapToLong(GroupOffset::getLagMs).filter(lag -> lag >= 0).max()
                                .orElse(-1));
                group.members().stream().sorted(Comparator.comparing(MemberDescription::consumerId))
                        .forEach(m -> description.addMembers(member(m)));
                return description.build();
            });
        }));
    }

    private static GroupMember member(MemberDescription member) {
        GroupMember.Builder answer = GroupMember.newBuilder().setMemberId(member.consumerId())
                .setGroupInstanceId(member.groupInstanceId().orElse("")).setClientId(member.clientId())
                .setHost(member.host());
        member.assignment().topicPartitions().stream()
                .collect(Collectors.groupingBy(TopicPartition::topic, TreeMap::new,
                        Collectors.mapping(TopicPartition::partition, Collectors.toList())))
                .forEach((topic, partitions) -> answer.addAssignment(TopicPartitions.newBuilder().setTopic(topic)
                        .addAllPartitions(partitions.stream().sorted().toList())));
        return answer.build();
    }

    /** The group as its coordinator describes it; GROUP_ID_NOT_FOUND if it does not exist. */
    private CompletableFuture<ConsumerGroupDescription> description(String groupId) {
        return future(context.kafka().describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId))
                .thenApply(group -> {
                    if (group.groupState() == GroupState.DEAD) {
                        throw new GroupIdNotFoundException("Group '" + groupId + "' does not exist");
                    }
                    return group;
                });
    }

    private CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> committed(String groupId) {
        return future(context.kafka().listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata(groupId))
                .thenApply(offsets -> {
                    Map<TopicPartition, OffsetAndMetadata> known = new HashMap<>();
                    offsets.forEach((tp, offset) -> {
                        if (offset != null) {
                            known.put(tp, offset);
                        }
                    });
                    return known;
                });
    }

    /**
     * Offsets with each partition's high watermark and lag, in offsets and in time ({@link GroupLag}),
     * sorted by topic and partition.
     */
    private CompletableFuture<List<GroupOffset>> groupOffsets(String groupId, List<TopicPartition> partitions,
                                                             Map<TopicPartition, OffsetAndMetadata> committed,
                                                             Map<TopicPartition, String> owners) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        partitions.forEach(tp -> positions.put(tp, committed.containsKey(tp) ? committed.get(tp).offset() : -1L));
        return lag.of(Map.of(groupId, positions)).thenApply(lags -> partitions.stream()
                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                .map(tp -> {
                    GroupLag.PartitionLag partition = lags.get(groupId).get(tp);
                    OffsetAndMetadata offset = committed.get(tp);
                    return GroupOffset.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                            .setCommittedOffset(partition.committed())
                            .setMetadata(offset == null ? "" : offset.metadata())
                            .setLogEndOffset(partition.end()).setLag(partition.lag()).setLagMs(partition.lagMs())
                            .setMemberId(owners.getOrDefault(tp, "")).build();
                }).toList());
    }

    /**
     * Sets a group's committed offsets (only shows them, for a dry run).
     *
     * @param mayReset checks the topics about to be reset (those named, or every topic the group has offsets of),
     *                 before anything changes; refuses by throwing
     */
    public CompletableFuture<ResetGroupOffsetsResponse> resetGroupOffsets(ResetGroupOffsetsRequest request,
                                                                          Consumer<Collection<String>> mayReset) {
        String groupId = request.getGroupId();
        if (request.getTargetCase() == ResetGroupOffsetsRequest.TargetCase.TARGET_NOT_SET) {
            throw new InvalidRequestException("Choose where to reset to: earliest, latest, an offset, a timestamp "
                    + "or a shift");
        }
        if (request.getTopicsCount() > 0) {
            mayReset.accept(request.getTopicsList()); // before telling whether they exist
        }
        MetadataImage image = context.image();
        request.getTopicsList().forEach(topic -> AdminContext.existing(image, topic));
        CompletableFuture<Optional<ConsumerGroupDescription>> group = description(groupId)
                .thenApply(Optional::of)
                .exceptionallyCompose(e -> AdminErrors.cause(e) instanceof GroupIdNotFoundException // resetting creates it
                        ? CompletableFuture.completedFuture(Optional.empty()) : CompletableFuture.failedFuture(e));
        return group.thenCompose(described -> {
            described.filter(g -> !g.members().isEmpty()).ifPresent(g -> {
                throw new GroupNotEmptyException("Assignments can only be reset if the group '" + groupId
                        + "' is inactive, but the current state is " + g.groupState() + ".");
            });
            return committed(groupId);
        }).thenCompose(committed -> {
            List<TopicPartition> partitions = request.getTopicsCount() == 0
                    ? List.copyOf(committed.keySet()) : partitionsOf(image, request.getTopicsList());
            if (partitions.isEmpty()) {
                throw new GroupIdNotFoundException("Group '" + groupId + "' has no committed offsets: name the topics "
                        + "to reset");
            }
            if (request.getTopicsCount() == 0) {
                mayReset.accept(partitions.stream().map(TopicPartition::topic).collect(Collectors.toCollection(
                        TreeSet::new)));
            }
            return targets(request, partitions, committed).thenCompose(targets -> {
                Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
                targets.forEach((tp, offset) -> commits.put(tp, new OffsetAndMetadata(offset)));
                CompletableFuture<Void> done = request.getDryRun() ? CompletableFuture.completedFuture(null)
                        : future(context.kafka().alterConsumerGroupOffsets(groupId, commits).all());
                return done.thenCompose(v -> groupOffsets(groupId, partitions, commits, Map.of()));
            });
        }).thenApply(offsets -> ResetGroupOffsetsResponse.newBuilder().addAllOffsets(offsets).build());
    }

    private static List<TopicPartition> partitionsOf(MetadataImage image, Collection<String> names) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String name : names) {
            TopicImage topic = AdminContext.existing(image, name);
            topic.partitions().keySet().stream().sorted().forEach(p -> partitions.add(new TopicPartition(name, p)));
        }
        return partitions;
    }

    /** The new offset of each partition, kept between its log start and its high watermark as Kafka's tool does. */
    private CompletableFuture<Map<TopicPartition, Long>> targets(ResetGroupOffsetsRequest request,
                                                                 List<TopicPartition> partitions,
                                                                 Map<TopicPartition, OffsetAndMetadata> committed) {
        CompletableFuture<Map<TopicPartition, Long>> starts = topics.offsets(partitions, OffsetSpec.earliest());
        CompletableFuture<Map<TopicPartition, Long>> ends = topics.offsets(partitions, OffsetSpec.latest());
        CompletableFuture<Map<TopicPartition, Long>> atTime = request.getTargetCase()
                == ResetGroupOffsetsRequest.TargetCase.TO_TIMESTAMP_MS
                ? topics.offsets(partitions, OffsetSpec.forTimestamp(request.getToTimestampMs()))
                : CompletableFuture.completedFuture(Map.of());
        return CompletableFuture.allOf(starts, ends, atTime).thenApply(all -> {
            Map<TopicPartition, Long> start = starts.join();
            Map<TopicPartition, Long> end = ends.join();
            Map<TopicPartition, Long> targets = new HashMap<>();
            for (TopicPartition tp : partitions) {
                if (!start.containsKey(tp) || !end.containsKey(tp)) {
                    throw new org.apache.kafka.common.errors.LeaderNotAvailableException(tp + " has no leader now");
                }
                long wanted = switch (request.getTargetCase()) {
                    case TO_EARLIEST -> start.get(tp);
                    case TO_LATEST -> end.get(tp);
                    case TO_OFFSET -> request.getToOffset();
                    case TO_TIMESTAMP_MS -> {
                        long found = atTime.join().getOrDefault(tp, -1L);
                        yield found < 0 ? end.get(tp) : found;
                    }
                    case SHIFT_BY -> {
                        OffsetAndMetadata current = committed.get(tp);
                        if (current == null) {
                            throw new InvalidRequestException("Group '" + request.getGroupId()
                                    + "' has no committed offset for " + tp + " to shift");
                        }
                        yield current.offset() + request.getShiftBy();
                    }
                    case TARGET_NOT_SET -> throw new IllegalStateException();
                };
                targets.put(tp, Math.max(start.get(tp), Math.min(end.get(tp), wanted)));
            }
            return targets;
        });
    }

    CompletableFuture<DeleteGroupsResponse> deleteGroups(DeleteGroupsRequest request) {
        if (request.getGroupIdsCount() == 0) {
            throw new InvalidRequestException("Name at least one group to delete");
        }
        // All are checked first, so that one live or unknown group deletes none.
        List<CompletableFuture<ConsumerGroupDescription>> checked = request.getGroupIdsList().stream()
                .map(id -> description(id).thenApply(group -> {
                    if (!group.members().isEmpty()) {
                        throw new GroupNotEmptyException("Group '" + id + "' has active members ("
                                + group.groupState() + "): stop its consumers first");
                    }
                    return group;
                })).toList();
        return CompletableFuture.allOf(checked.toArray(CompletableFuture[]::new))
                .thenCompose(v -> future(context.kafka().deleteConsumerGroups(request.getGroupIdsList()).all()))
                .thenApply(v -> DeleteGroupsResponse.newBuilder().addAllGroupIds(request.getGroupIdsList()).build());
    }
}
