package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.replica.ReplicaManager.ProduceResult;
import io.skein.broker.replica.ReplicaManager.TxnMarker;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * WriteTxnMarkers, from a transaction coordinator to this partition leader: appends each
 * transaction's COMMIT or ABORT marker to its partitions and answers once every marker is as
 * durable as an acks=all write (the coordinator completes the transaction only then). The log
 * refuses a marker of a producer epoch it has moved past (INVALID_PRODUCER_EPOCH) or from a deposed
 * coordinator (TRANSACTION_COORDINATOR_FENCED).
 *
 * <p>A marker for a {@code __consumer_offsets} partition is appended like any other: TxnOffsetCommit is
 * not served, so no transactional offsets wait there for the group coordinator to apply.
 */
final class WriteTxnMarkersApi implements Api {
    private final ClusterView cluster;
    private final ReplicaManager replicaManager;
    private final long timeoutMs;

    /** @param timeoutMs how long a marker may wait to be replicated ({@code request.timeout.ms}, as Kafka) */
    WriteTxnMarkersApi(ClusterView cluster, ReplicaManager replicaManager, long timeoutMs) {
        this.cluster = cluster;
        this.replicaManager = replicaManager;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        WriteTxnMarkersRequestData request = (WriteTxnMarkersRequestData) context.request().data();
        MetadataImage image = cluster.image();
        List<CompletableFuture<WritableTxnMarkerResult>> results = new ArrayList<>();
        request.markers().forEach(marker -> results.add(write(image, marker)));
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
            results.forEach(result -> response.markers().add(result.join()));
            return response;
        });
    }

    private CompletableFuture<WritableTxnMarkerResult> write(MetadataImage image, WritableTxnMarker marker) {
        Map<TopicPartition, Errors> errors = new HashMap<>();
        Set<TopicPartition> appends = new LinkedHashSet<>();
        for (WritableTxnMarkerTopic topic : marker.topics()) {
            TopicImage found = image.topic(topic.name());
            for (int partition : topic.partitionIndexes()) {
                TopicPartition tp = new TopicPartition(topic.name(), partition);
                if (found == null || found.partition(partition) == null) {
                    errors.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else {
                    appends.add(tp);
                }
            }
        }
        CompletableFuture<WritableTxnMarkerResult> result = new CompletableFuture<>();
        TxnMarker txnMarker = new TxnMarker(marker.producerId(), marker.producerEpoch(), marker.coordinatorEpoch(),
                marker.transactionResult());
        replicaManager.appendMarkers(timeoutMs, txnMarker, appends, written -> {
            written.forEach((tp, produced) -> errors.put(tp, produced.error()));
            result.complete(result(marker, errors));
        });
        return result;
    }

    private static WritableTxnMarkerResult result(WritableTxnMarker marker, Map<TopicPartition, Errors> errors) {
        WritableTxnMarkerResult result = new WritableTxnMarkerResult().setProducerId(marker.producerId());
        for (WritableTxnMarkerTopic topic : marker.topics()) {
            WritableTxnMarkerTopicResult topicResult = new WritableTxnMarkerTopicResult().setName(topic.name());
            for (int partition : topic.partitionIndexes()) {
                topicResult.partitions().add(new WritableTxnMarkerPartitionResult().setPartitionIndex(partition)
                        .setErrorCode(errors.get(new TopicPartition(topic.name(), partition)).code()));
            }
            result.topics().add(topicResult);
        }
        return result;
    }
}
