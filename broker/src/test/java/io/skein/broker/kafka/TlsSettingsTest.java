package io.skein.broker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.skein.http.HttpServer;
import io.skein.metadata.tls.GrpcTls;
import io.skein.metadata.tls.TlsSettings;
import io.skein.node.Listener;
import io.skein.testing.TlsFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS Skein's gRPC and HTTP listeners and their clients take from a listener's {@code ssl.*}
 * settings: a server's certificate must name the host it is reached at, as Kafka's
 * {@code ssl.endpoint.identification.algorithm=https} says, and only the chain is checked with it empty.
 */
class TlsSettingsTest {
    @TempDir
    Path dir;

    private TlsFiles certificates;

    @BeforeEach
    void aCertificateForAnotherHost() throws IOException {
        certificates = TlsFiles.in(dir);
        certificates.directory().issue("elsewhere", List.of("elsewhere.example"), Instant.now().minusSeconds(3600),
                Instant.now().plus(Duration.ofDays(1)), TlsFiles.PASSWORD.toCharArray());
    }

    /** A client of a server with the "elsewhere" certificate, with {@code extra} settings. */
    private TlsSettings client(Map<String, String> extra) {
        try (SslEngines engines = SslEngines.client("SSL", certificates.listenerSsl("elsewhere", extra))) {
            return engines.tlsSettings();
        }
    }

    @Test
    void grpcChannelsCheckTheServersHostUnlessIdentificationIsOff() throws Exception {
        try (SslEngines serverEngines = SslEngines.server("SSL", certificates.listenerSsl("elsewhere", Map.of()), false)) {
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
                            GrpcTls.server(Optional.of(serverEngines.tlsSettings())))
                    .addService(new HealthStatusManager().getHealthService()).build().start();
            try {
                int port = server.getPort();
                StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                        () -> health(client(Map.of()), port));
                assertTrue(GrpcTls.transportCause(refused).contains("127.0.0.1"), GrpcTls.transportCause(refused));
                assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                        health(client(Map.of("ssl.endpoint.identification.algorithm", "")), port));
            } finally {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void httpsClientsCheckTheServersHostUnlessIdentificationIsOff() throws Exception {
        try (SslEngines serverEngines = SslEngines.server("HTTP", certificates.listenerSsl("elsewhere", Map.of()), false);
             HttpServer server = HttpServer.start(new Listener("HTTP", "127.0.0.1", 0),
                     Optional.of(serverEngines.tlsSettings()))) {
            String uri = "https://127.0.0.1:" + server.port() + "/nothing-here";
            assertThrows(IOException.class, () -> get(client(Map.of()), uri));
            assertEquals(404, get(client(Map.of("ssl.endpoint.identification.algorithm", "")), uri));
        }
    }

    private static HealthCheckResponse.ServingStatus health(TlsSettings tls, int port) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port, GrpcTls.channel(Optional.of(tls)))
                .build();
        try {
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static int get(TlsSettings tls, String uri) throws IOException, InterruptedException {
        return HttpClient.newBuilder().sslContext(tls.sslContext()).build()
                .send(HttpRequest.newBuilder(URI.create(uri)).GET().build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
