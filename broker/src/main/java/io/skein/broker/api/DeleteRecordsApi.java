package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import io.skein.broker.replica.ReplicaManager.DeleteRecordsResult;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.security.Authorization;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * DeleteRecords, at each partition's leader: the records below the requested offset (-1: the high
 * watermark) are deleted by raising the log start offset, and the answer, each partition's low
 * watermark, waits until every live replica has raised its own, or {@code timeoutMs}. As in Kafka,
 * a topic needs DELETE (else TOPIC_AUTHORIZATION_FAILED, whether it exists or not), a partition the
 * metadata does not know is UNKNOWN_TOPIC_OR_PARTITION, an internal topic
 * INVALID_TOPIC_EXCEPTION, and a partition named twice gets the last offset asked for.
 */
final class DeleteRecordsApi implements Api {
    private final ClusterView cluster;
    private final ReplicaManager replicaManager;
    private final Authorization authorization;

    DeleteRecordsApi(ClusterView cluster, ReplicaManager replicaManager, Authorization authorization) {
        this.cluster = cluster;
        this.replicaManager = replicaManager;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        DeleteRecordsRequestData request = (DeleteRecordsRequestData) context.request().data();
        MetadataImage image = cluster.image();
        Map<TopicPartition, DeleteRecordsResult> refused = new LinkedHashMap<>();
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        Set<String> deletable = authorization.authorized(context, AclOperation.DELETE, ResourceType.TOPIC,
                request.topics().stream().map(DeleteRecordsTopic::name).toList());
        for (DeleteRecordsTopic topic : request.topics()) {
            TopicImage found = image.topic(topic.name());
            for (DeleteRecordsPartition partition : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), partition.partitionIndex());
                refused.remove(tp);
                offsets.remove(tp);
                if (!deletable.contains(topic.name())) {
                    refused.put(tp, new DeleteRecordsResult(Errors.TOPIC_AUTHORIZATION_FAILED, -1));
                } else if (found == null || found.partition(partition.partitionIndex()) == null) {
                    refused.put(tp, new DeleteRecordsResult(Errors.UNKNOWN_TOPIC_OR_PARTITION, -1));
                } else if (TopicImage.isInternal(topic.name())) {
                    refused.put(tp, new DeleteRecordsResult(Errors.INVALID_TOPIC_EXCEPTION, -1));
                } else {
                    offsets.put(tp, partition.offset());
                }
            }
        }
        CompletableFuture<ApiMessage> response = new CompletableFuture<>();
        replicaManager.deleteRecords(request.timeoutMs(), offsets, results -> {
            Map<TopicPartition, DeleteRecordsResult> all = new LinkedHashMap<>(results);
            all.putAll(refused);
            response.complete(response(all));
        });
        return response;
    }

    private static DeleteRecordsResponseData response(Map<TopicPartition, DeleteRecordsResult> results) {
        DeleteRecordsResponseData response = new DeleteRecordsResponseData();
        results.forEach((tp, result) -> {
            DeleteRecordsTopicResult topic = response.topics().find(tp.topic());
            if (topic == null) {
                topic = new DeleteRecordsTopicResult().setName(tp.topic());
                response.topics().add(topic);
            }
            topic.partitions().add(new DeleteRecordsPartitionResult().setPartitionIndex(tp.partition())
                    .setLowWatermark(result.lowWatermark()).setErrorCode(result.error().code()));
        });
        return response;
    }
}
