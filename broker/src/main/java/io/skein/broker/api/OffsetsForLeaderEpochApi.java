package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import io.skein.broker.replica.ReplicaManager;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * OffsetsForLeaderEpoch, from the leader: where a leader epoch ended (the start of the next one, or
 * the log end offset for the current one). A consumer uses it after a leader change to detect that
 * the log it read was truncated; a follower, to find the divergent suffix it must cut.
 */
final class OffsetsForLeaderEpochApi implements Api {
    private final ReplicaManager replicaManager;

    OffsetsForLeaderEpochApi(ReplicaManager replicaManager) {
        this.replicaManager = replicaManager;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        OffsetForLeaderEpochRequestData request = (OffsetForLeaderEpochRequestData) context.request().data();
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderTopic topic : request.topics()) {
            OffsetForLeaderTopicResult result = new OffsetForLeaderTopicResult().setTopic(topic.topic());
            for (OffsetForLeaderPartition partition : topic.partitions()) {
                EpochEndOffset answer = new EpochEndOffset().setPartition(partition.partition())
                        .setLeaderEpoch(-1).setEndOffset(-1);
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
