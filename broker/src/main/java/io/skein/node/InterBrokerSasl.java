package io.skein.node;

/**
 * How this broker authenticates to the other brokers when the inter-broker listener is SASL:
 * {@code sasl.mechanism.inter.broker.protocol} and the JAAS config of that listener and mechanism,
 * whose login module's {@code username} and {@code password} are the broker's own credentials.
 */
public record InterBrokerSasl(String mechanism, String jaasConfig) {
    @Override
    public String toString() { // the JAAS config holds a password
        return "InterBrokerSasl(" + mechanism + ")";
    }
}
