package io.skein.certs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A private key and its certificate chain (the certificate first, then the CA's): what a Kafka
 * keystore holds.
 */
public record IssuedCertificate(PrivateKey key, List<X509Certificate> chain) {
    /** The alias of the key in the PKCS12 files written here. */
    public static final String ALIAS = "key";

    public IssuedCertificate {
        chain = List.copyOf(chain);
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /**
     * One PEM file with the unencrypted key and the chain: {@code ssl.keystore.type=PEM} with
     * {@code ssl.keystore.location} pointing at it, and no {@code ssl.key.password}.
     */
    public void writePem(Path file) throws IOException {
        Pem.writePrivate(file, key, chain);
    }

    /** The key and chain as PEM text, for {@code ssl.keystore.key} and {@code ssl.keystore.certificate.chain}. */
    public String keyPem() {
        return Pem.privateKey(key);
    }

    public String chainPem() {
        return Pem.certificates(chain);
    }

    /** A PKCS12 keystore ({@code ssl.keystore.type=PKCS12}) whose store and key share {@code password}. */
    public void writePkcs12(Path file, char[] password) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, password, chain.toArray(Certificate[]::new));
            Pem.writePrivately(file, out -> store(store, out, password));
        } catch (GeneralSecurityException e) {
            throw new IOException("Cannot write the PKCS12 keystore " + file, e);
        }
    }

    /** A PKCS12 truststore holding {@code trusted} as a trusted certificate. */
    public static void writePkcs12Truststore(Path file, X509Certificate trusted, char[] password) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", trusted);
            Pem.writePublicly(file, out -> store(store, out, password));
        } catch (GeneralSecurityException e) {
            throw new IOException("Cannot write the PKCS12 truststore " + file, e);
        }
    }

    private static void store(KeyStore store, OutputStream out, char[] password) throws IOException {
        try {
            store.store(out, password);
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }
}
