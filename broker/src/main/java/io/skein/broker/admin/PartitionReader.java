package io.skein.broker.admin;

import io.skein.broker.kafka.FetchedRecords;
import io.skein.broker.kafka.TopicIds;
import io.skein.metadata.image.TopicImage;
import java.io.IOException;
import java.util.List;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.protocol.Errors;

/**
 * One partition read through its leader's {@link LeaderConnection} at one isolation level: ListOffsets
 * for its bounds and for times, Fetch for its records.
 */
final class PartitionReader {
    /** ListOffsets' special timestamps, as Kafka's protocol defines them. */
    static final long EARLIEST = -2;
    static final long LATEST = -1;
    /** The bytes a Fetch asks for unless told; a larger batch still comes whole, as to any consumer. */
    static final int FETCH_BYTES = 1 << 20;

    private final LeaderConnection leader;
    private final TopicImage topic;
    private final int partition;
    private final TopicPartition tp;
    private final IsolationLevel isolation;

    PartitionReader(LeaderConnection leader, TopicImage topic, int partition, IsolationLevel isolation) {
        this.leader = leader;
        this.topic = topic;
        this.partition = partition;
        this.tp = new TopicPartition(topic.name(), partition);
        this.isolation = isolation;
    }

    /**
     * ListOffsets for {@code timestamp}: {@link #EARLIEST}, {@link #LATEST} (the high watermark, or
     * read committed the last stable offset), or ms since the epoch.
     *
     * @return the offset; -1 if no record has a timestamp that late
     */
    long offset(long timestamp) throws IOException {
        var answer = leader.listOffsets(new ListOffsetsRequestData().setReplicaId(-1)
                .setIsolationLevel(isolation.id()).setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic()
                        .setName(tp.topic()).setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition()
                                .setPartitionIndex(partition).setCurrentLeaderEpoch(-1).setTimestamp(timestamp))))));
        throwIfFailed(answer.errorCode());
        return answer.offset();
    }

    /** One Fetch from {@code offset}, as a consumer sends it, answered at once. */
    FetchResponseData.PartitionData fetch(long offset, int maxBytes) throws IOException {
        FetchResponseData.PartitionData data = leader.fetch(new FetchRequestData().setMaxWaitMs(0).setMinBytes(0)
                .setMaxBytes(maxBytes).setIsolationLevel(isolation.id()).setSessionId(0).setSessionEpoch(-1)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopicId(TopicIds.toKafka(topic.id()))
                        .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(partition)
                                .setCurrentLeaderEpoch(-1).setFetchOffset(offset).setLastFetchedEpoch(-1)
                                .setLogStartOffset(-1).setPartitionMaxBytes(maxBytes))))));
        throwIfFailed(data.errorCode());
        return data;
    }

    /** How a scan ended: where to read next, the bytes fetched, and whether the visitor stopped it. */
    record Scan(long next, long bytes, boolean stopped) {
    }

    /**
     * Hands {@code visitor} the records of [{@code from}, {@code until}) in order, in fetches of
     * {@code fetchBytes}, until the visitor stops, {@code until} or the leader's readable end is
     * reached, or {@code maxBytes} are read (checked between fetches).
     */
    Scan scan(long from, long until, long maxBytes, int fetchBytes, FetchedRecords.Visitor visitor)
            throws IOException {
        long next = from;
        long bytes = 0;
        boolean[] stopped = {false};
        FetchedRecords.Visitor bounded = record -> {
            if (record.offset() >= until) {
                return false;
            }
            stopped[0] = !visitor.accept(record);
            return !stopped[0];
        };
        while (next < until && bytes < maxBytes && !stopped[0]) {
            FetchResponseData.PartitionData data = fetch(next, (int) Math.min(fetchBytes, maxBytes - bytes));
            int read = FetchedRecords.sizeInBytes(data);
            if (read == 0) {
                break; // the leader's readable end
            }
            bytes += read;
            long after = FetchedRecords.forEach(data, next, isolation == IsolationLevel.READ_COMMITTED, bounded);
            if (after <= next && !stopped[0]) {
                break; // batches only before the offset asked: a leader never sends that, but it must not spin
            }
            next = after;
        }
        return new Scan(Math.min(next, until), bytes, stopped[0]);
    }

    private void throwIfFailed(short code) {
        Errors error = Errors.forCode(code);
        if (error != Errors.NONE) {
            throw error.exception("Reading " + tp + " from its leader, broker " + leader.brokerId() + ": "
                    + error.message());
        }
    }
}
