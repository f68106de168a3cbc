package io.skein.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.node.Listener;
import io.skein.node.NodeConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The node's HTTP listener over a real socket: routing, refusals, and a port already taken. */
class HttpServerTest {
    private final HttpClient client = HttpClient.newHttpClient();
    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.start(new Listener("HTTP", "127.0.0.1", 0), Optional.empty());
        server.route("/hello", (request, response, callback) -> {
            Content.Sink.write(response, true, "hello", callback);
            return true;
        }, "GET");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRouteAnswersItsMethod() throws Exception {
        HttpResponse<String> response = send("GET", "/hello");
        assertEquals(200, response.statusCode());
        assertEquals("hello", response.body());
    }

    @Test
    void anUnknownPathIsNotFound() throws Exception {
        assertEquals(404, send("GET", "/nothing-here").statusCode());
        assertEquals(404, send("GET", "/hello/more").statusCode());
    }

    @Test
    void anotherMethodIsRefusedNamingTheAllowedOnes() throws Exception {
        HttpResponse<String> response = send("POST", "/hello");
        assertEquals(405, response.statusCode());
        assertEquals("GET", response.headers().firstValue("Allow").orElseThrow());
        assertEquals(405, send("DELETE", "/hello").statusCode());
    }

    private void answer(String prefix, String body) {
        server.routePrefix(prefix, (request, response, callback) -> {
            Content.Sink.write(response, true, body + " " + Request.getPathInContext(request), callback);
            return true;
        }, "GET");
    }

    @Test
    void theLongestPrefixAnswersWhatNoExactPathDoes() throws Exception {
        answer("/ui/", "console");
        answer("/ui/static/", "assets");
        assertEquals("console /ui/", send("GET", "/ui/").body());
        assertEquals("console /ui/topics", send("GET", "/ui/topics").body());
        assertEquals("assets /ui/static/console.css", send("GET", "/ui/static/console.css").body());
        assertEquals("console /ui/staticky", send("GET", "/ui/staticky").body());
        assertEquals("hello", send("GET", "/hello").body(), "an exact path comes first");
        assertEquals(404, send("GET", "/ui").statusCode(), "a prefix is a folder: /ui is not under /ui/");
        assertEquals(405, send("POST", "/ui/topics").statusCode());
        assertThrows(IllegalStateException.class, () -> answer("/ui/", "again"));
        assertThrows(IllegalArgumentException.class, () -> answer("/ui", "not a folder"));
    }

    @Test
    void aPathHasOneHandler() {
        assertThrows(IllegalStateException.class, () -> server.route("/hello", (q, r, c) -> false, "GET"));
    }

    @Test
    void aTakenPortFailsNamingTheSetting() {
        IOException e = assertThrows(IOException.class,
                () -> HttpServer.start(new Listener("HTTP", "127.0.0.1", server.port()), Optional.empty()).close());
        assertTrue(e.getMessage().contains(NodeConfig.HTTP_LISTENER), e.getMessage());
        assertTrue(e.getMessage().contains(Integer.toString(server.port())), e.getMessage());
    }
}
