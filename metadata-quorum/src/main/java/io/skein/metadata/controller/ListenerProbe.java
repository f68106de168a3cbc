package io.skein.metadata.controller;

import io.skein.proto.metadata.Endpoint;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Asks a broker's listeners whether its process is gone: one TCP connection to each endpoint it
 * registered, closed as soon as it is made. A host answers a connection to a port nothing listens on
 * with a refusal (RST, {@code ECONNREFUSED}); a running broker's listeners are bound before it
 * registers and closed only after its controlled shutdown, and while its process is paused or busy its
 * kernel still accepts connections on them. So only refusals on every endpoint say the process is
 * gone; anything else (accepted, timed out, no route, a name that does not resolve, a wildcard address)
 * cannot tell, and counts as a process that may serve.
 *
 * <p>Connections block, so they are made on threads of their own (at most {@link #THREADS} at once,
 * none while idle), never on the controller's event loop.
 */
final class ListenerProbe implements AutoCloseable {
    /** A refusal comes back within a round trip; a connection that has not by then will not tell either. */
    static final int CONNECT_TIMEOUT_MS = 1_000;
    private static final int THREADS = 4;

    private final ThreadPoolExecutor threads;

    ListenerProbe(int nodeId) {
        threads = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    Thread thread = new Thread(runnable, "controller-listener-probe-" + nodeId);
                    thread.setDaemon(true);
                    return thread;
                });
        threads.allowCoreThreadTimeOut(true);
    }

    /** Completes with whether every one of {@code endpoints} refused a connection (false if there are none). */
    CompletableFuture<Boolean> allRefuse(List<Endpoint> endpoints) {
        return CompletableFuture.supplyAsync(() -> !endpoints.isEmpty()
                && endpoints.stream().allMatch(ListenerProbe::refuses), threads);
    }

    private static boolean refuses(Endpoint endpoint) {
        InetSocketAddress address = new InetSocketAddress(endpoint.getHost(), endpoint.getPort());
        if (address.isUnresolved() || address.getAddress().isAnyLocalAddress()) {
            return false;
        }
        try (Socket socket = new Socket()) {
            socket.connect(address, CONNECT_TIMEOUT_MS);
            return false;
        } catch (ConnectException e) {
            // The JDK says ECONNREFUSED so; other failures to connect (unreachable networks) are ConnectExceptions too.
            return e.getMessage() != null && e.getMessage().startsWith("Connection refused");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
