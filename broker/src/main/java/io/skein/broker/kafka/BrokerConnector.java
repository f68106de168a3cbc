package io.skein.broker.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * How this broker connects to other brokers' inter-broker listener: in plaintext, or over TLS with
 * that listener's client settings (its truststore to check them, its keystore if they ask for a
 * certificate). Replica fetchers, transaction markers, AddPartitionsToTxn and the admin API's reads
 * from leaders all connect through the broker's one connector.
 */
public final class BrokerConnector {
    public static final BrokerConnector PLAINTEXT = new BrokerConnector(null);

    private final SslEngines tls;

    private BrokerConnector(SslEngines tls) {
        this.tls = tls;
    }

    /** Connections over TLS, made by {@code client} (a listener's client side). */
    public static BrokerConnector tls(SslEngines client) {
        return new BrokerConnector(client);
    }

    /**
     * A connection to {@code address}, connected (and its TLS handshake done) within
     * {@code connectTimeoutMs}.
     *
     * @param readTimeoutMs how long a response may take; a long-poll fetch needs its wait and more
     */
    public BrokerConnection connect(InetSocketAddress address, String clientId, int connectTimeoutMs,
                                    int readTimeoutMs) throws IOException {
        return BrokerConnection.open(address, clientId, connectTimeoutMs, readTimeoutMs, tls);
    }
}
