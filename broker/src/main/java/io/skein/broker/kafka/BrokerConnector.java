package io.skein.broker.kafka;

import io.skein.node.InterBrokerSasl;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * How this broker connects to other brokers' inter-broker listener: in plaintext, or over TLS with
 * that listener's client settings (its truststore to check them, its keystore if they ask for a
 * certificate); on a SASL listener, logged in with {@code sasl.mechanism.inter.broker.protocol} and
 * the broker's own {@code username} and {@code password} from that listener's JAAS config, as a Kafka
 * broker does. Replica fetchers, transaction markers, AddPartitionsToTxn and the admin API's reads
 * from leaders all connect through the broker's one connector.
 */
public final class BrokerConnector {
    public static final BrokerConnector PLAINTEXT = new BrokerConnector(null, null);

    private final SslEngines tls;
    private final BrokerConnection.Credentials sasl;

    private BrokerConnector(SslEngines tls, BrokerConnection.Credentials sasl) {
        this.tls = tls;
        this.sasl = sasl;
    }

    /** Connections over TLS, made by {@code client} (a listener's client side). */
    public static BrokerConnector tls(SslEngines client) {
        return new BrokerConnector(client, null);
    }

    /**
     * These connections, logged in with {@code sasl} once made.
     *
     * @throws IllegalArgumentException if its JAAS config has no username and password to log in with
     */
    public BrokerConnector withSasl(InterBrokerSasl sasl) {
        JaasLogin login;
        try {
            login = JaasLogin.of(sasl.jaasConfig());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The inter-broker listener's " + sasl.mechanism() + " JAAS config "
                    + "needs this broker's own username and password", e);
        }
        return new BrokerConnector(tls, new BrokerConnection.Credentials(sasl.mechanism(), login.username(),
                login.password()));
    }

    /**
     * A connection to {@code address}, connected (and its TLS handshake done) within
     * {@code connectTimeoutMs}, and logged in if the listener is SASL.
     *
     * @param readTimeoutMs how long a response may take; a long-poll fetch needs its wait and more
     */
    public BrokerConnection connect(InetSocketAddress address, String clientId, int connectTimeoutMs,
                                    int readTimeoutMs) throws IOException {
        return BrokerConnection.open(address, clientId, connectTimeoutMs, readTimeoutMs, tls, sasl);
    }
}
