package io.skein.server.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.tls.TlsSettings;
import io.skein.proto.metadata.Endpoint;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLParameters;

/**
 * Asks other brokers for their own samples, over HTTP to the listener each registered
 * ({@code GET /api/history/local}, JSON): one request per broker, all at once, each bounded, so a
 * broker that is down or slow costs a gathering at most {@link #ANSWER_WITHIN}. A listener registered as
 * HTTPS is asked over TLS with this node's own HTTP listener's settings: its truststore checks the
 * other broker, and its keystore answers one that asks for a certificate.
 */
final class Peers {
    static final Duration CONNECT_WITHIN = Duration.ofSeconds(2);
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);
    /** The security protocol of an HTTP listener registered as serving TLS. */
    static final String HTTPS = "HTTPS";

    private final HttpClient client;
    private final ObjectMapper json;

    Peers(ObjectMapper json, Optional<TlsSettings> tls) {
        this.json = json;
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(CONNECT_WITHIN);
        tls.ifPresent(settings -> {
            SSLParameters parameters = new SSLParameters();
            if (settings.protocols() != null) {
                parameters.setProtocols(settings.protocols().toArray(String[]::new));
            }
            if (settings.cipherSuites() != null) {
                parameters.setCipherSuites(settings.cipherSuites().toArray(String[]::new));
            }
            client.sslContext(settings.sslContext()).sslParameters(parameters);
        });
        this.client = client.build();
    }

    /** The broker's answer; fails with a {@link PeerException} saying why there is none. */
    CompletableFuture<NodeAnswer> ask(BrokerRegistration broker, LocalQuery query) {
        Endpoint http = broker.http();
        if (http.getPort() == 0) {
            return CompletableFuture.failedFuture(new PeerException("it registered no HTTP listener"));
        }
        String address = http.getHost() + ":" + http.getPort();
        String scheme = http.getSecurityProtocol().equals(HTTPS) ? "https://" : "http://";
        URI uri = URI.create(scheme + address + HistoryHttp.LOCAL + "?" + query.toQueryString());
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(ANSWER_WITHIN).GET().build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).handle((response, failure) -> {
            if (failure != null) {
                throw new PeerException(reason(failure, address));
            }
            if (response.statusCode() != 200) {
                throw new PeerException("HTTP " + response.statusCode() + " from " + address);
            }
            try {
                return json.readValue(response.body(), NodeAnswer.class);
            } catch (IOException e) {
                throw new PeerException("unreadable answer from " + address + ": " + e.getMessage());
            }
        });
    }

    private static String reason(Throwable failure, String address) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof ConnectException) {
            return "cannot connect to " + address;
        }
        if (cause instanceof HttpTimeoutException) {
            return "no answer from " + address + " within " + ANSWER_WITHIN.toSeconds() + " s";
        }
        return cause.toString();
    }

    /** Why a broker's samples are missing, in words for the answer. */
    static final class PeerException extends RuntimeException {
        PeerException(String reason) {
            super(reason, null, false, false);
        }
    }
}
