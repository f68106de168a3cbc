package io.skein.broker.kafka;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.skein.metadata.tls.TlsSettings;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ConnectionMode;
import org.apache.kafka.common.security.auth.SslEngineFactory;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.apache.kafka.common.security.ssl.SslFactory;

/**
 * The TLS engines of one listener, server or client side, made by kafka-clients' own
 * {@link SslFactory} over its {@link DefaultSslEngineFactory}: Kafka's reading of every {@code ssl.*}
 * setting (PEM, PKCS12 and JKS stores, passwords, protocols, cipher suites, client authentication,
 * endpoint identification), and Kafka's checks when the stores are read again: a new keystore must keep
 * the certificate's name and alternative names unless {@code ssl.allow.dn.changes} and
 * {@code ssl.allow.san.changes} say otherwise, and an inter-broker listener's new stores must still
 * complete a handshake with each other.
 *
 * <p>A Kafka listener's server side is served by BoringSSL, through Netty's OpenSSL engine, where it
 * serves these settings as the JDK's engine would ({@link OpenSslContexts}): a context over the same
 * key and trust managers, made again at each reload. Elsewhere, and on the client side (this broker's
 * blocking connections to others), Kafka's factory makes the JDK's engines.
 *
 * <p>The listeners that are not Kafka's (the controller's Raft and controller service, the admin API,
 * HTTP) take the same stores as {@link #tlsSettings()}: key and trust managers over this factory's
 * stores, which follow its reloads.
 *
 * <p>Thread-safe: engines are made on event loops and other threads while {@link #reloadIfChanged()}
 * runs on a scheduler.
 */
public final class SslEngines implements AutoCloseable {
    /** A broker's key, which kafka-clients names only in its internal {@code BrokerSecurityConfigs}. */
    private static final String SSL_CLIENT_AUTH = "ssl.client.auth";

    private final String name;
    private final ConnectionMode mode;
    private final Map<String, Object> configs;
    private final SslFactory factory;
    /**
     * Why the JDK's engine serves this listener rather than BoringSSL; null where BoringSSL does. Only
     * a Kafka listener's server side may be BoringSSL's: the others' TLS is not Netty's own pipelines.
     */
    private final String jdkEngineBecause;
    /**
     * What engines are made from: the factory's, published here by the thread that reloaded it, as
     * {@link SslFactory} itself does not publish a new one to other threads.
     */
    private volatile InUse current;
    private final TlsSettings tlsSettings;
    /** The stores' files as last looked at: a reload is tried once per change. */
    private List<Object> filesSeen;

    /**
     * Kafka's default engine factory, which keeps working once superseded: {@link SslFactory} closes
     * the previous factory when it reads new stores, which would fail the engines another thread makes
     * from it before {@link #current} is the new one (a renewal would refuse a few new connections).
     * Closing it releases nothing, so here it does nothing.
     */
    public static final class SupersedableEngineFactory extends DefaultSslEngineFactory {
        @Override
        public void close() {
        }
    }

    /** A key manager (null without a keystore) and a trust manager over one pair of stores. */
    private record Managers(X509ExtendedKeyManager keyManager, X509ExtendedTrustManager trustManager) {
    }

    /**
     * One pair of stores: Kafka's factory over them, their managers, and BoringSSL's context over those
     * (null where the JDK's engine serves the listener).
     */
    private record InUse(SslEngineFactory factory, Managers managers, SslContext openSsl) {
    }

    /** @param kafkaListener whether Netty serves it ({@link #newServerHandler}), which BoringSSL may then do */
    private SslEngines(String name, ConnectionMode mode, Map<String, ?> configs, boolean verifiable,
                       boolean kafkaListener) {
        this.name = name;
        this.mode = mode;
        this.configs = new HashMap<>(configs);
        this.configs.put(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG, SupersedableEngineFactory.class);
        this.factory = new SslFactory(mode, null, verifiable);
        this.filesSeen = files();
        factory.configure(new HashMap<>(this.configs)); // SslFactory keeps and may add to the map it is given
        SslEngineFactory engines = factory.sslEngineFactory();
        Managers managers = managers(engines);
        String jdkBecause = !kafkaListener ? "not a Kafka listener's server side" : OpenSslContexts.unsuitable(
                this.configs, engines.createServerSslEngine(null, -1), managers.keyManager()).orElse(null);
        SslContext openSsl = null;
        if (jdkBecause == null) {
            try {
                openSsl = openSslContext(engines, managers);
            } catch (SSLException e) {
                jdkBecause = "BoringSSL refuses these settings: " + e.getMessage();
            }
        }
        this.jdkEngineBecause = jdkBecause;
        this.current = new InUse(engines, managers, openSsl);
        this.tlsSettings = new TlsSettings(
                managers.keyManager() == null ? null : new CurrentKeyManager(() -> current.managers().keyManager()),
                new CurrentTrustManager(() -> current.managers().trustManager(), endpointIdentification()),
                clientAuth(), stringList(SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG),
                stringList(SslConfigs.SSL_CIPHER_SUITES_CONFIG));
    }

    /**
     * A Kafka listener's server side, which {@link #newServerHandler} serves: in BoringSSL where it
     * serves these settings as the JDK would, else in the JDK's engine.
     *
     * @param interBroker whether other brokers connect to it: then, as in Kafka, its keystore must be
     *                    one its own truststore trusts (a handshake between the two is tried)
     * @throws KafkaException if the settings do not make a TLS context: the message says why
     */
    public static SslEngines kafkaServer(String listenerName, Map<String, ?> ssl, boolean interBroker) {
        return new SslEngines(listenerName, ConnectionMode.SERVER, ssl, interBroker, true);
    }

    /**
     * The server side of a listener that is not Kafka's, which takes only {@link #tlsSettings()}.
     *
     * @param verifiable whether this node's own connections to it use the same stores: then its keystore
     *                   must be one its own truststore trusts, as an inter-broker listener's
     * @throws KafkaException if the settings do not make a TLS context: the message says why
     */
    public static SslEngines server(String listenerName, Map<String, ?> ssl, boolean verifiable) {
        return new SslEngines(listenerName, ConnectionMode.SERVER, ssl, verifiable, false);
    }

    /** The client side of a listener, for this broker's connections to other brokers' listeners of that name. */
    public static SslEngines client(String listenerName, Map<String, ?> ssl) {
        return new SslEngines(listenerName, ConnectionMode.CLIENT, ssl, false, false);
    }

    public String name() {
        return name;
    }

    /**
     * Which engine this listener's server side runs: {@code "OpenSSL (BoringSSL)"}, or the JDK's and why.
     */
    public String engine() {
        return jdkEngineBecause == null ? "OpenSSL (" + OpenSsl.versionString() + ")"
                : "JDK (" + jdkEngineBecause + ")";
    }

    /** Whether BoringSSL serves this listener's connections. */
    public boolean openSsl() {
        return jdkEngineBecause == null;
    }

    /**
     * Netty's TLS handler for a new connection to this listener's server side, from {@code peerHost}
     * (an address as the socket has it, never looked up), over the stores in use; the handshake's
     * delegated tasks (key exchange, certificate checks) run on {@code delegatedTasks}.
     */
    public SslHandler newServerHandler(ByteBufAllocator alloc, String peerHost, int peerPort, Executor delegatedTasks) {
        if (mode != ConnectionMode.SERVER) {
            throw new IllegalStateException(this + " is a client");
        }
        InUse stores = current;
        return stores.openSsl() != null ? stores.openSsl().newHandler(alloc, peerHost, peerPort, delegatedTasks)
                : new SslHandler(stores.factory().createServerSslEngine(peerHost, peerPort), delegatedTasks);
    }

    private String endpointIdentification() {
        return (String) configs.get(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG);
    }

    /**
     * TLS over a connected socket, for a client that blocks on its reads: an {@link SSLSocket} from
     * the same context, with the parameters a client engine of this listener has (protocols, cipher
     * suites, endpoint identification, server name), its handshake done within the socket's timeout.
     */
    public SSLSocket connect(Socket connected, String host, int port) throws IOException {
        SslEngineFactory engines = current.factory();
        // Skein refuses ssl.engine.factory.class: the factory is always Kafka's default one.
        SSLSocket socket = (SSLSocket) ((DefaultSslEngineFactory) engines).sslContext().getSocketFactory()
                .createSocket(connected, host, port, true);
        socket.setSSLParameters(engines.createClientSslEngine(host, port, endpointIdentification())
                .getSSLParameters());
        socket.startHandshake();
        return socket;
    }

    /**
     * Reads the keystore and truststore files again if they changed since last looked at, for the
     * engines made from now on (connections already open keep theirs).
     *
     * @return whether new stores are in use
     * @throws KafkaException if the changed files do not make a TLS context, or fail Kafka's checks:
     *                        the engines stay as they were, and the same files are not tried again
     */
    public synchronized boolean reloadIfChanged() {
        List<Object> files = files();
        if (files.equals(filesSeen)) {
            return false;
        }
        filesSeen = files;
        factory.reconfigure(configs);
        SslEngineFactory next = factory.sslEngineFactory();
        if (next == current.factory()) {
            return false;
        }
        current = inUse(next, managers(next));
        return true;
    }

    /** Kafka's factory {@code engines}, its {@code managers}, and BoringSSL's context over them if it serves. */
    private InUse inUse(SslEngineFactory engines, Managers managers) {
        try {
            return new InUse(engines, managers, jdkEngineBecause == null ? openSslContext(engines, managers) : null);
        } catch (SSLException e) {
            throw new KafkaException("BoringSSL cannot use the keystore or truststore of listener " + name + ": "
                    + e.getMessage(), e);
        }
    }

    /** BoringSSL's server context over {@code managers}, with what a server engine of {@code engines} enables. */
    private SslContext openSslContext(SslEngineFactory engines, Managers managers) throws SSLException {
        return OpenSslContexts.server(configs, engines.createServerSslEngine(null, -1), managers.keyManager(),
                managers.trustManager());
    }

    /**
     * This listener's stores as the JDK's key and trust managers, for TLS that is not made of this
     * class's engines: they follow this listener's reloads, and apply its
     * {@code ssl.endpoint.identification.algorithm} to the servers they check.
     */
    public TlsSettings tlsSettings() {
        return tlsSettings;
    }

    /** Managers over {@code engines}' stores, made as Kafka's factory makes its own. */
    private Managers managers(SslEngineFactory engines) {
        try {
            X509ExtendedKeyManager keyManager = null;
            KeyStore keystore = engines.keystore();
            if (keystore != null) {
                KeyManagerFactory keys = KeyManagerFactory.getInstance(
                        (String) configs.get(SslConfigs.SSL_KEYMANAGER_ALGORITHM_CONFIG));
                keys.init(keystore, keyPassword());
                keyManager = only(keys.getKeyManagers(), X509ExtendedKeyManager.class,
                        SslConfigs.SSL_KEYMANAGER_ALGORITHM_CONFIG);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(
                    (String) configs.get(SslConfigs.SSL_TRUSTMANAGER_ALGORITHM_CONFIG));
            trust.init(engines.truststore()); // none: the JDK's default trusted certificates, as in Kafka
            return new Managers(keyManager, only(trust.getTrustManagers(), X509ExtendedTrustManager.class,
                    SslConfigs.SSL_TRUSTMANAGER_ALGORITHM_CONFIG));
        } catch (GeneralSecurityException e) {
            throw new KafkaException("Cannot use the keystore or truststore of listener " + name + ": " + e.getMessage(),
                    e);
        }
    }

    /** {@code ssl.client.auth}; a client's settings have none. */
    private TlsSettings.ClientAuth clientAuth() {
        Object auth = configs.get(SSL_CLIENT_AUTH);
        return auth == null ? TlsSettings.ClientAuth.NONE
                : TlsSettings.ClientAuth.valueOf(auth.toString().toUpperCase(Locale.ROOT));
    }

    /** The key's password as Kafka's stores take it: {@code ssl.key.password}, else the keystore's. */
    private char[] keyPassword() {
        Password key = (Password) configs.get(SslConfigs.SSL_KEY_PASSWORD_CONFIG);
        Password store = (Password) configs.get(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG);
        Password password = key != null ? key : store;
        return password == null ? null : password.value().toCharArray();
    }

    private static <T> T only(Object[] managers, Class<T> type, String algorithmKey) {
        return Arrays.stream(managers).filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new KafkaException(algorithmKey + " gives no " + type.getSimpleName()));
    }

    /** A list setting, null where unset or empty (the JDK's defaults). */
    @SuppressWarnings("unchecked")
    private List<String> stringList(String key) {
        List<String> values = (List<String>) configs.get(key);
        return values == null || values.isEmpty() ? null : values;
    }

    /** The keystore and truststore files, if any, each as its path, modification time and size. */
    private List<Object> files() {
        List<Object> files = new ArrayList<>();
        for (String key : List.of(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG)) {
            Object location = configs.get(key);
            if (location != null) {
                Path path = Path.of(location.toString());
                files.add(path);
                try {
                    files.add(Files.getLastModifiedTime(path));
                    files.add(Files.size(path));
                } catch (NoSuchFileException e) {
                    files.add("missing");
                } catch (IOException e) {
                    files.add(e.toString());
                }
            }
        }
        return files;
    }

    @Override
    public void close() {
        factory.close();
    }

    @Override
    public String toString() {
        return name + " (" + mode.name().toLowerCase(Locale.ROOT) + ")";
    }
}
