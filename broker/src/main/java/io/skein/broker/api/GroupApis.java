package io.skein.broker.api;

import io.skein.broker.group.GroupCoordinator;
import io.skein.broker.group.OffsetCommits;
import io.skein.broker.kafka.TopicIds;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The group APIs of the classic protocol, between Kafka's messages in all their versions and the
 * {@link GroupCoordinator}, with Kafka's authorization: READ on the group to join, sync, heartbeat,
 * leave and commit offsets (and READ on each topic committed), DESCRIBE to describe it and fetch its
 * offsets (and DESCRIBE on each topic fetched), DELETE to delete it or its offsets.
 */
final class GroupApis {
    private final ClusterView cluster;
    private final GroupCoordinator coordinator;
    private final Authorization authorization;

    GroupApis(ClusterView cluster, GroupCoordinator coordinator, Authorization authorization) {
        this.cluster = cluster;
        this.coordinator = coordinator;
        this.authorization = authorization;
    }

    /** Whether the request may do {@code operation} to the group; else Kafka refuses the request whole. */
    private boolean authorized(RequestContext context, AclOperation operation, String groupId) {
        return authorization.authorize(context, operation, ResourceType.GROUP, groupId);
    }

    private static CompletableFuture<ApiMessage> groupAuthorizationFailed(RequestContext context) {
        return Refusals.refused(context, Errors.GROUP_AUTHORIZATION_FAILED.exception());
    }

    // ---------------------------------------------------------------- membership

    CompletableFuture<ApiMessage> joinGroup(RequestContext context) {
        JoinGroupRequestData request = (JoinGroupRequestData) context.request().data();
        short version = context.request().apiVersion();
        if (!authorized(context, AclOperation.READ, request.groupId())) {
            return groupAuthorizationFailed(context);
        }
        return coordinator.joinGroup(version, context.request().clientId(), clientHost(context), request)
                .thenApply(response -> {
                    if (version < 7 && response.protocolName() == null) {
                        response.setProtocolName(""); // nullable from v7 only
                    }
                    return response;
                });
    }

    private static String clientHost(RequestContext context) {
        return context.clientAddress() instanceof InetSocketAddress address && address.getAddress() != null
                ? address.getAddress().toString() : String.valueOf(context.clientAddress());
    }

    CompletableFuture<ApiMessage> syncGroup(RequestContext context) {
        SyncGroupRequestData request = (SyncGroupRequestData) context.request().data();
        if (!authorized(context, AclOperation.READ, request.groupId())) {
            return groupAuthorizationFailed(context);
        }
        return coordinator.syncGroup(request).thenApply(r -> r);
    }

    CompletableFuture<ApiMessage> heartbeat(RequestContext context) {
        HeartbeatRequestData request = (HeartbeatRequestData) context.request().data();
        if (!authorized(context, AclOperation.READ, request.groupId())) {
            return groupAuthorizationFailed(context);
        }
        return coordinator.heartbeat(request).thenApply(r -> r);
    }

    CompletableFuture<ApiMessage> leaveGroup(RequestContext context) {
        LeaveGroupRequestData request = (LeaveGroupRequestData) context.request().data();
        if (!authorized(context, AclOperation.READ, request.groupId())) {
            return groupAuthorizationFailed(context);
        }
        boolean batched = context.request().apiVersion() >= 3;
        List<MemberIdentity> members = batched ? request.members()
                : List.of(new MemberIdentity().setMemberId(request.memberId()));
        return coordinator.leaveGroup(request.groupId(), members).thenApply(result -> {
            LeaveGroupResponseData response = new LeaveGroupResponseData().setErrorCode(result.error().code());
            if (batched) {
                return response.setMembers(result.members());
            }
            // Before v3 the one member's error is the response's.
            return result.error() != Errors.NONE || result.members().isEmpty() ? response
                    : response.setErrorCode(result.members().get(0).errorCode());
        });
    }

    // ---------------------------------------------------------------- offsets

    CompletableFuture<ApiMessage> offsetCommit(RequestContext context) {
        OffsetCommitRequestData request = (OffsetCommitRequestData) context.request().data();
        if (!authorized(context, AclOperation.READ, request.groupId())) {
            return groupAuthorizationFailed(context);
        }
        MetadataImage image = cluster.image();
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        RequestedCommits commits = new RequestedCommits();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
            Optional<TopicImage> found = cluster.topic(image, topic.name(), topic.topicId());
            OffsetCommitResponseTopic answered = new OffsetCommitResponseTopic().setName(topic.name())
                    .setTopicId(topic.topicId());
            response.topics().add(answered);
            for (OffsetCommitRequestData.OffsetCommitRequestPartition partition : topic.partitions()) {
                OffsetCommitResponsePartition answer = new OffsetCommitResponsePartition()
                        .setPartitionIndex(partition.partitionIndex());
                answered.partitions().add(answer);
                commits.add(topic.name(), found, topic.topicId(), partition.partitionIndex(), new OffsetCommits.Commit(
                        partition.committedOffset(), partition.committedLeaderEpoch(), partition.committedMetadata()),
                        error -> answer.setErrorCode(error.code()));
            }
        }
        commits.authorize(authorization.authorized(context, AclOperation.READ, ResourceType.TOPIC, commits.names()));
        if (commits.commits().isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        return coordinator.commitOffsets(request.groupId(), request.generationIdOrMemberEpoch(), request.memberId(),
                request.groupInstanceId(), request.retentionTimeMs(), commits.commits()).thenApply(results -> {
                    commits.answer(results);
                    return response;
                });
    }

    CompletableFuture<ApiMessage> offsetFetch(RequestContext context) {
        OffsetFetchRequestData request = (OffsetFetchRequestData) context.request().data();
        short version = context.request().apiVersion();
        MetadataImage image = cluster.image();
        if (version >= 8) {
            List<CompletableFuture<OffsetFetchResponseGroup>> groups = request.groups().stream()
                    .map(group -> fetchGroup(context, image, group, request.requireStable())).toList();
            return CompletableFuture.allOf(groups.toArray(CompletableFuture[]::new)).thenApply(ignored ->
                    new OffsetFetchResponseData().setGroups(groups.stream().map(CompletableFuture::join)
                            .collect(Collectors.toList())));
        }
        // Before v8: one group, its topics by name, and before v2 its error on every partition.
        OffsetFetchRequestGroup single = new OffsetFetchRequestGroup().setGroupId(request.groupId())
                .setTopics(request.topics() == null ? null : request.topics().stream()
                        .map(t -> new OffsetFetchRequestTopics().setName(t.name()).setPartitionIndexes(t.partitionIndexes()))
                        .collect(Collectors.toList()));
        return fetchGroup(context, image, single, request.requireStable()).thenApply(group -> {
            OffsetFetchResponseData response = new OffsetFetchResponseData().setErrorCode(group.errorCode());
            for (OffsetFetchResponseTopics topic : group.topics()) {
                OffsetFetchResponseTopic old = new OffsetFetchResponseTopic().setName(topic.name());
                for (OffsetFetchResponsePartitions p : topic.partitions()) {
                    old.partitions().add(new OffsetFetchResponsePartition().setPartitionIndex(p.partitionIndex())
                            .setCommittedOffset(p.committedOffset()).setCommittedLeaderEpoch(p.committedLeaderEpoch())
                            .setMetadata(p.metadata())
                            .setErrorCode(version < 2 && group.errorCode() != 0 ? group.errorCode() : p.errorCode()));
                }
                response.topics().add(old);
            }
            return response;
        });
    }

    /**
     * One group's offsets. With {@code requireStable} (v7+, sent by read_committed consumers), a
     * partition that an open transaction has written an offset for is UNSTABLE_OFFSET_COMMIT, which
     * the consumer retries, as Kafka answers. As in Kafka, the group needs DESCRIBE, and only topics the
     * client may describe are answered: TOPIC_AUTHORIZATION_FAILED for one asked for, left out otherwise.
     */
    private CompletableFuture<OffsetFetchResponseGroup> fetchGroup(RequestContext context, MetadataImage image,
                                                                   OffsetFetchRequestGroup group,
                                                                   boolean requireStable) {
        if (!authorized(context, AclOperation.DESCRIBE, group.groupId())) {
            return CompletableFuture.completedFuture(new OffsetFetchResponseGroup().setGroupId(group.groupId())
                    .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
        }
        List<TopicPartition> asked = null;
        List<OffsetFetchResponseTopics> refused = new ArrayList<>();
        Map<String, Uuid> ids = new LinkedHashMap<>();
        List<OffsetFetchResponseTopics> unknown = new ArrayList<>();
        if (group.topics() != null) {
            asked = new ArrayList<>();
            for (OffsetFetchRequestTopics topic : group.topics()) {
                Optional<TopicImage> found = cluster.topic(image, topic.name(), topic.topicId());
                if (found.isEmpty() && !ClusterView.isZero(topic.topicId())) {
                    OffsetFetchResponseTopics missing = new OffsetFetchResponseTopics().setTopicId(topic.topicId());
                    topic.partitionIndexes().forEach(p -> missing.partitions().add(noOffset(p)
                            .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())));
                    unknown.add(missing);
                    continue;
                }
                String name = found.map(TopicImage::name).orElse(topic.name());
                if (!authorization.authorize(context, AclOperation.DESCRIBE, ResourceType.TOPIC, name)) {
                    OffsetFetchResponseTopics denied = new OffsetFetchResponseTopics().setName(name)
                            .setTopicId(ClusterView.isZero(topic.topicId()) ? Uuid.ZERO_UUID : topic.topicId());
                    topic.partitionIndexes().forEach(p -> denied.partitions().add(noOffset(p)
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
                    refused.add(denied);
                    continue;
                }
                ids.put(name, ClusterView.isZero(topic.topicId()) ? Uuid.ZERO_UUID : topic.topicId());
                for (int p : topic.partitionIndexes()) {
                    asked.add(new TopicPartition(name, p));
                }
            }
        }
        List<TopicPartition> partitions = asked;
        return coordinator.fetchOffsets(group.groupId(), partitions, requireStable).thenApply(result -> {
            OffsetFetchResponseGroup response = new OffsetFetchResponseGroup().setGroupId(group.groupId())
                    .setErrorCode(result.error().code());
            if (result.error() != Errors.NONE) {
                return response;
            }
            Map<String, OffsetFetchResponseTopics> topics = new LinkedHashMap<>();
            OffsetCommits.Fetched fetched = result.fetched();
            List<TopicPartition> listed = partitions;
            if (listed == null) {
                listed = new ArrayList<>(fetched.offsets().keySet());
                listed.addAll(fetched.unstable());
                Set<String> describable = authorization.authorized(context, AclOperation.DESCRIBE, ResourceType.TOPIC,
                        listed.stream().map(TopicPartition::topic).toList());
                listed.removeIf(tp -> !describable.contains(tp.topic()));
            }
            for (TopicPartition tp : listed) {
                OffsetFetchResponseTopics topic = topics.computeIfAbsent(tp.topic(), name -> new OffsetFetchResponseTopics()
                        .setName(name).setTopicId(ids.getOrDefault(name, Optional.ofNullable(image.topic(name))
                                .map(t -> TopicIds.toKafka(t.id())).orElse(Uuid.ZERO_UUID))));
                OffsetFetchResponsePartitions partition = noOffset(tp.partition());
                var committed = fetched.offsets().get(tp);
                if (fetched.unstable().contains(tp)) {
                    partition.setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code());
                } else if (committed != null) {
                    partition.setCommittedOffset(committed.offset()).setCommittedLeaderEpoch(committed.leaderEpoch())
                            .setMetadata(committed.metadata());
                }
                topic.partitions().add(partition);
            }
            response.topics().addAll(topics.values());
            response.topics().addAll(unknown);
            response.topics().addAll(refused);
            return response;
        });
    }

    private static OffsetFetchResponsePartitions noOffset(int partition) {
        return new OffsetFetchResponsePartitions().setPartitionIndex(partition).setCommittedOffset(-1)
                .setCommittedLeaderEpoch(-1).setMetadata("").setErrorCode(Errors.NONE.code());
    }

    CompletableFuture<ApiMessage> offsetDelete(RequestContext context) {
        OffsetDeleteRequestData request = (OffsetDeleteRequestData) context.request().data();
        if (!authorized(context, AclOperation.DELETE, request.groupId())) {
            return groupAuthorizationFailed(context);
        }
        Set<String> readable = authorization.authorized(context, AclOperation.READ, ResourceType.TOPIC,
                request.topics().stream().map(t -> t.name()).toList());
        List<TopicPartition> partitions = new ArrayList<>();
        Map<TopicPartition, Errors> refused = new LinkedHashMap<>();
        request.topics().forEach(t -> t.partitions().forEach(p -> {
            TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
            if (readable.contains(t.name())) {
                partitions.add(tp);
            } else {
                refused.put(tp, Errors.TOPIC_AUTHORIZATION_FAILED);
            }
        }));
        return coordinator.deleteOffsets(request.groupId(), partitions).thenApply(result -> {
            OffsetDeleteResponseData response = new OffsetDeleteResponseData().setErrorCode(result.groupError().code());
            if (result.groupError() != Errors.NONE) {
                return response;
            }
            Map<TopicPartition, Errors> answered = new LinkedHashMap<>(result.partitions());
            answered.putAll(refused);
            Map<String, OffsetDeleteResponseTopic> topics = new LinkedHashMap<>();
            answered.forEach((tp, error) -> topics.computeIfAbsent(tp.topic(),
                            name -> new OffsetDeleteResponseTopic().setName(name))
                    .partitions().add(new OffsetDeleteResponsePartition().setPartitionIndex(tp.partition())
                            .setErrorCode(error.code())));
            topics.values().forEach(response.topics()::add);
            return response;
        });
    }

    // ---------------------------------------------------------------- groups

    CompletableFuture<ApiMessage> listGroups(RequestContext context) {
        ListGroupsRequestData request = (ListGroupsRequestData) context.request().data();
        Set<String> states = request.statesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
        Set<String> types = request.typesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
        // DESCRIBE on the cluster lists every group, else those the client may describe (Kafka's rule).
        boolean everyGroup = authorization.authorizeCluster(context, AclOperation.DESCRIBE, false);
        return coordinator.listGroups().thenApply(result -> new ListGroupsResponseData()
                .setErrorCode(result.error().code())
                .setGroups(result.groups().stream()
                        .filter(g -> states.isEmpty() || states.contains(g.groupState().toLowerCase(Locale.ROOT)))
                        .filter(g -> types.isEmpty() || types.contains(g.groupType()))
                        .filter(g -> everyGroup || authorization.authorize(context, AclOperation.DESCRIBE,
                                ResourceType.GROUP, g.groupId(), true, false))
                        .collect(Collectors.toList())));
    }

    CompletableFuture<ApiMessage> describeGroups(RequestContext context) {
        DescribeGroupsRequestData request = (DescribeGroupsRequestData) context.request().data();
        boolean notFoundIsError = context.request().apiVersion() >= 6;
        boolean withOperations = context.request().apiVersion() >= 3 && request.includeAuthorizedOperations();
        List<CompletableFuture<DescribedGroup>> groups = request.groups().stream()
                .map(groupId -> !authorized(context, AclOperation.DESCRIBE, groupId)
                        ? CompletableFuture.completedFuture(new DescribedGroup().setGroupId(groupId).setGroupState("")
                                .setProtocolType("").setProtocolData("")
                                .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code())
                                .setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message()))
                        : coordinator.describeGroup(groupId).thenApply(group -> {
                    if (notFoundIsError && group.errorCode() == Errors.NONE.code() && "Dead".equals(group.groupState())) {
                        return group.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                                .setErrorMessage("Group " + groupId + " not found.");
                    }
                    if (withOperations && group.errorCode() == Errors.NONE.code()) {
                        group.setAuthorizedOperations(authorization.authorizedOperations(context, ResourceType.GROUP,
                                groupId));
                    }
                    return group;
                })).toList();
        return CompletableFuture.allOf(groups.toArray(CompletableFuture[]::new)).thenApply(ignored ->
                new DescribeGroupsResponseData().setGroups(groups.stream().map(CompletableFuture::join)
                        .collect(Collectors.toList())));
    }

    CompletableFuture<ApiMessage> deleteGroups(RequestContext context) {
        DeleteGroupsRequestData request = (DeleteGroupsRequestData) context.request().data();
        List<CompletableFuture<DeletableGroupResult>> results = request.groupsNames().stream()
                .map(groupId -> (authorized(context, AclOperation.DELETE, groupId) ? coordinator.deleteGroup(groupId)
                        : CompletableFuture.completedFuture(Errors.GROUP_AUTHORIZATION_FAILED)).thenApply(error ->
                        new DeletableGroupResult().setGroupId(groupId).setErrorCode(error.code()))).toList();
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            DeleteGroupsResponseData response = new DeleteGroupsResponseData();
            results.forEach(r -> response.results().add(r.join()));
            return response;
        });
    }
}
