package io.skein.broker.api;

import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.metadata.TopicAdmin;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.broker.util.Futures;
import io.skein.proto.controller.ElectionResult;
import io.skein.proto.controller.ElectionType;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.TopicPartitions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ElectLeaders ({@code kafka-leader-election.sh}, {@code Admin.electLeaders}): preferred or unclean
 * elections (KIP-460; v0 knows only preferred ones), made by the active controller with the rules of
 * {@code skein leaders elect}, each partition answered with Kafka's error (ELECTION_NOT_NEEDED,
 * PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION). No
 * partitions (null) means every partition, answered only for those whose election was needed, as
 * Kafka answers. As in Kafka, it needs ALTER on the cluster. Answered once this broker's metadata
 * shows the new leaders, or after the request's timeout regardless.
 */
final class ElectLeadersApi implements Api {
    /** Kafka's ElectionType codes. */
    private static final byte UNCLEAN = 1;

    private final TopicAdmin topicAdmin;
    private final Authorization authorization;

    ElectLeadersApi(TopicAdmin topicAdmin, Authorization authorization) {
        this.topicAdmin = topicAdmin;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        if (!authorization.authorizeCluster(context, AclOperation.ALTER)) {
            return Refusals.clusterAuthorizationFailed(context);
        }
        ElectLeadersRequestData request = (ElectLeadersRequestData) context.request().data();
        if (request.topicPartitions() != null && request.topicPartitions().isEmpty()) {
            return CompletableFuture.completedFuture(new ElectLeadersResponseData());
        }
        io.skein.proto.controller.ElectLeadersRequest.Builder election = io.skein.proto.controller.ElectLeadersRequest
                .newBuilder().setElectionType(request.electionType() == UNCLEAN ? ElectionType.UNCLEAN
                        : ElectionType.PREFERRED);
        if (request.topicPartitions() != null) {
            request.topicPartitions().forEach(topic -> election.addTopics(TopicPartitions.newBuilder()
                    .setName(topic.topic()).addAllPartitions(topic.partitions())));
        }
        return topicAdmin.electLeaders(election.build(), request.timeoutMs()).handle((elected, failure) -> {
            if (failure != null) {
                return context.request().errorResponse(Futures.cause(failure));
            }
            if (elected.getError().getCode() != ErrorCode.NONE) {
                return context.request().errorResponse(ControllerRequests.exception(elected.getError()));
            }
            Map<String, ReplicaElectionResult> byTopic = new LinkedHashMap<>();
            for (ElectionResult result : elected.getResultsList()) {
                Errors error = ControllerRequests.kafkaError(result.getError());
                byTopic.computeIfAbsent(result.getTopic(), name -> new ReplicaElectionResult().setTopic(name))
                        .partitionResult().add(new PartitionResult().setPartitionId(result.getPartitionId())
                                .setErrorCode(error.code())
                                .setErrorMessage(error == Errors.NONE ? null : result.getError().getMessage()));
            }
            return new ElectLeadersResponseData().setReplicaElectionResults(byTopic.values().stream().toList());
        });
    }
}
