package io.skein.broker.kafka;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that asks whichever one is current at each call (so a reloaded truststore checks
 * new connections), and applies Kafka's {@code ssl.endpoint.identification.algorithm} to servers'
 * certificates: with it set, the JDK checks the certificate against the host the connection's engine
 * or socket names (gRPC's and the JDK's HTTP client set {@code HTTPS} on theirs); with it empty, as in
 * Kafka, only the chain is checked.
 */
final class CurrentTrustManager extends X509ExtendedTrustManager {
    private final Supplier<X509ExtendedTrustManager> current;
    private final boolean identifyServers;

    CurrentTrustManager(Supplier<X509ExtendedTrustManager> current, String endpointIdentification) {
        this.current = current;
        this.identifyServers = endpointIdentification != null && !endpointIdentification.isEmpty();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current.get().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        current.get().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        current.get().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current.get().checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        if (identifyServers) {
            current.get().checkServerTrusted(chain, authType, socket);
        } else {
            current.get().checkServerTrusted(chain, authType);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        if (identifyServers) {
            current.get().checkServerTrusted(chain, authType, engine);
        } else {
            current.get().checkServerTrusted(chain, authType);
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return current.get().getAcceptedIssuers();
    }
}
