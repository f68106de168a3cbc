package io.skein.node;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * How one listener secures its connections: its security protocol and, for TLS, the {@code ssl.*}
 * settings in force for it (each {@code listener.name.<name>.ssl.*} key over its {@code ssl.*} key, as
 * Kafka resolves them), typed as Kafka's config definitions type them (passwords as {@code Password},
 * lists as lists). The server side of the listener and every client of it (this broker's own, and
 * other brokers') take their settings from here.
 *
 * @param ssl every {@code ssl.*} key a server or client of this listener reads, null where unset
 */
public record ListenerSecurity(String listenerName, SecurityProtocol protocol, Map<String, Object> ssl) {
    /** The {@code ssl.*} keys a Kafka client takes. */
    private static final Set<String> CLIENT_SSL_KEYS = clientSslKeys();

    public ListenerSecurity {
        ssl = Collections.unmodifiableMap(new HashMap<>(ssl));
    }

    /** Whether connections to this listener are TLS. */
    public boolean tls() {
        return protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
    }

    /** Whether a keystore is set, as a file or inline PEM: what an SSL listener serves its certificate from. */
    public boolean hasKeystore() {
        return ssl.get(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG) != null
                || ssl.get(SslConfigs.SSL_KEYSTORE_KEY_CONFIG) != null;
    }

    /**
     * The kafka-clients properties of a client of this listener: {@code security.protocol} and, for
     * TLS, the client's {@code ssl.*} settings (the listener's truststore to check the server, its
     * keystore to present when the server asks for a certificate, its endpoint identification).
     */
    public Map<String, Object> clientProperties() {
        Map<String, Object> properties = new HashMap<>();
        properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol.name);
        if (tls()) {
            ssl.forEach((key, value) -> {
                if (value != null && CLIENT_SSL_KEYS.contains(key)) {
                    properties.put(key, value);
                }
            });
        }
        return properties;
    }

    private static Set<String> clientSslKeys() {
        ConfigDef client = new ConfigDef();
        SslConfigs.addClientSslSupport(client);
        return Set.copyOf(client.names());
    }
}
