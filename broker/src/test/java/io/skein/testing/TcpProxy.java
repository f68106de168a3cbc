package io.skein.testing;

import io.skein.broker.kafka.BrokerConnection;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A user-space TCP proxy on loopback, for faults iptables cannot aim at one process: it forwards
 * connections to {@code target} and can swallow every answer while the requests still get through,
 * so a node's calls take effect but it never hears how they went. Between Kafka nodes it may also
 * show each request to the test before passing it on, and hold it there.
 */
public final class TcpProxy implements AutoCloseable {
    private final InetSocketAddress target;
    private final ServerSocket server;
    /** Sees each request frame before it is forwarded; null: bytes pass as they come. */
    private final Consumer<byte[]> requests;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean swallowingAnswers;
    private volatile boolean closed;

    /** Listens on {@code port} of the loopback address (0: any free port) and forwards to {@code target}. */
    public TcpProxy(int port, InetSocketAddress target) {
        this(port, target, null);
    }

    /**
     * A proxy for Kafka connections: each request (a size-prefixed frame, without its size) from a
     * client is given to {@code requests} before it is forwarded; blocking there holds it, and the
     * requests after it on its connection.
     */
    public TcpProxy(int port, InetSocketAddress target, Consumer<byte[]> requests) {
        this.target = target;
        this.requests = requests;
        try {
            this.server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::accept, "proxy-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** From now on, bytes from the target are read and dropped; bytes to it still pass. */
    public void swallowAnswers() {
        swallowingAnswers = true;
    }

    /**
     * Resets every open connection, both ways (RST, as a kernel does for a process that died with data
     * unread, or a middlebox that lost the connection's state); new connections are forwarded as before.
     */
    public void reset() {
        for (Socket socket : open) {
            try {
                socket.setSoLinger(true, 0);
            } catch (IOException ignored) {
                // closed already
            }
            closeQuietly(socket);
        }
        open.clear();
    }

    /** Forwards both ways again; connections that lost answers are closed, so their clients reconnect. */
    public void heal() {
        swallowingAnswers = false;
        open.forEach(TcpProxy::closeQuietly);
        open.clear();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 5_000);
            } catch (IOException e) { // the target refused: so does the proxy
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            open.add(client);
            open.add(upstream);
            pump(client, upstream, requests == null ? TcpProxy::copy : this::copyRequests);
            pump(upstream, client, this::copyAnswers);
        }
    }

    /** What one direction of a connection does with its bytes, until its input ends. */
    private interface Forwarding {
        void run(InputStream in, OutputStream out) throws IOException;
    }

    private static void copy(InputStream in, OutputStream out) throws IOException {
        in.transferTo(out);
    }

    private void copyAnswers(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        int read;
        while ((read = in.read(buffer)) >= 0) {
            if (!swallowingAnswers) {
                out.write(buffer, 0, read);
                out.flush();
            }
        }
    }

    private void copyRequests(InputStream in, OutputStream out) throws IOException {
        DataInputStream frames = new DataInputStream(in);
        DataOutputStream forwarded = new DataOutputStream(out);
        while (true) {
            byte[] frame = BrokerConnection.readFrame(frames);
            requests.accept(frame);
            forwarded.writeInt(frame.length);
            forwarded.write(frame);
            forwarded.flush();
        }
    }

    private void pump(Socket from, Socket to, Forwarding forwarding) {
        Thread thread = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                forwarding.run(in, out);
            } catch (IOException e) {
                // one side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        heal();
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
