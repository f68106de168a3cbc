package io.skein.certs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * PEM as Kafka's {@code ssl.*} settings read it: certificates as {@code CERTIFICATE} blocks, keys as
 * unencrypted PKCS#8 {@code PRIVATE KEY} blocks. Files are replaced whole (written beside, then
 * renamed), so that a broker re-reading them never sees half a file; files with a key are readable
 * by their owner only.
 */
final class Pem {
    private Pem() {
    }

    @FunctionalInterface
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    static String certificates(List<X509Certificate> certificates) {
        return pem(certificates.toArray());
    }

    static String privateKey(PrivateKey key) {
        return pem(pkcs8(key));
    }

    static void writeCertificates(Path file, List<X509Certificate> certificates) throws IOException {
        writePublicly(file, out -> out.write(certificates(certificates).getBytes(StandardCharsets.US_ASCII)));
    }

    /** The key, then the certificates, in one file readable by its owner only. */
    static void writePrivate(Path file, PrivateKey key, List<X509Certificate> chain) throws IOException {
        String text = privateKey(key) + certificates(chain);
        writePrivately(file, out -> out.write(text.getBytes(StandardCharsets.US_ASCII)));
    }

    static void writePrivately(Path file, Writer content) throws IOException {
        replace(file, "rw-------", content);
    }

    static void writePublicly(Path file, Writer content) throws IOException {
        replace(file, "rw-r--r--", content);
    }

    static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> certificates = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                if (block instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                }
            }
        } catch (CertificateException e) {
            throw new IOException("Bad certificate in " + file, e);
        }
        if (certificates.isEmpty()) {
            throw new IOException("No certificate in " + file);
        }
        return certificates;
    }

    static PrivateKey readPrivateKey(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                if (block instanceof PrivateKeyInfo info) {
                    return new JcaPEMKeyConverter().getPrivateKey(info);
                }
            }
        }
        throw new IOException("No unencrypted PKCS#8 private key in " + file);
    }

    private static JcaPKCS8Generator pkcs8(PrivateKey key) {
        try {
            return new JcaPKCS8Generator(key, null);
        } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new IllegalStateException("Cannot encode the key as PKCS#8", e);
        }
    }

    private static String pem(Object... blocks) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (Object block : blocks) {
                writer.writeObject(block);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does no I/O
        }
        return text.toString();
    }

    private static void replace(Path file, String permissions, Writer content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            permit(temp, permissions);
            try (OutputStream out = Files.newOutputStream(temp)) {
                content.write(out);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void permit(Path file, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: its default permissions stay.
        }
    }
}
