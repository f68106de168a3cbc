package io.skein.broker.api;

import io.skein.broker.group.GroupCoordinator;
import io.skein.broker.network.RequestContext;
import io.skein.broker.replica.ReplicaManager.ProduceResult;
import io.skein.broker.replica.ReplicaManager.TxnMarker;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.security.Authorization;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * WriteTxnMarkers, from a transaction coordinator to this partition leader: appends each
 * transaction's COMMIT or ABORT marker to its partitions and answers once every marker is as
 * durable as an acks=all write (the coordinator completes the transaction only then). The log
 * refuses a marker of a producer epoch it has moved past (INVALID_PRODUCER_EPOCH) or from a deposed
 * coordinator (TRANSACTION_COORDINATOR_FENCED).
 *
 * <p>A marker for a {@code __consumer_offsets} partition goes to the group coordinator, which writes it
 * after its own writes under way and then applies it to the offsets the transaction committed there
 * (Kafka's {@code completeTransaction}); its errors of a coordinator not ready are
 * NOT_LEADER_OR_FOLLOWER to the transaction coordinator, which retries.
 */
final class WriteTxnMarkersApi implements Api {
    private final ClusterView cluster;
    private final ReplicaManager replicaManager;
    private final GroupCoordinator groups;
    private final long timeoutMs;
    private final Authorization authorization;

    /** @param timeoutMs how long a marker may wait to be replicated ({@code request.timeout.ms}, as Kafka) */
    WriteTxnMarkersApi(ClusterView cluster, ReplicaManager replicaManager, GroupCoordinator groups, long timeoutMs,
                       Authorization authorization) {
        this.cluster = cluster;
        this.replicaManager = replicaManager;
        this.groups = groups;
        this.timeoutMs = timeoutMs;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        // Only transaction coordinators send it: ALTER on the cluster, else CLUSTER_ACTION, as in Kafka.
        if (!authorization.authorizeCluster(context, AclOperation.ALTER, false)
                && !authorization.authorizeCluster(context, AclOperation.CLUSTER_ACTION)) {
            return Refusals.clusterAuthorizationFailed(context);
        }
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
        Map<TopicPartition, Errors> errors = new ConcurrentHashMap<>();
        Set<TopicPartition> appends = new LinkedHashSet<>();
        Set<TopicPartition> offsets = new LinkedHashSet<>();
        for (WritableTxnMarkerTopic topic : marker.topics()) {
            TopicImage found = image.topic(topic.name());
            for (int partition : topic.partitionIndexes()) {
                TopicPartition tp = new TopicPartition(topic.name(), partition);
                if (found == null || found.partition(partition) == null) {
                    errors.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else {
                    (tp.topic().equals(GroupCoordinator.OFFSETS_TOPIC) ? offsets : appends).add(tp);
                }
            }
        }
        TxnMarker txnMarker = new TxnMarker(marker.producerId(), marker.producerEpoch(), marker.coordinatorEpoch(),
                marker.transactionResult());
        List<CompletableFuture<?>> writes = new ArrayList<>();
        CompletableFuture<Void> appended = new CompletableFuture<>();
        writes.add(appended);
        replicaManager.appendMarkers(timeoutMs, txnMarker, appends, written -> {
            written.forEach((tp, produced) -> errors.put(tp, produced.error()));
            appended.complete(null);
        });
        offsets.forEach(tp -> writes.add(groups.completeTransaction(tp, txnMarker)
                .thenAccept(error -> errors.put(tp, notReadyIsNotLeader(error)))));
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> result(marker, errors));
    }

    /** A group coordinator not (yet) ready for the partition is, to the transaction coordinator, not its leader. */
    private static Errors notReadyIsNotLeader(Errors error) {
        return switch (error) {
            case COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR -> Errors.NOT_LEADER_OR_FOLLOWER;
            default -> error;
        };
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
