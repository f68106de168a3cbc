package io.skein.testing;

import io.skein.certs.CertificateAuthority;
import io.skein.certs.CertificateDirectory;
import io.skein.certs.IssuedCertificate;
import io.skein.node.NodeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates for TLS tests, made by {@code skein certs}'s own code: a CA in a test directory, node
 * certificates valid for localhost and 127.0.0.1, client certificates, and the settings that use them.
 */
public final class TlsFiles {
    public static final String PASSWORD = "test-secret";
    private static final List<String> LOOPBACK = List.of("localhost", "127.0.0.1");

    private final CertificateDirectory files;

    private TlsFiles(CertificateDirectory files) {
        this.files = files;
    }

    /** A new CA in {@code dir} (or the one there). */
    public static TlsFiles in(Path dir) {
        try {
            return new TlsFiles(CertificateDirectory.open(dir, Instant.now().minus(Duration.ofHours(1)),
                    Instant.now().plus(Duration.ofDays(1))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public CertificateDirectory directory() {
        return files;
    }

    /** Issues (or issues again) {@code name}'s certificate, valid now, and writes its files. */
    public IssuedCertificate issue(String name) {
        return issue(name, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
    }

    /** Issues {@code name}'s certificate valid from {@code notBefore} to {@code notAfter}: in the past for an expired one. */
    public IssuedCertificate issue(String name, Instant notBefore, Instant notAfter) {
        try {
            return files.issue(name, LOOPBACK, notBefore, notAfter, PASSWORD.toCharArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code file}, a PEM keystore of {@code name}'s certificate signed by a CA of this CA's name
     * but a key of its own: a client given it presents it (its issuer is the one the node asks for),
     * and the node does not trust it.
     */
    public Path impostor(String name, Path file) {
        String caName = files.ca().certificate().getSubjectX500Principal().getName().substring("CN=".length());
        Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        Instant notAfter = Instant.now().plus(Duration.ofDays(1));
        try {
            CertificateAuthority.create(caName, notBefore, notAfter).issue(name, List.of(), notBefore, notAfter)
                    .writePem(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * A combined node whose client listener is {@code SSL://127.0.0.1:port}, with {@code name}'s
     * certificate (issued here) as a PEM keystore and the CA as truststore: the listeners, the
     * protocol map, the inter-broker listener and the stores.
     */
    public Map<String, String> node(String name) {
        if (!files.pem(name).toFile().exists()) {
            issue(name);
        }
        int controllerPort = FreePorts.pair();
        Map<String, String> settings = new HashMap<>(sslSettings(name));
        settings.put(NodeConfig.LISTENERS, "SSL://127.0.0.1:" + FreePorts.one() + ",CONTROLLER://127.0.0.1:"
                + controllerPort);
        settings.put(NodeConfig.CONTROLLER_QUORUM_VOTERS, "1@127.0.0.1:" + controllerPort);
        return settings;
    }

    /** The TLS settings of a node with {@code name}'s certificate: Kafka's keys for an SSL listener named SSL. */
    public Map<String, String> sslSettings(String name) {
        if (!files.pem(name).toFile().exists()) {
            issue(name);
        }
        return Map.of(NodeConfig.LISTENER_SECURITY_PROTOCOL_MAP, "SSL:SSL,CONTROLLER:PLAINTEXT",
                NodeConfig.INTER_BROKER_LISTENER_NAME, "SSL",
                "ssl.keystore.type", "PEM", "ssl.keystore.location", files.pem(name).toString(),
                "ssl.truststore.type", "PEM", "ssl.truststore.location", files.caCertificate().toString());
    }

    /** A Kafka client's settings over TLS, trusting the CA; with {@code clientName}'s certificate unless null. */
    public Map<String, String> client(String clientName) {
        Map<String, String> settings = new HashMap<>(Map.of("security.protocol", "SSL",
                "ssl.truststore.type", "PKCS12", "ssl.truststore.location", truststore().toString(),
                "ssl.truststore.password", PASSWORD));
        if (clientName != null) {
            if (!files.pkcs12(clientName).toFile().exists()) {
                issue(clientName);
            }
            settings.putAll(Map.of("ssl.keystore.type", "PKCS12",
                    "ssl.keystore.location", files.pkcs12(clientName).toString(),
                    "ssl.keystore.password", PASSWORD, "ssl.key.password", PASSWORD));
        }
        return settings;
    }

    /**
     * The {@code ssl.*} settings of listener SSL of a node with {@code name}'s certificate and
     * {@code extra}, typed as the node reads them.
     */
    public Map<String, Object> listenerSsl(String name, Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(node(name));
        settings.putAll(Map.of(NodeConfig.PROCESS_ROLES, "broker,controller", NodeConfig.NODE_ID, "1"));
        settings.putAll(extra);
        return NodeConfig.of(settings).listenerSecurity("SSL").ssl();
    }

    /**
     * A combined node of a cluster of its own with every listener on TLS and {@code name}'s
     * certificate: Kafka's (named SSL), the controller's (Raft and the controller service), the admin
     * API's and HTTPS, each with {@code ssl.client.auth} as {@code clientAuth} says (listener name in
     * lower case to {@code none}, {@code requested} or {@code required}; {@code none} if absent).
     */
    public Map<String, String> everyListener(String name, Map<String, String> clientAuth) {
        Map<String, String> settings = new HashMap<>(node(name));
        settings.put(NodeConfig.LISTENER_SECURITY_PROTOCOL_MAP, "SSL:SSL,CONTROLLER:SSL");
        settings.put(NodeConfig.ADMIN_LISTENER, "SSL://127.0.0.1:" + FreePorts.one());
        settings.put(NodeConfig.HTTP_LISTENER, "HTTPS://" + TestNode.ANY_HTTP_PORT);
        clientAuth.forEach((listener, auth) -> settings.put(NodeConfig.LISTENER_NAME_PREFIX + listener + "."
                + NodeConfig.SSL_CLIENT_AUTH, auth));
        return settings;
    }

    /** {@link #client(String)}'s settings in a properties file, as {@code skein --command-config} takes them. */
    public Path clientProperties(Path file, String clientName) {
        Properties properties = new Properties();
        properties.putAll(client(clientName));
        try (Writer out = Files.newBufferedWriter(file)) {
            properties.store(out, clientName == null ? "TLS client" : "TLS client " + clientName);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** A JDK TLS context trusting the CA, presenting {@code clientName}'s certificate unless null. */
    public SSLContext clientContext(String clientName) throws Exception {
        return clientContext(clientName, this);
    }

    /**
     * A JDK TLS context trusting {@code trusting}'s CA, presenting {@code clientName}'s certificate of
     * this CA unless null: with another directory's CA, a certificate that side does not trust.
     */
    public SSLContext clientContext(String clientName, TlsFiles trusting) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", trusting.files.ca().certificate());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        KeyManagerFactory keys = null;
        if (clientName != null) {
            if (!files.pkcs12(clientName).toFile().exists()) {
                issue(clientName);
            }
            KeyStore keystore = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(files.pkcs12(clientName))) {
                keystore.load(in, PASSWORD.toCharArray());
            }
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keystore, PASSWORD.toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    /** The certificate a new TLS connection to {@code host:port} is served, checked against the CA. */
    public X509Certificate servedCertificate(String host, int port) throws Exception {
        SSLContext context = clientContext(null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(host, port)) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    private Path truststore() {
        try {
            files.writeTruststore(PASSWORD.toCharArray());
            return files.truststore();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
