package io.skein.broker.network;

import java.util.Map;

/**
 * {@link TlsListenerTest} over the JDK's engine, which serves a listener where Netty's OpenSSL is not
 * available: Kafka's {@code ssl.provider} names a JDK security provider, which BoringSSL is not.
 */
class JdkTlsListenerTest extends TlsListenerTest {
    @Override
    Map<String, String> engineSettings() {
        return Map.of("ssl.provider", "SunJSSE");
    }

    @Override
    boolean openSsl() {
        return false;
    }
}
