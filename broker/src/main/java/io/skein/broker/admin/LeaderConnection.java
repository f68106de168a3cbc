package io.skein.broker.admin;

import io.skein.broker.kafka.BrokerConnection;
import io.skein.metadata.image.TopicImage;
import java.io.IOException;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * A connection to a broker's Kafka listener, reading the partitions it leads as a consumer does
 * ({@link PartitionReader}). The leader answers exactly as it answers consumers: its high watermark,
 * last stable offset and aborted transactions, whichever broker asks, itself included. Blocking, one
 * request at a time: {@link LeaderReads} runs it on its threads.
 */
final class LeaderConnection implements AutoCloseable {
    private static final short FETCH_VERSION = 15; // topic ids (13), the replica state (15): as the replica fetcher
    private static final short LIST_OFFSETS_VERSION = 8;

    private final int brokerId;
    private final BrokerConnection connection;

    LeaderConnection(int brokerId, BrokerConnection connection) {
        this.brokerId = brokerId;
        this.connection = connection;
    }

    int brokerId() {
        return brokerId;
    }

    PartitionReader partition(TopicImage topic, int partition, IsolationLevel isolation) {
        return new PartitionReader(this, topic, partition, isolation);
    }

    ListOffsetsResponseData.ListOffsetsPartitionResponse listOffsets(ListOffsetsRequestData request)
            throws IOException {
        ListOffsetsResponseData response = connection.call(request, LIST_OFFSETS_VERSION);
        return response.topics().get(0).partitions().get(0);
    }

    FetchResponseData.PartitionData fetch(FetchRequestData request) throws IOException {
        FetchResponseData response = connection.call(request, FETCH_VERSION);
        if (response.errorCode() != Errors.NONE.code()) {
            return new FetchResponseData.PartitionData().setErrorCode(response.errorCode());
        }
        return response.responses().get(0).partitions().get(0);
    }

    @Override
    public void close() throws IOException {
        connection.close();
    }
}
