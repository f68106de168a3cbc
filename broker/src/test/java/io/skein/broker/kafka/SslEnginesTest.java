package io.skein.broker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.skein.testing.TlsFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which engine serves a Kafka listener: BoringSSL's where Netty has its native library and it serves
 * the listener's settings as the JDK's engine would, else the JDK's, saying why.
 */
class SslEnginesTest {
    @TempDir
    Path dir;

    private SslEngines kafkaServer(Map<String, String> settings) {
        return SslEngines.kafkaServer("SSL", TlsFiles.in(dir).listenerSsl("broker", settings), false);
    }

    @Test
    void nettysNativeLibraryLoadsOnThePlatformsItIsShippedFor() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        assumeTrue(os.contains("linux") && List.of("amd64", "x86_64", "aarch64").contains(arch)
                || os.contains("mac") || os.contains("windows") && arch.equals("amd64"), os + " " + arch);
        assertTrue(OpenSsl.isAvailable(), () -> "netty-tcnative-boringssl-static: " + OpenSsl.unavailabilityCause());
    }

    @Test
    void boringSslServesAKafkaListenerWhereItIsAvailable() {
        assumeTrue(OpenSsl.isAvailable());
        try (SslEngines engines = kafkaServer(Map.of("ssl.client.auth", "required",
                "ssl.cipher.suites", "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256,"
                        + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))) {
            assertTrue(engines.openSsl(), engines.engine());
            assertTrue(engines.engine().startsWith("OpenSSL (BoringSSL"), engines.engine());
            SslHandler handler = engines.newServerHandler(ByteBufAllocator.DEFAULT, "127.0.0.1", 40000, Runnable::run);
            try {
                ReferenceCountedOpenSslEngine engine = (ReferenceCountedOpenSslEngine) handler.engine();
                assertTrue(engine.getNeedClientAuth(), "ssl.client.auth=required");
                // Netty names SSLv2Hello among them always, a format of ClientHello rather than a protocol.
                assertEquals(List.of("TLSv1.2", "TLSv1.3"), Stream.of(engine.getEnabledProtocols())
                        .filter(protocol -> !protocol.equals("SSLv2Hello")).toList(), "Kafka's default");
            } finally {
                ReferenceCountUtil.release(handler.engine());
            }
        }
    }

    @Test
    void settingsBoringSslWouldServeOtherwiseKeepTheJdksEngineAndSayWhy() {
        Map<String, Map<String, String>> cases = Map.of(
                "ssl.provider", Map.of("ssl.provider", "SunJSSE"),
                "ssl.secure.random.implementation", Map.of("ssl.secure.random.implementation", "SHA1PRNG"),
                "ssl.enabled.protocols", Map.of("ssl.enabled.protocols", "TLSv1.1,TLSv1.2"),
                "TLS 1.3", Map.of("ssl.cipher.suites", "TLS_AES_256_GCM_SHA384"),
                "lacks", Map.of("ssl.cipher.suites", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"));
        cases.forEach((why, settings) -> {
            try (SslEngines engines = kafkaServer(settings)) {
                assertFalse(engines.openSsl(), why);
                assertTrue(engines.engine().startsWith("JDK (") && engines.engine().contains(why), engines.engine());
                SslHandler handler = engines.newServerHandler(ByteBufAllocator.DEFAULT, "127.0.0.1", 40000,
                        Runnable::run);
                assertFalse(handler.engine() instanceof ReferenceCountedOpenSslEngine, why);
            }
        });
    }

    @Test
    void listenersThatAreNotKafkasKeepTheJdksEngine() {
        try (SslEngines engines = SslEngines.server("CONTROLLER", TlsFiles.in(dir).listenerSsl("broker", Map.of()),
                true)) {
            assertFalse(engines.openSsl(), engines.engine());
        }
    }
}
