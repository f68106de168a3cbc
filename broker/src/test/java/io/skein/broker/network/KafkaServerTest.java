package io.skein.broker.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.skein.broker.metrics.RequestMetrics;
import io.skein.testing.RawKafkaClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The network layer alone, on a real socket, with a handler that answers when the test says so. */
@Timeout(30)
class KafkaServerTest {
    private final ExecutorService requestThreads = Executors.newFixedThreadPool(4);
    private final List<CompletableFuture<ApiMessage>> pending = new CopyOnWriteArrayList<>();
    private final List<Integer> startedInOrder = new CopyOnWriteArrayList<>();
    private KafkaServer server;

    /** Answers Metadata requests with the correlation id as throttle time, when the test completes them. */
    private final RequestHandler handler = new RequestHandler() {
        @Override
        public boolean supports(ApiKeys apiKey, short version) {
            return apiKey == ApiKeys.METADATA;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context) {
            startedInOrder.add(context.request().correlationId());
            CompletableFuture<ApiMessage> response = new CompletableFuture<>();
            pending.add(response);
            return response.thenApply(ignored ->
                    new MetadataResponseData().setThrottleTimeMs(context.request().correlationId()));
        }
    };

    @BeforeEach
    void start() throws Exception {
        server = KafkaServer.bind("PLAINTEXT", "127.0.0.1", 0, new KafkaServer.Settings(2, 1 << 20, -1, -1),
                requestThreads, new RequestMetrics(new PrometheusRegistry()));
        server.startAccepting(handler);
    }

    @AfterEach
    void stop() {
        server.close();
        requestThreads.shutdownNow();
    }

    @Test
    void responsesLeaveInRequestOrderWhateverOrderTheyCompleteIn() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient("127.0.0.1:" + server.port())) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ids.add(client.nextCorrelationId());
                client.send(new MetadataRequestData(), (short) 12);
            }
            await().until(() -> pending.size() == 5);
            assertEquals(ids, startedInOrder, "requests start in the order they arrived");
            for (int i = 4; i >= 0; i--) {
                pending.get(i).complete(null); // the last first
            }
            for (int id : ids) {
                MetadataResponseData response = (MetadataResponseData) client.readResponse(ApiKeys.METADATA,
                        (short) 12, id);
                assertEquals(id, response.throttleTimeMs());
            }
        }
    }

    @Test
    void aFailedRequestIsAnsweredWithKafkasErrorResponse() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient("127.0.0.1:" + server.port())) {
            int id = client.nextCorrelationId();
            client.send(new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic()
                    .setName("t"))), (short) 12);
            await().until(() -> pending.size() == 1);
            pending.get(0).completeExceptionally(new IllegalStateException("boom"));
            MetadataResponseData response = (MetadataResponseData) client.readResponse(ApiKeys.METADATA, (short) 12, id);
            assertEquals(1, response.topics().size());
            assertTrue(response.topics().iterator().next().errorCode() != 0);
        }
    }
}
