package io.skein.node;

import java.util.List;
import java.util.Map;

/**
 * How a SASL listener authenticates its clients, under Kafka's config names.
 *
 * @param mechanisms                  {@code listener.name.<l>.sasl.enabled.mechanisms}, else
 *                                    {@code sasl.enabled.mechanisms}: what a client may ask for
 * @param jaasConfigs                 by mechanism, {@code listener.name.<l>.<mechanism>.sasl.jaas.config}:
 *                                    PLAIN's users ({@code user_<name>="<password>"}), and the broker's own
 *                                    {@code username} and {@code password} on the inter-broker listener
 * @param maxReauthMs                 {@code connections.max.reauth.ms}: how long a session lasts before the
 *                                    client must authenticate again (KIP-368); 0: for ever
 * @param failedAuthenticationDelayMs {@code connection.failed.authentication.delay.ms}: how long a failed
 *                                    authentication waits before its answer and the connection's close
 * @param maxReceiveSize              {@code sasl.server.max.receive.size}: the largest frame an
 *                                    unauthenticated client may send
 */
public record ListenerSasl(String listenerName, List<String> mechanisms, Map<String, String> jaasConfigs,
                           long maxReauthMs, int failedAuthenticationDelayMs, int maxReceiveSize) {
    /** The mechanisms Skein serves: Kafka's PLAIN and SCRAM. */
    public static final List<String> MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

    public ListenerSasl {
        mechanisms = List.copyOf(mechanisms);
        jaasConfigs = Map.copyOf(jaasConfigs);
    }

    @Override
    public String toString() { // JAAS configs hold passwords
        return "ListenerSasl(" + listenerName + ", " + mechanisms + ")";
    }
}
