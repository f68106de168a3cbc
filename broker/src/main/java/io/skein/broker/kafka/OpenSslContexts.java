package io.skein.broker.kafka;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.kafka.common.config.SslConfigs;

/**
 * A Kafka listener's server side in BoringSSL, through Netty's OpenSSL engine (netty-tcnative), where
 * it serves Kafka's settings exactly as the JDK's engine that Kafka's factory makes would: the same
 * stores (that factory's key and trust managers, so the client certificates are checked by the JDK's
 * trust manager), the protocols, cipher suites and client authentication of an engine of that factory.
 * Where it cannot, the listener keeps the JDK's engine, and {@link #unsuitable} says why.
 *
 * <p>Contexts are {@link SslProvider#OPENSSL}'s, released when no longer reachable: a listener makes
 * one at start and one per reload of its stores, each connection's engine holds its own, and
 * {@code SslHandler} frees an engine's native state when its connection closes. Counting references
 * by hand ({@code OPENSSL_REFCNT}) would free nothing sooner, and a context released by a reload while
 * another thread makes an engine from it would fail that connection.
 */
final class OpenSslContexts {
    private static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
    /**
     * The TLS 1.3 suites BoringSSL enables together: it has no way to enable some of them only, so
     * {@code ssl.cipher.suites} must list all or none of them (none: no TLS 1.3, as with the JDK).
     */
    private static final Set<String> TLS13_SUITES = Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    private OpenSslContexts() {
    }

    /**
     * Why BoringSSL cannot serve a listener of these settings as Kafka's JDK engine would, if it cannot.
     *
     * @param configs    the listener's {@code ssl.*} settings, parsed
     * @param kafkas     a server engine of Kafka's factory over them
     * @param keyManager the listener's key manager; null without a keystore
     */
    static Optional<String> unsuitable(Map<String, ?> configs, SSLEngine kafkas, X509ExtendedKeyManager keyManager) {
        if (!OpenSsl.isAvailable()) {
            return Optional.of("OpenSSL is not available here: " + OpenSsl.unavailabilityCause());
        }
        if (configs.get(SslConfigs.SSL_PROVIDER_CONFIG) != null) {
            return Optional.of(SslConfigs.SSL_PROVIDER_CONFIG + " names a JDK security provider");
        }
        if (configs.get(SslConfigs.SSL_SECURE_RANDOM_IMPLEMENTATION_CONFIG) != null) {
            return Optional.of(SslConfigs.SSL_SECURE_RANDOM_IMPLEMENTATION_CONFIG + " names a JDK random generator");
        }
        if (keyManager == null) {
            return Optional.of("the listener has no keystore");
        }
        List<String> protocols = Arrays.asList(kafkas.getEnabledProtocols());
        if (!PROTOCOLS.containsAll(protocols)) {
            // The JDK keeps older protocols off (jdk.tls.disabledAlgorithms) even when enabled; BoringSSL would not.
            return Optional.of(SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG + " " + protocols + " goes beyond " + PROTOCOLS);
        }
        List<String> suites = cipherSuites(configs);
        if (suites != null) {
            List<String> unknown = suites.stream().filter(s -> !OpenSsl.availableJavaCipherSuites().contains(s)).toList();
            if (!unknown.isEmpty()) {
                return Optional.of(SslConfigs.SSL_CIPHER_SUITES_CONFIG + " has suites BoringSSL lacks: " + unknown);
            }
            Set<String> tls13 = suites.stream().filter(TLS13_SUITES::contains).collect(Collectors.toSet());
            if (!tls13.isEmpty() && !tls13.equals(TLS13_SUITES)) {
                return Optional.of(SslConfigs.SSL_CIPHER_SUITES_CONFIG + " has some TLS 1.3 suites but not all "
                        + TLS13_SUITES + ", which BoringSSL enables together");
            }
        }
        return Optional.empty();
    }

    /**
     * A server context over these managers, with {@code kafkas}' protocols and client authentication and
     * the listener's cipher suites (unset: BoringSSL's defaults as Netty gives them).
     *
     * @throws SSLException if BoringSSL refuses them
     */
    static SslContext server(Map<String, ?> configs, SSLEngine kafkas, X509ExtendedKeyManager keyManager,
                             X509ExtendedTrustManager trustManager) throws SSLException {
        return SslContextBuilder.forServer(keyManager)
                .sslProvider(SslProvider.OPENSSL)
                .trustManager(trustManager)
                .clientAuth(kafkas.getNeedClientAuth() ? ClientAuth.REQUIRE
                        : kafkas.getWantClientAuth() ? ClientAuth.OPTIONAL : ClientAuth.NONE)
                .protocols(kafkas.getEnabledProtocols())
                .ciphers(cipherSuites(configs))
                .build();
    }

    /** {@code ssl.cipher.suites}, null where unset or empty (the provider's defaults, as in Kafka). */
    @SuppressWarnings("unchecked")
    private static List<String> cipherSuites(Map<String, ?> configs) {
        List<String> suites = (List<String>) configs.get(SslConfigs.SSL_CIPHER_SUITES_CONFIG);
        return suites == null || suites.isEmpty() ? null : suites;
    }
}
