package io.skein.broker.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.skein.broker.kafka.SaslServers;
import io.skein.broker.metrics.RequestMetrics;
import io.skein.metadata.image.MetadataImage;
import io.skein.node.ListenerSasl;
import io.skein.testing.RawKafkaClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The network layer with SASL PLAIN alone, on a real socket: the broker's APIs see a request only
 * once its connection has authenticated, and then as the user it authenticated as.
 */
@Timeout(60)
class SaslConnectionTest {
    private static final ListenerSasl PLAIN = new ListenerSasl("SASL_PLAINTEXT", List.of("PLAIN"), Map.of("PLAIN",
            "org.apache.kafka.common.security.plain.PlainLoginModule required user_paula=\"paula-secret\";"),
            0, 0, 1 << 16);

    private final ExecutorService requestThreads = Executors.newFixedThreadPool(2);
    private final List<KafkaPrincipal> principals = new CopyOnWriteArrayList<>();
    private KafkaServer server;

    /** Answers Metadata, noting who asked; the SASL APIs reach it only outside an authentication. */
    private final RequestHandler handler = new RequestHandler() {
        @Override
        public boolean supports(ApiKeys apiKey, short version) {
            return apiKey == ApiKeys.METADATA || apiKey == ApiKeys.SASL_HANDSHAKE || apiKey == ApiKeys.SASL_AUTHENTICATE;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context) {
            principals.add(context.principal());
            return CompletableFuture.completedFuture(new MetadataResponseData());
        }
    };

    @BeforeEach
    void start() throws Exception {
        server = KafkaServer.bind("SASL_PLAINTEXT", "127.0.0.1", 0, new KafkaServer.Settings(1, 1 << 20, -1, -1),
                requestThreads, new RequestMetrics(new PrometheusRegistry()));
        server.startAccepting(handler, new SaslServers(PLAIN, () -> MetadataImage.EMPTY));
    }

    @AfterEach
    void stop() {
        server.close();
        requestThreads.shutdownNow();
    }

    private static SaslAuthenticateResponseData plain(RawKafkaClient client, String user, String password)
            throws Exception {
        SaslHandshakeResponseData handshake = client.call(new SaslHandshakeRequestData().setMechanism("PLAIN"),
                (short) 1);
        assertEquals(Errors.NONE.code(), handshake.errorCode());
        return client.call(new SaslAuthenticateRequestData().setAuthBytes(("\u0000" + user + "\u0000" + password)
                .getBytes(StandardCharsets.UTF_8)), (short) 2);
    }

    @Test
    void requestsReachTheApisOnlyOnceAuthenticatedAndAsTheUser() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient("127.0.0.1:" + server.port())) {
            assertEquals(Errors.NONE.code(), plain(client, "paula", "paula-secret").errorCode());
            client.call(new MetadataRequestData(), (short) 12);
            client.call(new MetadataRequestData(), (short) 12);
        }
        assertEquals(List.of(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "paula"),
                new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "paula")), principals);

        try (RawKafkaClient client = new RawKafkaClient("127.0.0.1:" + server.port())) {
            client.send(new MetadataRequestData(), (short) 12);
            assertTrue(client.closedByBroker(), "before authenticating");
        }
        try (RawKafkaClient client = new RawKafkaClient("127.0.0.1:" + server.port())) {
            SaslAuthenticateResponseData refused = plain(client, "paula", "wrong");
            assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), refused.errorCode());
            assertTrue(client.closedByBroker(), "after a failed authentication");
        }
        assertEquals(2, principals.size(), "no request of an unauthenticated connection reached the APIs");
    }
}
