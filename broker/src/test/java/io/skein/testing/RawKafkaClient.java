package io.skein.testing;

import io.skein.broker.kafka.BrokerConnection;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * A Kafka connection driven by hand, for what real clients never send: exact batches (duplicates,
 * gaps in sequences, bad CRCs), and bytes that are not Kafka requests at all. Requests and responses
 * are encoded with kafka-clients' own classes.
 */
public final class RawKafkaClient implements AutoCloseable {
    /** The version of OffsetFetch {@link #offsetFetch} is for: v8, groups in a list. */
    public static final short OFFSET_FETCH_VERSION = 8;

    /** How long a Produce built here lets the broker wait for its acknowledgements. */
    private static final int PRODUCE_TIMEOUT_MS = 30_000;
    /**
     * How long a read waits for the broker: well beyond any wait the tests' requests ask of it (a
     * Produce's timeout, a long poll's 120 s), so that the broker's answer, a timeout included,
     * always arrives before the client gives up, however busy the machine.
     */
    private static final int READ_TIMEOUT_MS = 180_000;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int correlationId;

    public RawKafkaClient(String bootstrap) throws IOException {
        String[] hostPort = bootstrap.split(":");
        this.socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
        socket.setSoTimeout(READ_TIMEOUT_MS);
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Sends {@code request} at {@code version} and reads its response. */
    @SuppressWarnings("unchecked")
    public <T extends ApiMessage> T call(ApiMessage request, short version) throws IOException {
        int id = ++correlationId;
        sendBytes(BrokerConnection.frame(request, version, "raw-client", id));
        return (T) readResponse(ApiKeys.forId(request.apiKey()), version, id);
    }

    /** Sends {@code request} and expects no response (acks=0). */
    public void send(ApiMessage request, short version) throws IOException {
        sendBytes(BrokerConnection.frame(request, version, "raw-client", ++correlationId));
    }

    /** Reads the response to request {@code correlation}, at {@code version} of {@code key}. */
    public ApiMessage readResponse(ApiKeys key, short version, int correlation) throws IOException {
        return BrokerConnection.parseResponse(key, version, correlation, ByteBuffer.wrap(readFrame()));
    }

    /** Writes bytes as they are: garbage, truncated or oversized frames. */
    public void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public byte[] readFrame() throws IOException {
        return BrokerConnection.readFrame(in);
    }

    /** Whether the broker closed this connection (waiting up to 10 s for it to). */
    public boolean closedByBroker() throws IOException {
        socket.setSoTimeout(10_000);
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | SocketException e) {
            return true;
        }
    }

    public int nextCorrelationId() {
        return correlationId + 1;
    }

    /**
     * A partition as this broker's metadata has it (leader, leader epoch, ISR): a leader checks
     * acks=all against its own view of the ISR, which may lag or lead other brokers'.
     */
    public MetadataResponseData.MetadataResponsePartition partitionMetadata(String topic, int partition)
            throws IOException {
        MetadataResponseData response = call(new MetadataRequestData().setTopics(List.of(
                new MetadataRequestData.MetadataRequestTopic().setName(topic))), (short) 12);
        return response.topics().find(topic).partitions().stream().filter(p -> p.partitionIndex() == partition)
                .findFirst().orElseThrow();
    }

    /**
     * The group's committed offset of one partition as OffsetFetch v8 answers it: a stable fetch
     * ({@code requireStable}, as read_committed consumers ask) is refused while a transaction holds it.
     */
    public OffsetFetchResponsePartitions committedOffset(String groupId, TopicPartition tp, boolean requireStable)
            throws IOException {
        return onlyOffset(call(offsetFetch(groupId, tp, requireStable), OFFSET_FETCH_VERSION));
    }

    /** An OffsetFetch of one partition's committed offset. */
    public static OffsetFetchRequestData offsetFetch(String groupId, TopicPartition tp, boolean requireStable) {
        return new OffsetFetchRequestData().setRequireStable(requireStable)
                .setGroups(List.of(new OffsetFetchRequestGroup().setGroupId(groupId).setTopics(List.of(
                        new OffsetFetchRequestTopics().setName(tp.topic()).setPartitionIndexes(List.of(tp.partition()))))));
    }

    /** The answer to {@link #offsetFetch}: the partition's, or the group's error on a partition of its own. */
    public static OffsetFetchResponsePartitions onlyOffset(OffsetFetchResponseData response) {
        OffsetFetchResponseGroup group = response.groups().get(0);
        return group.errorCode() != 0 ? new OffsetFetchResponsePartitions().setErrorCode(group.errorCode())
                : group.topics().get(0).partitions().get(0);
    }

    /** One partition's records in a Produce request of the current version (topics named by name). */
    public static ProduceRequestData produce(String topic, int partition, short acks, MemoryRecords records) {
        ProduceRequestData request = new ProduceRequestData().setAcks(acks).setTimeoutMs(PRODUCE_TIMEOUT_MS);
        ProduceRequestData.TopicProduceData data = new ProduceRequestData.TopicProduceData().setName(topic);
        data.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records));
        request.topicData().add(data);
        return request;
    }

    /** The only partition's answer in a Produce response. */
    public static ProduceResponseData.PartitionProduceResponse only(ProduceResponseData response) {
        return response.responses().iterator().next().partitionResponses().get(0);
    }

    /** A batch of idempotent records: {@code values.size()} sequence numbers from {@code baseSequence}. */
    public static MemoryRecords idempotentBatch(long producerId, short epoch, int baseSequence, List<String> values) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, baseSequence,
                values.stream().map(v -> new SimpleRecord(v.getBytes())).toArray(SimpleRecord[]::new));
    }

    /** A plain batch, no producer id. */
    public static MemoryRecords batch(List<String> values) {
        return MemoryRecords.withRecords(Compression.NONE,
                values.stream().map(v -> new SimpleRecord(v.getBytes())).toArray(SimpleRecord[]::new));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
