package io.skein.broker.kafka;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * A blocking connection to another broker's Kafka listener, one request at a time: what a follower's
 * fetcher thread needs. Requests and responses are encoded by kafka-clients' own classes. Made by a
 * {@link BrokerConnector}, which knows whether the listener is TLS.
 */
public final class BrokerConnection implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final String clientId;
    private int correlationId;

    private BrokerConnection(Socket socket, String clientId) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = socket.getOutputStream();
        this.clientId = clientId;
    }

    /**
     * Connects to {@code address}, over TLS if {@code tls} is given (its handshake within the connect
     * timeout).
     *
     * @param readTimeoutMs how long a response may take; a long-poll fetch needs its wait and more
     */
    static BrokerConnection open(InetSocketAddress address, String clientId, int connectTimeoutMs, int readTimeoutMs,
                                 SslEngines tls) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(address, connectTimeoutMs);
            socket.setTcpNoDelay(true);
            if (tls != null) {
                socket.setSoTimeout(connectTimeoutMs);
                socket = tls.connect(socket, address.getHostString(), address.getPort());
            }
            socket.setSoTimeout(readTimeoutMs);
            return new BrokerConnection(socket, clientId);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends {@code request} at {@code version} and waits for its response. */
    @SuppressWarnings("unchecked")
    public <T extends ApiMessage> T call(ApiMessage request, short version) throws IOException {
        int id = ++correlationId;
        out.write(frame(request, version, clientId, id));
        out.flush();
        return (T) parseResponse(ApiKeys.forId(request.apiKey()), version, id, ByteBuffer.wrap(readFrame(in)));
    }

    /** A request as it goes on the wire: size, header, body. */
    public static byte[] frame(ApiMessage request, short version, String clientId, int correlationId) {
        ApiKeys key = ApiKeys.forId(request.apiKey());
        RequestHeader header = new RequestHeader(key, version, clientId, correlationId);
        ByteBuffer body = RequestUtils.serialize(header.data(), header.headerVersion(), request, version);
        byte[] bytes = new byte[4 + body.remaining()];
        ByteBuffer.wrap(bytes).putInt(body.remaining()).put(body);
        return bytes;
    }

    /** Reads one size-prefixed frame. */
    public static byte[] readFrame(DataInputStream in) throws IOException {
        int size = in.readInt();
        if (size < 0) {
            throw new IOException("A frame of negative size " + size);
        }
        byte[] body = new byte[size];
        in.readFully(body);
        return body;
    }

    /**
     * Parses the response to request {@code correlation}, at {@code version} of {@code key}.
     *
     * @throws IOException if it answers another request
     */
    public static ApiMessage parseResponse(ApiKeys key, short version, int correlation, ByteBuffer frame)
            throws IOException {
        ResponseHeader header = ResponseHeader.parse(frame, key.responseHeaderVersion(version));
        if (header.correlationId() != correlation) {
            throw new IOException("Response to request " + header.correlationId() + " where " + correlation
                    + " was expected");
        }
        ApiMessage message = ApiMessageType.fromApiKey(key.id).newResponse();
        message.read(new ByteBufferAccessor(frame), version);
        return message;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
