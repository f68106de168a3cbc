package io.skein.broker.kafka;

import io.skein.node.InterBrokerSasl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;

/**
 * How this broker reaches the other brokers' inter-broker listener: in plain text, or, on a SASL
 * listener, authenticated with {@code sasl.mechanism.inter.broker.protocol} and the broker's own
 * {@code username} and {@code password} from that listener's JAAS config, as a Kafka broker does.
 * For its blocking connections ({@link BrokerConnection}) and for the kafka-clients it runs itself
 * ({@link #clientProperties()}).
 */
public final class BrokerConnector {
    /** Connections without authentication, on a PLAINTEXT inter-broker listener. */
    public static final BrokerConnector PLAINTEXT = new BrokerConnector(Optional.empty());

    private final Optional<InterBrokerSasl> sasl;
    private final Optional<BrokerConnection.Credentials> credentials;

    /** @throws IllegalArgumentException if the JAAS config has no username and password to log in with */
    public BrokerConnector(Optional<InterBrokerSasl> sasl) {
        this.sasl = sasl;
        this.credentials = sasl.map(BrokerConnector::credentials);
    }

    private static BrokerConnection.Credentials credentials(InterBrokerSasl sasl) {
        AppConfigurationEntry entry = JaasContext.loadClientContext(Map.of(SaslConfigs.SASL_JAAS_CONFIG,
                new Password(sasl.jaasConfig()))).configurationEntries().get(0);
        Object username = entry.getOptions().get("username");
        Object password = entry.getOptions().get("password");
        if (!(username instanceof String user) || !(password instanceof String secret)) {
            throw new IllegalArgumentException("The inter-broker listener's " + sasl.mechanism() + " JAAS config "
                    + "needs this broker's own username and password");
        }
        return new BrokerConnection.Credentials(sasl.mechanism(), user, secret);
    }

    /** Opens a connection to {@code address}, authenticated if the inter-broker listener asks for it. */
    public BrokerConnection connect(InetSocketAddress address, String clientId, int connectTimeoutMs, int readTimeoutMs)
            throws IOException {
        return new BrokerConnection(address, clientId, connectTimeoutMs, readTimeoutMs, credentials);
    }

    /** What a kafka-clients client of this broker needs to reach the inter-broker listener: none on PLAINTEXT. */
    public Map<String, Object> clientProperties() {
        return sasl.<Map<String, Object>>map(s -> Map.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, s.mechanism(), SaslConfigs.SASL_JAAS_CONFIG, s.jaasConfig()))
                .orElse(Map.of());
    }
}
