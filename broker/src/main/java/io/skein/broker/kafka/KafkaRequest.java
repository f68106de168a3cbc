package io.skein.broker.kafka;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * One request as it came off the wire: its header and its body, parsed by kafka-clients' own
 * classes, and the means to answer it in the same version.
 */
public final class KafkaRequest {
    private final RequestHeader header;
    private final AbstractRequest body;
    private final int sizeInBytes;

    private KafkaRequest(RequestHeader header, AbstractRequest body, int sizeInBytes) {
        this.header = header;
        this.body = body;
        this.sizeInBytes = sizeInBytes;
    }

    /**
     * Parses one frame (without its size prefix). The body of an ApiVersions request in a version
     * newer than this library knows is not parsed: such a request is answered at version 0 with the
     * supported versions, as Kafka does, so that newer clients can fall back.
     *
     * @throws InvalidRequestException for an unknown API key, an unknown version or a malformed body;
     *                                 the connection that sent it should be closed
     */
    public static KafkaRequest parse(ByteBuffer frame) {
        int size = frame.remaining();
        RequestHeader header;
        try {
            header = RequestHeader.parse(frame);
        } catch (RuntimeException e) {
            throw new InvalidRequestException("Malformed request header: " + e.getMessage(), e);
        }
        ApiKeys apiKey = header.apiKey();
        short version = header.apiVersion();
        if (apiKey == ApiKeys.API_VERSIONS && !apiKey.isVersionSupported(version)) {
            return new KafkaRequest(header, null, size);
        }
        if (apiKey == ApiKeys.PRODUCE && version < ApiKeys.PRODUCE.oldestVersion()) {
            // Advertised for librdkafka's sake (see ApiVersionsApi) but not served, as in Kafka 4.
            throw new InvalidRequestException("Produce v" + version + " is not supported: Kafka 4 removed Produce v0-"
                    + (ApiKeys.PRODUCE.oldestVersion() - 1) + " (KIP-896), the client must use v"
                    + ApiKeys.PRODUCE.oldestVersion() + " or later");
        }
        if (!apiKey.isVersionSupported(version)) {
            throw new InvalidRequestException("Unsupported version " + version + " of " + apiKey);
        }
        try {
            return new KafkaRequest(header, AbstractRequest.parseRequest(apiKey, version,
                    new ByteBufferAccessor(frame)).request, size);
        } catch (RuntimeException e) {
            throw new InvalidRequestException("Malformed " + apiKey + " v" + version + " request: " + e.getMessage(), e);
        }
    }

    public ApiKeys apiKey() {
        return header.apiKey();
    }

    public short apiVersion() {
        return header.apiVersion();
    }

    public int correlationId() {
        return header.correlationId();
    }

    public String clientId() {
        return header.clientId();
    }

    /** The request's size on the wire, header and body (without the size prefix), as Kafka's produce quota counts it. */
    public int sizeInBytes() {
        return sizeInBytes;
    }

    /**
     * For a fetch, the broker id of the follower that sent it (in the body up to v14, in its replica
     * state from v15); -1 for a consumer's fetch and any other request.
     */
    public int fetchReplicaId() {
        if (apiKey() != ApiKeys.FETCH) {
            return -1;
        }
        FetchRequestData fetch = (FetchRequestData) body.data();
        return apiVersion() >= 15 ? fetch.replicaState().replicaId() : fetch.replicaId();
    }

        /** An ApiVersions request in a version this library does not know: answer with {@link #unsupportedApiVersions}. */
    public boolean isUnknownApiVersionsVersion() {
        return body == null;
    }

    /** The request's generated message, such as {@code ProduceRequestData}. */
    public ApiMessage data() {
        return body.data();
    }

    /** The size of {@code response} in this request's version: what Kafka's fetch quota counts of a fetch. */
    public int sizeOf(ApiMessage response) {
        return response.size(new ObjectSerializationCache(), apiVersion());
    }

    /** The response kafka-clients itself would build for this request failing with {@code error}. */
    public ApiMessage errorResponse(Throwable error) {
        return body.getErrorResponse(0, error).data();
    }

    /**
     * Serialises {@code response} with its size prefix and header, ready for the socket: buffers, and
     * records read from the log as file regions, which reach the socket without a copy.
     *
     * @param slices how records from the log reach the socket; where the socket is TLS they are read
     *               into buffers here, so the calling thread must not be an event loop
     * @throws java.io.UncheckedIOException if records cannot be read from the log
     */
    public List<Object> encode(ApiMessage response, LogSlices slices) {
        return NettySends.toNetty(SendBuilder.buildResponseSend(header.toResponseHeader(), response, apiVersion()),
                slices);
    }

    /** The version-0 answer to an ApiVersions request of an unknown version, listing {@code supported}. */
    public List<Object> unsupportedApiVersions(ApiVersionsResponseData supported) {
        return NettySends.toNetty(SendBuilder.buildResponseSend(new ResponseHeader(correlationId(), (short) 0),
                supported, (short) 0), LogSlices.SENDFILE); // no records in it
    }

    @Override
    public String toString() {
        return apiKey() + " v" + apiVersion() + " (correlation id " + correlationId() + ", client " + clientId() + ")";
    }
}
