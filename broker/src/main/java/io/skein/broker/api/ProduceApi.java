package io.skein.broker.api;

import io.skein.broker.kafka.LogRecords;
import io.skein.broker.network.RequestContext;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.replica.ReplicaManager.ProduceResult;
import io.skein.log.record.RecordBatchView;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Produce: appends each partition's batches as leader and answers per {@code acks}. With acks=0 no
 * response is sent; a failed write then closes the connection instead, as Kafka does, so that the
 * producer notices and refreshes its metadata. From version 13, topics are named by id.
 */
final class ProduceApi implements Api {
    private static final short TOPIC_IDS_FROM = 13;

    private final ClusterView cluster;
    private final ReplicaManager replicaManager;
    /** Off until leaders write transaction markers (see {@link KafkaApis}): transactional batches are refused. */
    private final boolean transactionsServed;

    ProduceApi(ClusterView cluster, ReplicaManager replicaManager, boolean transactionsServed) {
        this.cluster = cluster;
        this.replicaManager = replicaManager;
        this.transactionsServed = transactionsServed;
    }

    /** A partition of the request, by the position of its topic in the request. */
    private record Target(int topicIndex, int partition) {
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        ProduceRequestData request = (ProduceRequestData) context.request().data();
        short version = context.request().apiVersion();
        short acks = request.acks();
        MetadataImage image = cluster.image();
        Map<Target, ProduceResult> failed = new LinkedHashMap<>();
        Map<Target, TopicPartition> resolved = new LinkedHashMap<>();
        Map<TopicPartition, ByteBuffer> entries = new LinkedHashMap<>();
        int topicIndex = 0;
        for (TopicProduceData topic : request.topicData()) {
            topicIndex++;
            TopicImage found = version >= TOPIC_IDS_FROM ? cluster.topic(image, topic.topicId()).orElse(null)
                    : image.topic(topic.name());
            for (PartitionProduceData partition : topic.partitionData()) {
                Target target = new Target(topicIndex, partition.index());
                if (acks != 0 && acks != 1 && acks != -1) {
                    failed.put(target, error(Errors.INVALID_REQUIRED_ACKS, "acks must be -1 (all), 0 or 1, not " + acks));
                } else if (found == null) {
                    failed.put(target, version >= TOPIC_IDS_FROM
                            ? error(Errors.UNKNOWN_TOPIC_ID, "No topic has id " + topic.topicId())
                            : error(Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition."));
                } else if (TopicImage.isInternal(found.name())) {
                    failed.put(target, error(Errors.INVALID_TOPIC_EXCEPTION, "Cannot append to internal topic "
                            + found.name()));
                } else if (!transactionsServed && LogRecords.hasTransactionalBatch(partition.records())) {
                    // A transaction that no coordinator ends would hold back the last stable offset for good.
                    failed.put(target, error(Errors.INVALID_TXN_STATE, "This server does not serve transactions"));
                } else {
                    TopicPartition tp = new TopicPartition(found.name(), partition.index());
                    resolved.put(target, tp);
                    entries.put(tp, LogRecords.bufferOf(partition.records()));
                }
            }
        }
        CompletableFuture<ApiMessage> response = new CompletableFuture<>();
        replicaManager.appendRecords(request.timeoutMs(), acks, entries, results -> {
            if (acks == 0) {
                if (!failed.isEmpty() || results.values().stream().anyMatch(r -> r.error() != Errors.NONE)) {
                    context.closeConnection().run();
                }
                response.complete(null);
                return;
            }
            response.complete(response(version, request, failed, resolved, results, entries));
        });
        return acks == 0 ? CompletableFuture.completedFuture(null) : response;
    }

    /**
     * The time the leader stamped the batches with, for a topic with {@code message.timestamp.type=LogAppendTime}
     * (the log stamps the request's own batches), else -1: the producer reports it as each record's timestamp.
     */
    private static long logAppendTime(ByteBuffer records) {
        if (records.remaining() < RecordBatchView.HEADER_SIZE) {
            return -1;
        }
        RecordBatchView first = new RecordBatchView().at(records, records.position());
        return first.isLogAppendTime() ? first.maxTimestamp() : -1;
    }

    private static ProduceResult error(Errors error, String message) {
        return new ProduceResult(error, message, -1, -1);
    }

    private static ProduceResponseData response(short version, ProduceRequestData request, Map<Target, ProduceResult> failed,
                                                Map<Target, TopicPartition> resolved,
                                                Map<TopicPartition, ProduceResult> results,
                                                Map<TopicPartition, ByteBuffer> entries) {
        ProduceResponseData response = new ProduceResponseData();
        int topicIndex = 0;
        for (TopicProduceData topic : request.topicData()) {
            topicIndex++;
            TopicProduceResponse topicResponse = new TopicProduceResponse();
            if (version >= TOPIC_IDS_FROM) {
                topicResponse.setTopicId(topic.topicId());
            } else {
                topicResponse.setName(topic.name());
            }
            for (PartitionProduceData partition : topic.partitionData()) {
                Target target = new Target(topicIndex, partition.index());
                ProduceResult result = failed.containsKey(target) ? failed.get(target) : results.get(resolved.get(target));
                topicResponse.partitionResponses().add(new PartitionProduceResponse()
                        .setIndex(partition.index())
                        .setErrorCode(result.error().code())
                        .setErrorMessage(result.error() == Errors.NONE ? null : result.message())
                        .setBaseOffset(result.baseOffset())
                        .setLogAppendTimeMs(result.error() == Errors.NONE && resolved.containsKey(target)
                                ? logAppendTime(entries.get(resolved.get(target))) : -1)
                        .setLogStartOffset(result.logStartOffset()));
            }
            response.responses().add(topicResponse);
        }
        return response;
    }
}
