package io.skein.metadata.tls;

import java.security.GeneralSecurityException;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How one of a node's listeners, and this node's own connections to that listener on other nodes,
 * use TLS, in the JDK's terms only, so that this module knows nothing of where they come from (the
 * broker module reads Kafka's {@code ssl.*} keys into them). The managers are asked at every
 * handshake, so managers that delegate to stores read again give new connections new certificates.
 *
 * @param keyManager   the certificate this node presents (as a server, and as a client when asked);
 *                     null if it has none, for a client of a listener that asks for no certificate
 * @param trustManager checks the other side's certificate; whether a server's must name the host it
 *                     was reached at is the trust manager's decision (Kafka's
 *                     {@code ssl.endpoint.identification.algorithm})
 * @param clientAuth   whether the listener asks its clients for a certificate
 * @param protocols    the TLS versions to enable; null for the JDK's defaults
 * @param cipherSuites the cipher suites to enable; null for the JDK's defaults
 */
public record TlsSettings(X509ExtendedKeyManager keyManager, X509ExtendedTrustManager trustManager,
                          ClientAuth clientAuth, List<String> protocols, List<String> cipherSuites) {
    /** Kafka's {@code ssl.client.auth}. */
    public enum ClientAuth { NONE, REQUESTED, REQUIRED }

    public TlsSettings {
        protocols = protocols == null ? null : List.copyOf(protocols);
        cipherSuites = cipherSuites == null ? null : List.copyOf(cipherSuites);
    }

    /**
     * A JDK context over these managers, for the servers and clients that take one (Jetty, the JDK's
     * HTTP client); they apply the protocols, cipher suites and client authentication themselves.
     */
    public SSLContext sslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManager == null ? null : new KeyManager[] {keyManager}, new TrustManager[] {trustManager},
                    null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK has no TLS context: " + e.getMessage(), e);
        }
    }
}
