package io.skein.certs;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority of its own: a self-signed CA certificate and its key, which signs node and
 * client certificates. Keys are EC P-256 (fast handshakes; every Kafka client reads them); certificates
 * are signed with the JDK's own providers, BouncyCastle only builds them.
 */
public final class CertificateAuthority {
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keys;
    private final X509Certificate certificate;

    private CertificateAuthority(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A new CA named {@code CN=name}, valid between the two instants. */
    public static CertificateAuthority create(String name, Instant notBefore, Instant notAfter) {
        KeyPair keys = newKeyPair();
        X500Principal subject = new X500Principal("CN=" + name);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(subject, subject, keys.getPublic(), notBefore, notAfter)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return new CertificateAuthority(keys, sign(builder, keys.getPrivate()));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot make a CA certificate", e);
        }
    }

    /** The CA written by {@link #write(Path, Path)}. */
    public static CertificateAuthority read(Path certificateFile, Path keyFile) throws IOException {
        X509Certificate certificate = Pem.readCertificates(certificateFile).get(0);
        PrivateKey key = Pem.readPrivateKey(keyFile);
        return new CertificateAuthority(new KeyPair(certificate.getPublicKey(), key), certificate);
    }

    /** Writes the CA's certificate (what clients and nodes trust) and its key (kept private). */
    public void write(Path certificateFile, Path keyFile) throws IOException {
        Pem.writeCertificates(certificateFile, List.of(certificate));
        Pem.writePrivate(keyFile, keys.getPrivate(), List.of());
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * A certificate {@code CN=name} signed by this CA, for servers and clients alike (a broker is both
     * to the others), valid between the two instants.
     *
     * @param hosts the DNS names and IP addresses it is valid for (subject alternative names), where
     *              clients check a server's host name
     */
    public IssuedCertificate issue(String name, List<String> hosts, Instant notBefore, Instant notAfter) {
        KeyPair leaf = newKeyPair();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(certificate.getSubjectX500Principal(),
                    new X500Principal("CN=" + name), leaf.getPublic(), notBefore, notAfter)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(leaf.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(certificate));
            if (!hosts.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, alternativeNames(hosts));
            }
            return new IssuedCertificate(leaf.getPrivate(), List.of(sign(builder, keys.getPrivate()), certificate));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot make a certificate for " + name, e);
        }
    }

    private static GeneralNames alternativeNames(List<String> hosts) {
        List<GeneralName> names = new ArrayList<>();
        for (String host : hosts) {
            names.add(isAddress(host) ? new GeneralName(GeneralName.iPAddress, host)
                    : new GeneralName(GeneralName.dNSName, host));
        }
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private static boolean isAddress(String host) {
        if (!IPV4.matcher(host).matches() && !host.contains(":")) {
            return false;
        }
        try {
            InetAddress.getByName(host); // a literal: no lookup
            return true;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("Not an IP address: " + host, e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Principal issuer, X500Principal subject, PublicKey key,
                                                    Instant notBefore, Instant notAfter) {
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("A certificate must end after it begins: " + notBefore + " to "
                    + notAfter);
        }
        // Positive, at most 20 octets, unpredictable (RFC 5280 4.1.2.2).
        BigInteger serial = new BigInteger(127, RANDOM).add(BigInteger.ONE);
        return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(notBefore), Date.from(notAfter), subject, key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder(SIGNATURE).build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot make EC P-256 keys", e);
        }
    }
}
