package io.skein.node;

import java.util.Map;
import org.apache.kafka.common.config.SaslConfigs;

/**
 * How this broker authenticates to the other brokers when the inter-broker listener is SASL:
 * {@code sasl.mechanism.inter.broker.protocol} and the JAAS config of that listener and mechanism,
 * whose login module's {@code username} and {@code password} are the broker's own credentials.
 */
public record InterBrokerSasl(String mechanism, String jaasConfig) {
    /**
     * What a kafka-clients client of the broker's own adds to the listener's other settings
     * ({@link ListenerSecurity#clientProperties()}) to log in as the broker.
     */
    public Map<String, Object> clientProperties() {
        return Map.of(SaslConfigs.SASL_MECHANISM, mechanism, SaslConfigs.SASL_JAAS_CONFIG, jaasConfig);
    }

    @Override
    public String toString() { // the JAAS config holds a password
        return "InterBrokerSasl(" + mechanism + ")";
    }
}
