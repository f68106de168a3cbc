package io.skein.certs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The files of {@code skein certs}: a directory with a CA ({@code ca.crt}, {@code ca.key}), a PKCS12
 * truststore holding the CA ({@code truststore.p12}), and per node or client {@code NAME.pem} (key and
 * chain) and {@code NAME.p12}. A directory that has a CA keeps it, so certificates issued later, or
 * issued again to replace expiring ones, are trusted by everything that trusted the first.
 */
public final class CertificateDirectory {
    public static final String CA_CERTIFICATE = "ca.crt";
    public static final String CA_KEY = "ca.key";
    public static final String TRUSTSTORE = "truststore.p12";

    private final Path dir;
    private final CertificateAuthority ca;

    private CertificateDirectory(Path dir, CertificateAuthority ca) {
        this.dir = dir;
        this.ca = ca;
    }

    /**
     * The directory's CA, made (valid from {@code notBefore} to {@code notAfter}) if the directory has
     * none; the directory is created if missing.
     */
    public static CertificateDirectory open(Path dir, Instant notBefore, Instant notAfter) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        Files.createDirectories(absolute);
        Path certificate = absolute.resolve(CA_CERTIFICATE);
        Path key = absolute.resolve(CA_KEY);
        if (Files.exists(certificate) || Files.exists(key)) {
            return new CertificateDirectory(absolute, CertificateAuthority.read(certificate, key));
        }
        CertificateAuthority ca = CertificateAuthority.create("Skein local CA " + Instant.now(), notBefore, notAfter);
        ca.write(certificate, key);
        return new CertificateDirectory(absolute, ca);
    }

    /** Whether {@code dir} already holds a CA, which {@link #open} would keep. */
    public static boolean hasCa(Path dir) {
        return Files.exists(dir.resolve(CA_CERTIFICATE));
    }

    public Path dir() {
        return dir;
    }

    public CertificateAuthority ca() {
        return ca;
    }

    /** The CA's certificate as PEM: a truststore for {@code ssl.truststore.type=PEM}. */
    public Path caCertificate() {
        return dir.resolve(CA_CERTIFICATE);
    }

    public Path truststore() {
        return dir.resolve(TRUSTSTORE);
    }

    /** {@code NAME.pem}: the key and chain of {@code name}, for {@code ssl.keystore.type=PEM}. */
    public Path pem(String name) {
        return dir.resolve(name + ".pem");
    }

    /** {@code NAME.p12}, for {@code ssl.keystore.type=PKCS12}. */
    public Path pkcs12(String name) {
        return dir.resolve(name + ".p12");
    }

    /**
     * Issues a certificate {@code CN=name} for {@code hosts} and writes (or replaces) {@code NAME.pem} and
     * {@code NAME.p12}, the latter with {@code password} for the store and the key.
     */
    public IssuedCertificate issue(String name, List<String> hosts, Instant notBefore, Instant notAfter,
                                   char[] password) throws IOException {
        if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
            throw new IllegalArgumentException("A certificate's name names its files: \"" + name + "\" cannot");
        }
        IssuedCertificate issued = ca.issue(name, hosts, notBefore, notAfter);
        issued.writePem(pem(name));
        issued.writePkcs12(pkcs12(name), password);
        return issued;
    }

    /** Writes (or replaces) {@code truststore.p12}, holding the CA, with {@code password}. */
    public void writeTruststore(char[] password) throws IOException {
        IssuedCertificate.writePkcs12Truststore(truststore(), ca.certificate(), password);
    }
}
