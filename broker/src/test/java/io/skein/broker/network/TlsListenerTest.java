package io.skein.broker.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.skein.broker.kafka.BrokerConnection;
import io.skein.broker.kafka.BrokerConnector;
import io.skein.broker.kafka.SslEngines;
import io.skein.broker.kafka.SslPrincipals;
import io.skein.broker.metrics.RequestMetrics;
import io.skein.node.NodeConfig;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.TlsFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS listener alone, on a real socket with real TLS, its settings read as a node reads them, and a
 * handler that records who each request came from: the principal a client certificate makes, the
 * clients refused, and connections that misbehave without disturbing the others. Served by BoringSSL
 * here, where Netty has its native library; {@link JdkTlsListenerTest} runs the same over the JDK's engine.
 */
@Timeout(60)
class TlsListenerTest {
    @TempDir
    Path dir;

    private final ExecutorService requestThreads = Executors.newFixedThreadPool(4);
    private final List<KafkaPrincipal> principals = new CopyOnWriteArrayList<>();
    private KafkaServer server;
    private SslEngines engines;
    private TlsFiles certificates;

    /** Answers Metadata requests at once, recording the principal of each. */
    private final RequestHandler handler = new RequestHandler() {
        @Override
        public boolean supports(ApiKeys apiKey, short version) {
            return apiKey == ApiKeys.METADATA;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context) {
            principals.add(context.principal());
            return CompletableFuture.completedFuture(new MetadataResponseData());
        }
    };

    /** The settings that choose the listener's engine: none, so BoringSSL's where it is available. */
    Map<String, String> engineSettings() {
        return Map.of();
    }

    /** Whether {@link #engineSettings()} give BoringSSL's engine. */
    boolean openSsl() {
        return true;
    }

    /** Serves an SSL listener with the node settings of {@code broker} plus {@code extra}. */
    private void serve(Map<String, String> extra) throws IOException {
        serve("broker", extra);
    }

    /** Serves an SSL listener with {@code certificate}'s keystore, the engine's settings and {@code extra}. */
    private void serve(String certificate, Map<String, String> extra) throws IOException {
        certificates = TlsFiles.in(dir.resolve("certs"));
        Map<String, String> settings = new HashMap<>(engineSettings());
        settings.putAll(extra);
        Map<String, Object> ssl = certificates.listenerSsl(certificate, settings);
        engines = SslEngines.kafkaServer("SSL", ssl, false);
        assertEquals(openSsl(), engines.openSsl(), engines.engine());
        server = KafkaServer.bind("SSL", "127.0.0.1", 0, new KafkaServer.Settings(2, 1 << 20, -1, -1), requestThreads,
                new RequestMetrics(new PrometheusRegistry()), new KafkaServer.Tls(engines,
                        new SslPrincipals("SSL", (String) ssl.get(NodeConfig.SSL_PRINCIPAL_MAPPING_RULES))));
        server.startAccepting(handler);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        requestThreads.shutdownNow();
    }

    /** A TLS connection as {@code clientName} (null: no certificate), trusting the test CA. */
    private BrokerConnection connect(String clientName) throws IOException {
        return connect(certificates.client(clientName));
    }

    private BrokerConnection connect(Map<String, String> clientSettings) throws IOException {
        ConfigDef client = new ConfigDef();
        SslConfigs.addClientSslSupport(client);
        Map<String, String> ssl = new HashMap<>(clientSettings);
        ssl.remove("security.protocol");
        return BrokerConnector.tls(SslEngines.client("SSL", client.parse(ssl)))
                .connect(new InetSocketAddress("127.0.0.1", server.port()), "test", 10_000, 10_000);
    }

    private static void metadata(BrokerConnection connection) throws IOException {
        connection.<MetadataResponseData>call(new MetadataRequestData(), (short) 12);
    }

    @Test
    void aClientCertificatesNameIsTheConnectionsPrincipal() throws Exception {
        serve(Map.of("ssl.client.auth", "required"));
        try (BrokerConnection alice = connect("alice")) {
            metadata(alice);
            metadata(alice);
        }
        assertEquals(List.of(new KafkaPrincipal("User", "CN=alice"), new KafkaPrincipal("User", "CN=alice")),
                principals);
    }

    @Test
    void mappingRulesMakeTheNameAsKafkaMakesIt() throws Exception {
        serve(Map.of("ssl.client.auth", "required", "ssl.principal.mapping.rules", "RULE:^CN=(.*?)$/$1/U,DEFAULT"));
        try (BrokerConnection alice = connect("alice")) {
            metadata(alice);
        }
        assertEquals(List.of(new KafkaPrincipal("User", "ALICE")), principals);
    }

    @Test
    void withoutAClientCertificateTheConnectionIsAnonymous() throws Exception {
        serve(Map.of("ssl.client.auth", "requested"));
        try (BrokerConnection anonymous = connect((String) null); BrokerConnection bob = connect("bob")) {
            metadata(anonymous);
            metadata(bob);
        }
        assertEquals(List.of(KafkaPrincipal.ANONYMOUS, new KafkaPrincipal("User", "CN=bob")), principals);
    }

    @Test
    void requiredRefusesClientsWithoutATrustedCurrentCertificate() throws Exception {
        serve(Map.of("ssl.client.auth", "required"));
        certificates.issue("expired", Instant.now().minus(Duration.ofDays(10)), Instant.now().minus(Duration.ofDays(1)));
        Path mallory = certificates.impostor("mallory", dir.resolve("mallory.pem"));
        Map<String, String> untrusted = new HashMap<>(certificates.client(null));
        untrusted.putAll(Map.of("ssl.keystore.type", "PEM", "ssl.keystore.location", mallory.toString()));

        for (Map<String, String> refused : List.of(certificates.client(null), certificates.client("expired"), untrusted)) {
            assertThrows(IOException.class, () -> {
                try (BrokerConnection connection = connect(refused)) {
                    metadata(connection); // TLS 1.3: the server's refusal may come with the first read
                }
            }, "refused: " + refused.get("ssl.keystore.location"));
        }
        try (BrokerConnection alice = connect("alice")) {
            metadata(alice);
        }
        assertEquals(List.of(new KafkaPrincipal("User", "CN=alice")), principals, "only alice's request was served");
    }

    @Test
    void theListenersProtocolsAndCipherSuitesAreTheOnlyOnesNegotiated() throws Exception {
        String suite = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
        serve(Map.of("ssl.enabled.protocols", "TLSv1.2", "ssl.cipher.suites", suite));
        SSLSession session = handshake(null, null);
        assertEquals("TLSv1.2", session.getProtocol());
        assertEquals(suite, session.getCipherSuite());
        assertThrows(SSLException.class, () -> handshake(new String[] {"TLSv1.3"}, null), "a TLS 1.3 client");
        assertThrows(SSLException.class, () -> handshake(null, new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}),
                "a client of another suite");
    }

    /** A JDK client's handshake with the listener, offering these protocols and suites (null: the JDK's). */
    private SSLSession handshake(String[] protocols, String[] suites) throws Exception {
        try (SSLSocket socket = (SSLSocket) certificates.clientContext(null).getSocketFactory()
                .createSocket("127.0.0.1", server.port())) {
            if (protocols != null) {
                socket.setEnabledProtocols(protocols);
            }
            if (suites != null) {
                socket.setEnabledCipherSuites(suites);
            }
            socket.startHandshake();
            return socket.getSession();
        }
    }

    @Test
    void aBrokerRefusesAListenerWhoseCertificateNamesAnotherHostUnlessIdentificationIsOff() throws Exception {
        TlsFiles.in(dir.resolve("certs")).directory().issue("elsewhere", List.of("elsewhere.example"),
                Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)),
                TlsFiles.PASSWORD.toCharArray());
        serve("elsewhere", Map.of());
        SSLHandshakeException refused = assertThrows(SSLHandshakeException.class,
                () -> connect(certificates.client(null)), "ssl.endpoint.identification.algorithm=https, Kafka's default");
        assertTrue(refused.getMessage().contains("127.0.0.1"), refused.getMessage());
        Map<String, String> chainOnly = new HashMap<>(certificates.client(null));
        chainOnly.put("ssl.endpoint.identification.algorithm", "");
        try (BrokerConnection connection = connect(chainOnly)) {
            metadata(connection);
        }
        assertEquals(List.of(KafkaPrincipal.ANONYMOUS), principals);
    }

    @Test
    void aPlaintextClientIsRefusedAndTlsClientsAreServed() throws Exception {
        serve(Map.of());
        try (RawKafkaClient plaintext = new RawKafkaClient("127.0.0.1:" + server.port())) {
            int id = plaintext.nextCorrelationId();
            plaintext.send(new MetadataRequestData(), (short) 12);
            assertThrows(IOException.class, () -> plaintext.readResponse(ApiKeys.METADATA, (short) 12, id));
        }
        try (BrokerConnection tls = connect((String) null)) {
            metadata(tls);
        }
        assertEquals(List.of(KafkaPrincipal.ANONYMOUS), principals);
    }

    @Test
    void garbageAndATruncatedHandshakeCloseOnlyTheirConnections() throws Exception {
        serve(Map.of());
        try (Socket garbage = new Socket("127.0.0.1", server.port());
             Socket truncated = new Socket("127.0.0.1", server.port());
             BrokerConnection tls = connect((String) null)) {
            garbage.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            // A TLS handshake record header promising 512 bytes of ClientHello, and only the first few of them.
            OutputStream hello = truncated.getOutputStream();
            hello.write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03});
            hello.flush();
            metadata(tls); // served meanwhile, on a connection opened before either
            assertEquals(-1, readUntilClosed(garbage), "the garbage connection is closed");
            try (BrokerConnection another = connect((String) null)) {
                metadata(another);
            }
            metadata(tls);
            // Netty gives up a handshake after 10 s; the connection is closed then, not before its peer's bytes come.
            assertEquals(-1, readUntilClosed(truncated), "the truncated handshake is given up");
        }
        assertEquals(3, principals.size());
    }

    @Test
    void aChangedKeystoreIsReadForNewConnectionsAndOneThatCannotBeUsedKeepsTheOld() throws Exception {
        serve(Map.of());
        Path keystore = certificates.directory().pem("broker");
        BigInteger first = servedSerial();
        try (BrokerConnection open = connect((String) null)) {
            assertFalse(engines.reloadIfChanged(), "nothing changed");

            Files.writeString(keystore, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
            touch(keystore, 1);
            KafkaException broken = assertThrows(KafkaException.class, engines::reloadIfChanged);
            assertTrue(broken.getMessage().contains(keystore.toString()), broken.getMessage());
            assertEquals(first, servedSerial(), "the previous keystore stays in use");
            assertFalse(engines.reloadIfChanged(), "the same broken file is tried once");

            BigInteger renewed = certificates.issue("broker").certificate().getSerialNumber();
            touch(keystore, 2);
            assertTrue(engines.reloadIfChanged());
            assertEquals(renewed, servedSerial(), "new connections get the renewed certificate");
            metadata(open); // and the open one goes on with the one it has

            certificates.directory().ca().issue("intruder", List.of("localhost", "127.0.0.1"),
                    Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1))).writePem(keystore);
            touch(keystore, 3);
            KafkaException renamed = assertThrows(KafkaException.class, engines::reloadIfChanged);
            assertTrue(renamed.getMessage().contains("DistinguishedName does not match"), renamed.getMessage());
            assertEquals(renewed, servedSerial(), "a certificate of another name is refused, as Kafka refuses it");
        }
    }

    /** Moves the file's modification time {@code step} minutes on: a change whatever the clock's resolution. */
    private static void touch(Path file, int step) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plus(Duration.ofMinutes(step))));
    }

    private BigInteger servedSerial() throws Exception {
        return certificates.servedCertificate("127.0.0.1", server.port()).getSerialNumber();
    }

    /** Reads until the server closes the connection: -1, or throws if it does not within the test's time. */
    private static int readUntilClosed(Socket socket) throws IOException {
        socket.setSoTimeout(30_000);
        InputStream in = socket.getInputStream();
        try {
            int b;
            do {
                b = in.read();
            } while (b >= 0);
            return b;
        } catch (java.net.SocketException e) {
            return -1; // reset by the server: closed too
        }
    }
}
