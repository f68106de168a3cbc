package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code skein certs}: the files it writes are what the JDK (and so Kafka's ssl.* settings) reads and trusts. */
class CertsCliTest {
    @TempDir
    Path dir;

    @Test
    void makesACaAndNodeAndClientCertificatesItSigns() throws Exception {
        CliRun run = CliRun.skein("certs", dir.toString(), "--node", "n1=localhost,127.0.0.1,broker-1.example",
                "--client", "alice", "--password", "secret");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("ssl.keystore.location=" + dir.resolve("n1.pem").toAbsolutePath()), run.out());
        assertTrue(run.out().contains("ssl.truststore.location=" + dir.resolve("ca.crt").toAbsolutePath()), run.out());

        X509Certificate ca = certificates(dir.resolve("ca.crt")).get(0);
        List<X509Certificate> node = certificates(dir.resolve("n1.pem"));
        assertEquals("CN=n1", node.get(0).getSubjectX500Principal().getName());
        assertEquals(Set.of("n1", "localhost", "127.0.0.1", "broker-1.example"), alternativeNames(node.get(0)));
        validate(node, ca);
        assertTrue(Files.readString(dir.resolve("n1.pem")).startsWith("-----BEGIN PRIVATE KEY-----"),
                "the key first, unencrypted, as Kafka's PEM keystore reads it");

        KeyStore alice = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("alice.p12"))) {
            alice.load(in, "secret".toCharArray());
        }
        X509Certificate client = (X509Certificate) alice.getCertificate("key");
        assertEquals("CN=alice", client.getSubjectX500Principal().getName());
        validate(List.of(client), ca);
        KeyStore truststore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("truststore.p12"))) {
            truststore.load(in, "secret".toCharArray());
        }
        assertEquals(ca, truststore.getCertificate("ca"));
    }

    @Test
    void aSecondRunKeepsTheCaSoEveryCertificateStaysTrusted() throws Exception {
        assertEquals(0, CliRun.skein("certs", dir.toString(), "--node", "n1").exitCode());
        X509Certificate ca = certificates(dir.resolve("ca.crt")).get(0);
        CliRun second = CliRun.skein("certs", dir.toString(), "--node", "n2");
        assertEquals(0, second.exitCode(), second.err());
        assertTrue(second.out().startsWith("Using the CA in "), second.out());
        assertEquals(ca, certificates(dir.resolve("ca.crt")).get(0));
        validate(certificates(dir.resolve("n2.pem")), ca);
        assertEquals(Set.of("n2", "localhost", "127.0.0.1"), alternativeNames(certificates(dir.resolve("n2.pem")).get(0)),
                "a node without hosts is valid for its name and loopback");
    }

    @Test
    void nothingToMakeIsBadUsage() {
        CliRun run = CliRun.skein("certs", dir.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--node or --client"), run.err());
    }

    /** The certificates of a PEM file, after its key if it has one. */
    private static List<X509Certificate> certificates(Path file) throws Exception {
        String text = Files.readString(file);
        String certificates = text.substring(text.indexOf("-----BEGIN CERTIFICATE-----"));
        return CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(certificates.getBytes(StandardCharsets.US_ASCII)))
                .stream().map(c -> (X509Certificate) c).toList();
    }

    private static void validate(List<X509Certificate> chain, X509Certificate ca) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        parameters.setRevocationEnabled(false);
        List<X509Certificate> path = chain.stream().filter(c -> !c.equals(ca)).toList();
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path),
                parameters);
    }

    private static Set<String> alternativeNames(X509Certificate certificate) throws Exception {
        return certificate.getSubjectAlternativeNames().stream().map(name -> (String) name.get(1))
                .collect(Collectors.toSet());
    }
}
