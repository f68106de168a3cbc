package io.skein.broker;

import io.skein.broker.kafka.BrokerConnector;
import io.skein.broker.kafka.SslEngines;
import io.skein.broker.kafka.SslPrincipals;
import io.skein.broker.network.KafkaServer;
import io.skein.node.Listener;
import io.skein.node.ListenerSecurity;
import io.skein.node.NodeConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's TLS, made from its config at start: each SSL listener's engines and principals, and
 * the client side of the inter-broker listener, through which this broker connects to the others. A
 * setting that does not make a TLS context (a missing keystore, a wrong password) fails start-up with
 * the keys that set it. While the broker runs, the keystore and truststore files are checked every
 * {@code ssl.reload.check.interval.ms} and read again when they change.
 */
final class ListenerTls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ListenerTls.class);
    private static final List<String> KEYSTORE_KEYS = List.of(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG,
            SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG,
            SslConfigs.SSL_KEY_PASSWORD_CONFIG, SslConfigs.SSL_KEYSTORE_KEY_CONFIG,
            SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG);
    private static final List<String> TRUSTSTORE_KEYS = List.of(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG,
            SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG,
            SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG);

    private final Map<String, KafkaServer.Tls> servers;
    private final SslEngines interBrokerClient;
    private final List<SslEngines> all = new ArrayList<>();

    private ListenerTls(Map<String, KafkaServer.Tls> servers, SslEngines interBrokerClient) {
        this.servers = servers;
        this.interBrokerClient = interBrokerClient;
        servers.values().forEach(tls -> all.add(tls.engines()));
        if (interBrokerClient != null) {
            all.add(interBrokerClient);
        }
    }

    /**
     * The TLS of {@code config}'s client listeners and of its connections to other brokers.
     *
     * @throws ConfigException naming the keys, if a listener's settings do not make a TLS context
     */
    static ListenerTls of(NodeConfig config) {
        Map<String, KafkaServer.Tls> servers = new HashMap<>();
        SslEngines client = null;
        try {
            for (Listener listener : config.clientListeners()) {
                ListenerSecurity security = config.listenerSecurity(listener.name());
                if (security.tls()) {
                    boolean interBroker = listener.name().equals(config.interBrokerListenerName());
                    servers.put(listener.name(), new KafkaServer.Tls(
                            build(config, security, () -> SslEngines.server(listener.name(), security.ssl(), interBroker)),
                            principals(config, security)));
                }
            }
            ListenerSecurity interBroker = config.interBrokerSecurity();
            if (interBroker.tls()) {
                client = build(config, interBroker, () -> SslEngines.client(interBroker.listenerName(), interBroker.ssl()));
            }
            return new ListenerTls(servers, client);
        } catch (RuntimeException e) {
            servers.values().forEach(tls -> tls.engines().close());
            if (client != null) {
                client.close();
            }
            throw e;
        }
    }

    /** The TLS of the listener named {@code listenerName}; null if it is plaintext. */
    KafkaServer.Tls server(String listenerName) {
        return servers.get(listenerName);
    }

    /** How this broker connects to the others' inter-broker listener. */
    BrokerConnector connector() {
        return interBrokerClient == null ? BrokerConnector.PLAINTEXT : BrokerConnector.tls(interBrokerClient);
    }

    /** Checks the stores' files every {@code intervalMs} on {@code scheduler}; 0: never. */
    void reloadEvery(long intervalMs, ScheduledExecutorService scheduler) {
        if (intervalMs > 0 && !all.isEmpty()) {
            scheduler.scheduleWithFixedDelay(this::reloadChanged, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        }
    }

    /** Reads changed stores again: one line per reload, or per changed file that does not do. */
    void reloadChanged() {
        for (SslEngines engines : all) {
            try {
                if (engines.reloadIfChanged()) {
                    log.info("TLS of listener {}: read its changed keystore and truststore; new connections use them",
                            engines);
                }
            } catch (RuntimeException e) {
                log.warn("TLS of listener {}: its keystore or truststore changed but cannot be used, so the previous "
                        + "ones stay in use: {}", engines, reason(e));
            }
        }
    }

    private static SslPrincipals principals(NodeConfig config, ListenerSecurity security) {
        String rules = (String) security.ssl().get(NodeConfig.SSL_PRINCIPAL_MAPPING_RULES);
        try {
            return new SslPrincipals(security.listenerName(), rules);
        } catch (IllegalArgumentException e) {
            String key = config.listenerKeyName(security.listenerName(), NodeConfig.SSL_PRINCIPAL_MAPPING_RULES);
            throw new ConfigException(key, rules, e.getMessage());
        }
    }

    private interface Build {
        SslEngines get();
    }

    private static SslEngines build(NodeConfig config, ListenerSecurity security, Build build) {
        try {
            return build.get();
        } catch (KafkaException e) {
            String reason = reason(e);
            List<String> keys = storeKeys(security, reason);
            List<String> named = keys.stream().filter(key -> security.ssl().get(key) != null)
                    .map(key -> config.listenerKeyName(security.listenerName(), key)).toList();
            throw new ConfigException("TLS of listener " + security.listenerName() + " cannot start"
                    + (named.isEmpty() ? "" : " with " + String.join(", ", named)) + ": " + reason);
        }
    }

    /**
     * The keys of the store a failure is about: the one whose file it names (Kafka's messages say
     * "keystore" for a PEM truststore too), else the one it names in words.
     */
    private static List<String> storeKeys(ListenerSecurity security, String reason) {
        Object truststore = security.ssl().get(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG);
        Object keystore = security.ssl().get(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG);
        if (truststore != null && reason.contains(truststore.toString())) {
            return TRUSTSTORE_KEYS;
        }
        if (keystore != null && reason.contains(keystore.toString())) {
            return KEYSTORE_KEYS;
        }
        String lower = reason.toLowerCase(Locale.ROOT);
        return lower.contains("trust") ? TRUSTSTORE_KEYS : lower.contains("key") ? KEYSTORE_KEYS : List.of();
    }

    /** Every message of a failure and its causes: Kafka's says what it was doing, the JDK's what went wrong. */
    private static String reason(Throwable failure) {
        List<String> messages = new ArrayList<>();
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            if (messages.stream().noneMatch(m -> m.contains(message))) {
                messages.add(message);
            }
        }
        return String.join(": ", messages);
    }

    @Override
    public void close() {
        all.forEach(SslEngines::close);
    }
}
