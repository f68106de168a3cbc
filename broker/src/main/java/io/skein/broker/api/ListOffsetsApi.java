package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import io.skein.broker.replica.Partition;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.security.Authorization;
import io.skein.log.PartitionLog;
import io.skein.log.TimestampAndOffset;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.OffsetNotAvailableException;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * ListOffsets, from the leader: the earliest offset, the latest a consumer may read (the high
 * watermark; for READ_COMMITTED, the last stable offset), the first offset at or after a timestamp, or the record with the largest timestamp.
 * Consumers never learn of offsets at or above the high watermark, nor of a newly elected leader's
 * high watermark before it has caught up with where its epoch began (OFFSET_NOT_AVAILABLE, retriable).
 * Each topic needs DESCRIBE (else TOPIC_AUTHORIZATION_FAILED).
 */
final class ListOffsetsApi implements Api {
    static final long LATEST = -1;
    static final long EARLIEST = -2;
    static final long MAX_TIMESTAMP = -3;
    static final long EARLIEST_LOCAL = -4;
    static final long LATEST_TIERED = -5;
    private static final short LEADER_EPOCH_FROM = 4;
    private static final short READ_COMMITTED_FROM = 2;

    private final ReplicaManager replicaManager;
    private final Authorization authorization;

    ListOffsetsApi(ReplicaManager replicaManager, Authorization authorization) {
        this.replicaManager = replicaManager;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        ListOffsetsRequestData request = (ListOffsetsRequestData) context.request().data();
        short version = context.request().apiVersion();
        boolean withEpochs = version >= LEADER_EPOCH_FROM;
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        Set<String> describable = authorization.authorized(context, AclOperation.DESCRIBE, ResourceType.TOPIC,
                request.topics().stream().map(ListOffsetsTopic::name).toList());
        for (ListOffsetsTopic topic : request.topics()) {
            ListOffsetsTopicResponse topicResponse = new ListOffsetsTopicResponse().setName(topic.name());
            for (ListOffsetsPartition partition : topic.partitions()) {
                ListOffsetsPartitionResponse answer = new ListOffsetsPartitionResponse()
                        .setPartitionIndex(partition.partitionIndex()).setTimestamp(-1).setOffset(-1);
                if (!describable.contains(topic.name())) {
                    topicResponse.partitions().add(answer.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                    continue;
                }
                try {
                    Optional<TimestampAndOffset> found = lookUp(new TopicPartition(topic.name(),
                            partition.partitionIndex()), partition, request.replicaId() >= 0,
                            version >= READ_COMMITTED_FROM && request.isolationLevel() == IsolationLevel.READ_COMMITTED.id());
                    found.ifPresent(f -> {
                        answer.setTimestamp(f.timestamp()).setOffset(f.offset());
                        if (withEpochs) {
                            answer.setLeaderEpoch(f.leaderEpoch());
                        }
                    });
                } catch (RuntimeException e) {
                    answer.setErrorCode(Errors.forException(e).code());
                }
                topicResponse.partitions().add(answer);
            }
            response.topics().add(topicResponse);
        }
        return CompletableFuture.completedFuture(response);
    }

    /**
     * @param replica       the asker is a broker, which may see up to the log end offset
     * @param readCommitted the asker reads committed records only: up to the last stable offset
     */
    private Optional<TimestampAndOffset> lookUp(TopicPartition tp, ListOffsetsPartition wanted, boolean replica,
                                                boolean readCommitted) {
        Partition partition = replicaManager.leaderPartition(tp, wanted.currentLeaderEpoch());
        PartitionLog log = partition.log();
        long lastReadable = replica ? log.logEndOffset() : readCommitted ? log.lastStableOffset() : log.highWatermark();
        long timestamp = wanted.timestamp();
        boolean lagging = !replica && partition.highWatermarkLagsEpochStart();
        if (timestamp == LATEST) {
            if (lagging) {
                throw notAvailable(tp, log);
            }
            return Optional.of(new TimestampAndOffset(-1, lastReadable, partition.leaderEpoch()));
        }
        if (timestamp == EARLIEST || timestamp == EARLIEST_LOCAL) {
            return log.fetchOffsetByTimestamp(PartitionLog.EARLIEST_TIMESTAMP);
        }
        if (timestamp == LATEST_TIERED) {
            return Optional.empty(); // no tiered storage
        }
        if (timestamp < 0 && timestamp != MAX_TIMESTAMP) {
            throw new InvalidRequestException("Unknown special timestamp " + timestamp);
        }
        Optional<TimestampAndOffset> found = log.fetchOffsetByTimestamp(timestamp);
        if (found.isPresent() && found.get().offset() >= lastReadable && lagging) {
            throw notAvailable(tp, log); // it may be readable, once this new leader's high watermark catches up
        }
        return found.filter(f -> f.offset() < lastReadable);
    }

    private static OffsetNotAvailableException notAvailable(TopicPartition tp, PartitionLog log) {
        return new OffsetNotAvailableException("The high watermark " + log.highWatermark() + " of " + tp
                + " has not yet reached the start of its leader epoch: try again shortly");
    }
}
