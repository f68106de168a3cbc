package io.skein.broker.tls;

import io.skein.broker.kafka.BrokerConnector;
import io.skein.broker.kafka.SslEngines;
import io.skein.broker.kafka.SslPrincipals;
import io.skein.broker.network.KafkaServer;
import io.skein.broker.util.DaemonThreads;
import io.skein.metadata.tls.TlsSettings;
import io.skein.node.Listener;
import io.skein.node.ListenerSecurity;
import io.skein.node.NodeConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's TLS, made from its config at start, for every listener it serves or connects to: each
 * Kafka SSL listener's engines and principals and the client side of the inter-broker listener (a
 * broker's); the controller listener's, which a controller serves Raft and the controller service
 * with and every node reaches the controllers with; the admin API's (a broker's) and the HTTP
 * listener's, which a broker also reaches the others' with. A setting that does not make a TLS context
 * (a missing keystore, a wrong password) fails start-up with the keys that set it. While the node
 * runs, the keystore and truststore files are checked every {@code ssl.reload.check.interval.ms} and
 * read again when they change, for every listener alike.
 */
public final class NodeTls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeTls.class);
    private static final List<String> KEYSTORE_KEYS = List.of(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG,
            SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG,
            SslConfigs.SSL_KEY_PASSWORD_CONFIG, SslConfigs.SSL_KEYSTORE_KEY_CONFIG,
            SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG);
    private static final List<String> TRUSTSTORE_KEYS = List.of(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG,
            SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG,
            SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG);

    private final NodeConfig config;
    private final Map<String, KafkaServer.Tls> kafkaServers = new HashMap<>();
    private final List<SslEngines> all = new ArrayList<>();
    private SslEngines interBrokerClient;
    private SslEngines controller;
    private SslEngines admin;
    private SslEngines http;
    /** Who the clients of the admin API and HTTP listeners are, by their certificates; null without TLS. */
    private SslPrincipals adminPrincipals;
    private SslPrincipals httpPrincipals;
    private ScheduledExecutorService reloads;

    private NodeTls(NodeConfig config) {
        this.config = config;
    }

    /**
     * The TLS of every listener of {@code config} that has any, and of this node's connections to them.
     *
     * @throws ConfigException naming the keys, if a listener's settings do not make a TLS context
     */
    public static NodeTls of(NodeConfig config) {
        NodeTls tls = new NodeTls(config);
        try {
            tls.build();
        } catch (RuntimeException e) {
            tls.close();
            throw e;
        }
        return tls;
    }

    private void build() {
        boolean broker = config.hasRole(NodeConfig.Role.BROKER);
        if (broker) {
            for (Listener listener : config.clientListeners()) {
                ListenerSecurity security = config.listenerSecurity(listener.name());
                if (security.tls()) {
                    boolean interBroker = listener.name().equals(config.interBrokerListenerName());
                    SslEngines engines = build(security, () -> SslEngines.kafkaServer(listener.name(), security.ssl(),
                            interBroker));
                    log.info("TLS of listener {}: {} engine", listener.name(), engines.engine());
                    kafkaServers.put(listener.name(), new KafkaServer.Tls(engines, principals(security)));
                }
            }
            ListenerSecurity interBroker = config.interBrokerSecurity();
            if (interBroker.tls()) {
                interBrokerClient = build(interBroker, () -> SslEngines.client(interBroker.listenerName(),
                        interBroker.ssl()));
            }
            ListenerSecurity adminSecurity = config.listenerSecurity(NodeConfig.ADMIN_LISTENER_NAME);
            admin = serverIfTls(adminSecurity, false);
            adminPrincipals = adminSecurity.tls() ? principals(adminSecurity) : null;
        }
        ListenerSecurity controllers = config.controllerSecurity();
        if (controllers.tls()) {
            // A controller's stores serve its listener and reach the other voters, so, as an inter-broker
            // listener's, its truststore must trust its own certificate. Other nodes are only its clients.
            controller = config.hasRole(NodeConfig.Role.CONTROLLER) ? serverIfTls(controllers, true)
                    : build(controllers, () -> SslEngines.client(controllers.listenerName(), controllers.ssl()));
        }
        ListenerSecurity httpSecurity = config.listenerSecurity(NodeConfig.HTTP_LISTENER_NAME);
        http = serverIfTls(httpSecurity, false);
        httpPrincipals = httpSecurity.tls() ? principals(httpSecurity) : null;
        long intervalMs = config.sslReloadCheckIntervalMs();
        if (intervalMs > 0 && !all.isEmpty()) {
            reloads = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("tls-reload"));
            reloads.scheduleWithFixedDelay(this::reloadChanged, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        }
    }

    private SslEngines serverIfTls(ListenerSecurity security, boolean verifiable) {
        return security.tls()
                ? build(security, () -> SslEngines.server(security.listenerName(), security.ssl(), verifiable))
                : null;
    }

    /** The TLS of the Kafka listener named {@code listenerName}; null if it is plaintext. */
    public KafkaServer.Tls kafkaServer(String listenerName) {
        return kafkaServers.get(listenerName);
    }

    /** How this broker connects to the others' inter-broker listener. */
    public BrokerConnector connector() {
        return interBrokerClient == null ? BrokerConnector.PLAINTEXT : BrokerConnector.tls(interBrokerClient);
    }

    /**
     * The controller listener's TLS, if it has any: a controller's Raft and controller service serve
     * it, and every node's connections to the controllers use it.
     */
    public Optional<TlsSettings> controller() {
        return settings(controller);
    }

    /** The admin API's TLS, if a broker serves it over TLS. */
    public Optional<TlsSettings> admin() {
        return settings(admin);
    }

    /** The HTTP listener's TLS, if it serves HTTPS: also how a broker asks the others' for their figures. */
    public Optional<TlsSettings> http() {
        return settings(http);
    }

    /** The principals of the admin API's clients' certificates, if a broker serves it over TLS. */
    public Optional<SslPrincipals> adminPrincipals() {
        return Optional.ofNullable(adminPrincipals);
    }

    /** The principals of the HTTP listener's clients' certificates, if it serves HTTPS. */
    public Optional<SslPrincipals> httpPrincipals() {
        return Optional.ofNullable(httpPrincipals);
    }

    private static Optional<TlsSettings> settings(SslEngines engines) {
        return Optional.ofNullable(engines).map(SslEngines::tlsSettings);
    }

    /** Reads changed stores again: one line per reload, or per changed file that does not do. */
    private void reloadChanged() {
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

    private SslPrincipals principals(ListenerSecurity security) {
        String rules = (String) security.ssl().get(NodeConfig.SSL_PRINCIPAL_MAPPING_RULES);
        try {
            return new SslPrincipals(security.listenerName(), rules);
        } catch (IllegalArgumentException e) {
            String key = config.listenerKeyName(security.listenerName(), NodeConfig.SSL_PRINCIPAL_MAPPING_RULES);
            throw new ConfigException(key, rules, e.getMessage());
        }
    }

    /** Makes a listener's engines, kept for reloads and closing; a failure names the keys that caused it. */
    private SslEngines build(ListenerSecurity security, Supplier<SslEngines> build) {
        try {
            SslEngines engines = build.get();
            all.add(engines);
            return engines;
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
        if (reloads != null) {
            reloads.shutdownNow();
        }
        all.forEach(SslEngines::close);
    }
}
