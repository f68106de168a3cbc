package io.skein.broker.kafka;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;

/**
 * A blocking connection to another broker's Kafka listener, one request at a time: what a follower's
 * fetcher thread needs. Requests and responses are encoded by kafka-clients' own classes. Made by a
 * {@link BrokerConnector}, which knows whether the listener is TLS and whether it is SASL: then the
 * connection authenticates first (SaslHandshake v1, then SaslAuthenticate with kafka-clients' SCRAM
 * client or the JDK's PLAIN client), and again on the same connection before its session ends (KIP-368).
 */
public final class BrokerConnection implements AutoCloseable {
    /** A broker's own SASL login. */
    record Credentials(String mechanism, String username, String password) {
        @Override
        public String toString() {
            return "Credentials(" + mechanism + ", " + username + ")";
        }
    }

    /** SaslHandshake v1: the tokens that follow travel in SaslAuthenticate requests. */
    private static final short SASL_HANDSHAKE_VERSION = 1;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final String clientId;
    private final Credentials credentials;
    private int correlationId;
    /** When to authenticate again, if the session ends: as Kafka's clients, before 85% of its lifetime. */
    private boolean sessionEnds;
    private long reauthenticateAtNanos;

    private BrokerConnection(Socket socket, String clientId, Credentials credentials) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = socket.getOutputStream();
        this.clientId = clientId;
        this.credentials = credentials;
    }

    /**
     * Connects to {@code address}, over TLS if {@code tls} is given (its handshake within the connect
     * timeout), and logs in with {@code credentials} if given.
     *
     * @param readTimeoutMs how long a response may take; a long-poll fetch needs its wait and more
     * @throws SaslAuthenticationException if the broker refuses the login
     */
    static BrokerConnection open(InetSocketAddress address, String clientId, int connectTimeoutMs, int readTimeoutMs,
                                 SslEngines tls, Credentials credentials) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(address, connectTimeoutMs);
            socket.setTcpNoDelay(true);
            if (tls != null) {
                socket.setSoTimeout(connectTimeoutMs);
                socket = tls.connect(socket, address.getHostString(), address.getPort());
            }
            socket.setSoTimeout(readTimeoutMs);
            BrokerConnection connection = new BrokerConnection(socket, clientId, credentials);
            if (credentials != null) {
                connection.authenticate(address.getHostString());
            }
            return connection;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends {@code request} at {@code version} and waits for its response. */
    public <T extends ApiMessage> T call(ApiMessage request, short version) throws IOException {
        if (sessionEnds && System.nanoTime() - reauthenticateAtNanos >= 0) {
            authenticate(socket.getInetAddress().getHostAddress());
        }
        return send(request, version);
    }

    /**
     * Logs in with {@code credentials}; its session's lifetime, if the server gives one, sets when to
     * log in again.
     *
     * @throws SaslAuthenticationException if the server refuses
     */
    private void authenticate(String host) throws IOException {
        SaslHandshakeResponseData handshake = send(new SaslHandshakeRequestData()
                .setMechanism(credentials.mechanism()), SASL_HANDSHAKE_VERSION);
        if (handshake.errorCode() != Errors.NONE.code()) {
            throw new SaslAuthenticationException("Broker at " + host + " refused SASL mechanism "
                    + credentials.mechanism() + ": " + Errors.forCode(handshake.errorCode()) + ", it enables "
                    + handshake.mechanisms());
        }
        long started = System.nanoTime();
        SaslClient client = saslClient(credentials, host);
        try {
            byte[] token = client.hasInitialResponse() ? client.evaluateChallenge(new byte[0]) : new byte[0];
            SaslAuthenticateResponseData response = saslAuthenticate(token);
            while (!client.isComplete()) { // PLAIN is complete once its one token is sent
                token = client.evaluateChallenge(response.authBytes());
                if (client.isComplete() && token == null) {
                    break; // SCRAM checked the server's signature: nothing left to send
                }
                response = saslAuthenticate(token);
            }
            sessionEnds = response.sessionLifetimeMs() > 0;
            reauthenticateAtNanos = started + TimeUnit.MILLISECONDS.toNanos(response.sessionLifetimeMs() * 85 / 100);
        } catch (SaslException e) {
            throw new SaslAuthenticationException("Cannot authenticate to the broker at " + host + ": " + e.getMessage(), e);
        } finally {
            client.dispose();
        }
    }

    private SaslAuthenticateResponseData saslAuthenticate(byte[] token) throws IOException {
        SaslAuthenticateResponseData response = send(new SaslAuthenticateRequestData().setAuthBytes(token),
                ApiKeys.SASL_AUTHENTICATE.latestVersion());
        if (response.errorCode() != Errors.NONE.code()) {
            throw new SaslAuthenticationException(response.errorMessage());
        }
        return response;
    }

    private static SaslClient saslClient(Credentials credentials, String host) throws IOException {
        CallbackHandler login = callbacks -> {
            for (Callback callback : callbacks) {
                if (callback instanceof NameCallback name) {
                    name.setName(credentials.username());
                } else if (callback instanceof PasswordCallback password) {
                    password.setPassword(credentials.password().toCharArray());
                } else {
                    throw new UnsupportedCallbackException(callback);
                }
            }
        };
        try {
            if (credentials.mechanism().equals("PLAIN")) {
                return Sasl.createSaslClient(new String[]{"PLAIN"}, null, "kafka", host, Map.of(), login);
            }
            return new ScramSaslClient(ScramMechanism.forMechanismName(credentials.mechanism()), login);
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("This JVM cannot compute " + credentials.mechanism(), e);
        }
    }

    private <T extends ApiMessage> T send(ApiMessage request, short version) throws IOException {
        int id = ++correlationId;
        out.write(frame(request, version, clientId, id));
        out.flush();
        @SuppressWarnings("unchecked")
        T response = (T) parseResponse(ApiKeys.forId(request.apiKey()), version, id, ByteBuffer.wrap(readFrame(in)));
        return response;
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
