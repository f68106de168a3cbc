package io.skein.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.certs.IssuedCertificate;
import io.skein.cli.CliRun;
import io.skein.node.NodeConfig;
import io.skein.testing.TestNode;
import io.skein.testing.TlsFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node with every listener on TLS (Kafka's, the controller's Raft and controller service, the
 * admin API, HTTPS), certificates made by {@code skein certs}'s code: the admin API through
 * {@code skein --command-config}, the console and metrics over HTTPS, mutual TLS where set, and
 * refusals of clients that do not speak TLS or have no trusted certificate.
 */
@Timeout(180)
class TlsEveryListenerTest {
    @TempDir
    Path dir;

    private TestNode start(TlsFiles certificates, Map<String, String> clientAuth) throws Exception {
        return TestNode.start(dir.resolve("node"), certificates.everyListener("node-1", clientAuth));
    }

    @Test
    void theAdminApiServesTheCliOverMutualTlsAndRefusesOthers() throws Exception {
        TlsFiles certificates = TlsFiles.in(dir.resolve("certs"));
        // The controller listener too, so that this node's broker reaches its controller over mutual TLS.
        try (TestNode node = start(certificates, Map.of("admin", "required", "controller", "required"))) {
            String admin = node.adminAddress();
            String alice = certificates.clientProperties(dir.resolve("alice.properties"), "alice").toString();
            CliRun created = CliRun.skein("topics", "create", "orders", "-p", "2", "--admin", admin,
                    "--command-config", alice);
            assertEquals(0, created.exitCode(), created.err());

            // A plaintext gRPC client on the TLS port: a clean failure, and the node serves on.
            CliRun plaintext = CliRun.skein("topics", "list", "--admin", admin);
            assertEquals(1, plaintext.exitCode(), plaintext.out());
            assertTrue(plaintext.err().contains("Cannot reach the admin API at " + admin), plaintext.err());
            // TLS without a client certificate, where one is required.
            String anonymous = certificates.clientProperties(dir.resolve("anonymous.properties"), null).toString();
            CliRun noCertificate = CliRun.skein("topics", "list", "--admin", admin, "--command-config", anonymous);
            assertEquals(1, noCertificate.exitCode(), noCertificate.out());
            assertTrue(noCertificate.err().contains("Cannot reach the admin API"), noCertificate.err());
            // A certificate from another CA.
            TlsFiles other = TlsFiles.in(dir.resolve("other-ca"));
            Path mallory = other.clientProperties(dir.resolve("mallory.properties"), "mallory");
            Files.writeString(mallory, Files.readString(mallory).replaceAll("ssl\\.truststore\\..*\n", "")
                    + "ssl.truststore.type=PEM\nssl.truststore.location=" + certificates.directory().caCertificate()
                    + "\n");
            CliRun untrusted = CliRun.skein("topics", "list", "--admin", admin, "--command-config", mallory.toString());
            assertEquals(1, untrusted.exitCode(), untrusted.out());

            CliRun listed = CliRun.skein("topics", "list", "--admin", admin, "--command-config", alice);
            assertEquals(0, listed.exitCode(), listed.err());
            assertTrue(listed.out().contains("orders"), listed.out());
        }
    }

    @Test
    void aCommandConfigTheAdminApiCannotUseIsRefusedByName() throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SSL\nssl.truststore.location=" + dir.resolve("missing.p12")
                + "\nssl.truststore.password=x\n");
        CliRun missingStore = CliRun.skein("topics", "list", "--command-config", file.toString());
        assertEquals(2, missingStore.exitCode(), missingStore.out());
        assertTrue(missingStore.err().contains(file.toString()), missingStore.err());
        assertTrue(missingStore.err().contains("missing.p12"), missingStore.err());

        Files.writeString(file, "security.protocol=SSL\nssl.trustsore.location=/tmp/ca.crt\n");
        CliRun typo = CliRun.skein("topics", "list", "--command-config", file.toString());
        assertEquals(2, typo.exitCode(), typo.out());
        assertTrue(typo.err().contains("ssl.trustsore.location is not a Kafka admin client property"), typo.err());

        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n");
        CliRun plain = CliRun.skein("topics", "list", "--command-config", file.toString());
        assertEquals(2, plain.exitCode(), plain.out());
        assertTrue(plain.err().contains("sasl.mechanism=PLAIN, but the admin API checks a SCRAM user's password"),
                plain.err());
    }

    @Test
    void theConsoleAndMetricsAnswerOverHttpsAndMutualTlsRefusesOthers() throws Exception {
        TlsFiles certificates = TlsFiles.in(dir.resolve("certs"));
        try (TestNode node = start(certificates, Map.of("http", "required"))) {
            String https = "https://127.0.0.1:" + node.httpPort();
            HttpResponse<String> console = get(certificates.clientContext("alice"), https + "/ui/");
            assertEquals(200, console.statusCode(), console.body());
            assertTrue(console.body().contains("Brokers"), console.body());
            HttpResponse<String> metrics = get(certificates.clientContext("alice"), https + "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("kafka_server_"), metrics.body());

            assertThrows(IOException.class, () -> get(certificates.clientContext(null), https + "/metrics"),
                    "no client certificate");
            assertThrows(IOException.class, () -> get(SSLContext.getDefault(), https + "/metrics"),
                    "a client that does not trust the node's CA");
            assertThrows(IOException.class, () -> get(SSLContext.getDefault(), "http://127.0.0.1:" + node.httpPort()
                    + "/metrics"), "plaintext HTTP on the HTTPS port");

            assertEquals(200, get(certificates.clientContext("alice"), https + "/metrics").statusCode());
        }
    }

    @Test
    void everyListenerServesARenewedCertificateToNewConnections() throws Exception {
        TlsFiles certificates = TlsFiles.in(dir.resolve("certs"));
        IssuedCertificate first = certificates.issue("node-1");
        Map<String, String> settings = new HashMap<>(certificates.everyListener("node-1", Map.of()));
        settings.put(NodeConfig.SSL_RELOAD_CHECK_INTERVAL_MS, "100");
        try (TestNode node = TestNode.start(dir.resolve("node"), settings)) {
            int raft = node.config().controllerListener().orElseThrow().port();
            Map<String, Integer> ports = Map.of("admin API", node.node().broker().orElseThrow().adminPort(),
                    "HTTPS", node.httpPort(), "Raft", raft, "controller service", raft + 1);
            ports.forEach((listener, port) -> assertEquals(first.certificate().getSerialNumber(),
                    servedSerial(certificates, port), listener));
            IssuedCertificate renewed = certificates.issue("node-1"); // skein certs run again on its directory
            ports.forEach((listener, port) -> await(listener + " serving the renewed certificate")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> servedSerial(certificates, port).equals(renewed.certificate().getSerialNumber())));
            String client = certificates.clientProperties(dir.resolve("client.properties"), null).toString();
            CliRun created = CliRun.skein("topics", "create", "after-renewal", "--admin", node.adminAddress(),
                    "--command-config", client);
            assertEquals(0, created.exitCode(), created.err());
        }
    }

    /** The serial number of the certificate a new TLS connection to the port is served. */
    private static BigInteger servedSerial(TlsFiles certificates, int port) {
        try {
            return certificates.servedCertificate("127.0.0.1", port).getSerialNumber();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> get(SSLContext tls, String uri) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).build();
        return client.send(HttpRequest.newBuilder(URI.create(uri)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
