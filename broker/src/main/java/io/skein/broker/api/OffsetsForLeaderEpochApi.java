package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.security.Authorization;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * OffsetsForLeaderEpoch, from the leader: where a leader epoch ended (the start of the next one, or
 * the log end offset for the current one). A consumer uses it after a leader change to detect that
 * the log it read was truncated; a follower, to find the divergent suffix it must cut. A follower
 * needs CLUSTER_ACTION on the cluster, a consumer DESCRIBE on the topic, as in Kafka.
 */
final class OffsetsForLeaderEpochApi implements Api {
    private final ReplicaManager replicaManager;
    private final Authorization authorization;

    OffsetsForLeaderEpochApi(ReplicaManager replicaManager, Authorization authorization) {
        this.replicaManager = replicaManager;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        OffsetForLeaderEpochRequestData request = (OffsetForLeaderEpochRequestData) context.request().data();
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
        List<String> names = request.topics().stream().map(OffsetForLeaderTopic::topic).toList();
        // Followers need CLUSTER_ACTION; consumers (KIP-320, after a leader change) DESCRIBE on the topic.
        Set<String> describable = authorization.authorizeCluster(context, AclOperation.CLUSTER_ACTION, false)
                ? Set.copyOf(names) : authorization.authorized(context, AclOperation.DESCRIBE, ResourceType.TOPIC, names);
        for (OffsetForLeaderTopic topic : request.topics()) {
            OffsetForLeaderTopicResult result = new OffsetForLeaderTopicResult().setTopic(topic.topic());
            for (OffsetForLeaderPartition partition : topic.partitions()) {
                EpochEndOffset answer = new EpochEndOffset().setPartition(partition.partition())
                        .setLeaderEpoch(-1).setEndOffset(-1);
                if (!describable.contains(topic.topic())) {
                    result.partitions().add(answer.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                    continue;
                }
                try {
                    var end = replicaManager.leaderPartition(
                            new TopicPartition(topic.topic(), partition.partition()), partition.currentLeaderEpoch())
                            .log().endOffsetForEpoch(partition.leaderEpoch());
                    answer.setLeaderEpoch(end.epoch()).setEndOffset(end.endOffset());
                } catch (RuntimeException e) {
                    answer.setErrorCode(Errors.forException(e).code());
                }
                result.partitions().add(answer);
            }
            response.topics().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }
}
