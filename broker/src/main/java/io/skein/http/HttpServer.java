package io.skein.http;

import io.skein.metadata.tls.TlsSettings;
import io.skein.node.Listener;
import io.skein.node.NodeConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP listener ({@code http.listener}): an embedded Jetty server whose paths the node's
 * parts add as they start ({@link #route}): the metrics endpoint, and the console. It binds at once,
 * so that a taken port fails the node before anything else starts.
 *
 * <p>Its handlers run on Jetty's own small thread pool, never on the Kafka listeners' event loops, so
 * a handler may wait (with a bound) for what it reports.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    /** Jetty's selector and acceptor take two threads; the rest answer requests: scrapes and pages, a handful at once. */
    private static final int MAX_THREADS = 10;
    private static final int MIN_THREADS = 3;
    private static final int IDLE_TIMEOUT_MS = 60_000;

    private final Server server;
    private final ServerConnector connector;
    private final Routes routes;
    private final Optional<TlsSettings> tls;

    private HttpServer(Server server, ServerConnector connector, Routes routes, Optional<TlsSettings> tls) {
        this.server = server;
        this.connector = connector;
        this.routes = routes;
        this.tls = tls;
    }

    /**
     * Serves HTTP on {@code listener} (an empty host: every interface; port 0: any free port), or HTTPS
     * with {@code tls}, with no routes yet: every path is 404 until one is added.
     *
     * @throws IOException naming the address and the key to change, if it cannot be bound
     */
    public static HttpServer start(Listener listener, Optional<TlsSettings> tls) throws IOException {
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, MIN_THREADS, IDLE_TIMEOUT_MS);
        threads.setName("http");
        threads.setDaemon(true);
        Server server = new Server(threads);
        ServerConnector connector = tls.isEmpty() ? new ServerConnector(server, 1, 1) : httpsConnector(server, tls.get());
        connector.setHost(listener.host().isEmpty() ? null : listener.host());
        connector.setPort(listener.port());
        server.addConnector(connector);
        ErrorHandler errors = new ErrorHandler();
        errors.setShowStacks(false); // a page shows what failed, never the code's insides
        errors.setShowCauses(false);
        server.setErrorHandler(errors);
        Routes routes = new Routes();
        server.setHandler(routes);
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            throw new IOException("Cannot serve HTTP on " + listener.host() + ":" + listener.port() + " ("
                    + e.getMessage() + "): set " + NodeConfig.HTTP_LISTENER + " to a free address", e);
        }
        return new HttpServer(server, connector, routes, tls);
    }

    /** HTTP/1.1 over TLS: the certificate, client authentication, protocols and cipher suites of {@code tls}. */
    private static ServerConnector httpsConnector(Server server, TlsSettings tls) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setSslContext(tls.sslContext());
        ssl.setNeedClientAuth(tls.clientAuth() == TlsSettings.ClientAuth.REQUIRED);
        ssl.setWantClientAuth(tls.clientAuth() == TlsSettings.ClientAuth.REQUESTED);
        if (tls.protocols() != null) {
            ssl.setIncludeProtocols(tls.protocols().toArray(String[]::new));
        }
        if (tls.cipherSuites() != null) {
            ssl.setIncludeCipherSuites(tls.cipherSuites().toArray(String[]::new));
        }
        HttpConfiguration https = new HttpConfiguration();
        // Requests are https://, as the console's origin check needs. No check of the host asked for against the
        // certificate's names: there is one certificate, not one chosen by name, and checking is the client's job.
        https.addCustomizer(new SecureRequestCustomizer(false));
        return new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, HttpVersion.HTTP_1_1.asString()),
                new HttpConnectionFactory(https));
    }

    /** The TLS this listener serves, if it serves HTTPS: the other brokers' are reached with it too. */
    public Optional<TlsSettings> tls() {
        return tls;
    }

    /**
     * Answers requests for exactly {@code path} with {@code handler}, for {@code methods} only: any
     * other method gets 405 with the allowed ones. A path has one handler; adding it again is a bug.
     */
    public void route(String path, Request.Handler handler, String... methods) {
        routes.add(path, handler, methods);
    }

    /**
     * Answers requests for every path under {@code prefix} (which ends with {@code /}) that has no
     * route of its own, with {@code handler}, for {@code methods} only; the longest matching prefix
     * wins. A prefix has one handler.
     */
    public void routePrefix(String prefix, Request.Handler handler, String... methods) {
        routes.addPrefix(prefix, handler, methods);
    }

    /** The port bound (the listener's, or the one chosen for port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    public InetSocketAddress address() {
        String host = connector.getHost();
        return new InetSocketAddress(host == null ? "0.0.0.0" : host, port());
    }

    @Override
    public void close() {
        stopQuietly(server);
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            log.warn("Cannot stop the HTTP server cleanly", e);
        }
    }
}
