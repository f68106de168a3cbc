package io.skein.broker.api;

import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.metadata.TopicAdmin;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.broker.util.Futures;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.controller.AlterPartitionReassignmentsRequest;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.ReassignablePartition;
import io.skein.proto.controller.ReassignmentResult;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * AlterPartitionReassignments, made by the active controller and answered once this broker's metadata
 * shows it (within the request's timeout), and ListPartitionReassignments, answered from this broker's
 * metadata, where the reassignments under way are stated; as in Kafka, they need ALTER and DESCRIBE
 * on the cluster.
 */
final class ReassignmentApis {
    private final ClusterView cluster;
    private final TopicAdmin topicAdmin;
    private final Authorization authorization;

    ReassignmentApis(ClusterView cluster, TopicAdmin topicAdmin, Authorization authorization) {
        this.cluster = cluster;
        this.topicAdmin = topicAdmin;
        this.authorization = authorization;
    }

    CompletableFuture<ApiMessage> alterPartitionReassignments(RequestContext context) {
        AlterPartitionReassignmentsRequestData request = (AlterPartitionReassignmentsRequestData) context.request().data();
        if (!authorization.authorizeCluster(context, AclOperation.ALTER)) {
            return CompletableFuture.completedFuture(context.request().errorResponse(
                    new ClusterAuthorizationException("Cluster authorization failed")));
        }
        AlterPartitionReassignmentsRequest.Builder asked = AlterPartitionReassignmentsRequest.newBuilder()
                .setAllowReplicationFactorChange(request.allowReplicationFactorChange());
        for (ReassignableTopic topic : request.topics()) {
            topic.partitions().forEach(partition -> asked.addPartitions(ReassignablePartition.newBuilder()
                    .setTopic(topic.name()).setPartitionId(partition.partitionIndex())
                    .setCancel(partition.replicas() == null)
                    .addAllReplicas(partition.replicas() == null ? List.of() : partition.replicas())));
        }
        return topicAdmin.alterPartitionReassignments(asked.build(), request.timeoutMs()).handle((altered, failure) -> {
            Throwable cause = failure != null ? Futures.cause(failure)
                    : altered.getError().getCode() != ErrorCode.NONE ? ControllerRequests.exception(altered.getError())
                    : null;
            if (cause != null) { // no controller answered, or it refused the whole request: every partition failed
                return context.request().errorResponse(cause);
            }
            AlterPartitionReassignmentsResponseData response = new AlterPartitionReassignmentsResponseData()
                    .setAllowReplicationFactorChange(request.allowReplicationFactorChange());
            Map<String, ReassignableTopicResponse> topics = new LinkedHashMap<>();
            for (ReassignmentResult result : altered.getResultsList()) {
                Errors code = ControllerRequests.kafkaError(result.getError());
                topics.computeIfAbsent(result.getTopic(), name -> {
                    ReassignableTopicResponse topic = new ReassignableTopicResponse().setName(name);
                    response.responses().add(topic);
                    return topic;
                }).partitions().add(new ReassignablePartitionResponse().setPartitionIndex(result.getPartitionId())
                        .setErrorCode(code.code())
                        .setErrorMessage(code == Errors.NONE ? null : result.getError().getMessage()));
            }
            return response;
        });
    }

    /** Every partition being reassigned, or those of the partitions named; unknown ones are left out, as in Kafka. */
    CompletableFuture<ApiMessage> listPartitionReassignments(RequestContext context) {
        ListPartitionReassignmentsRequestData request = (ListPartitionReassignmentsRequestData) context.request().data();
        if (!authorization.authorizeCluster(context, AclOperation.DESCRIBE)) {
            return CompletableFuture.completedFuture(context.request().errorResponse(
                    new ClusterAuthorizationException("Cluster authorization failed")));
        }
        MetadataImage image = cluster.image();
        ListPartitionReassignmentsResponseData response = new ListPartitionReassignmentsResponseData();
        if (request.topics() == null) {
            image.topicsById().values().stream().sorted(Comparator.comparing(TopicImage::name)).forEach(topic ->
                    addOngoing(response, topic, topic.partitions().keySet().stream().sorted().toList()));
        } else {
            for (ListPartitionReassignmentsTopics asked : request.topics()) {
                TopicImage topic = image.topic(asked.name());
                if (topic != null) {
                    addOngoing(response, topic, asked.partitionIndexes());
                }
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    private static void addOngoing(ListPartitionReassignmentsResponseData response, TopicImage topic,
                                   List<Integer> partitionIds) {
        OngoingTopicReassignment ongoing = new OngoingTopicReassignment().setName(topic.name());
        for (int partitionId : partitionIds) {
            PartitionRegistration partition = topic.partition(partitionId);
            if (partition != null && partition.isReassigning()) {
                ongoing.partitions().add(new OngoingPartitionReassignment().setPartitionIndex(partitionId)
                        .setReplicas(partition.replicas()).setAddingReplicas(partition.addingReplicas())
                        .setRemovingReplicas(partition.removingReplicas()));
            }
        }
        if (!ongoing.partitions().isEmpty()) {
            response.topics().add(ongoing);
        }
    }
}
