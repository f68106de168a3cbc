package io.skein.broker.network;

import io.skein.broker.metrics.RequestMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.skein.broker.kafka.SaslServers;
import io.skein.broker.kafka.SslEngines;
import io.skein.broker.kafka.SslPrincipals;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Serves the Kafka protocol on one listener: size-prefixed frames, each at most
 * {@code socket.request.max.bytes} ({@link FrameDecoder}), handed to a {@link RequestHandler} on the
 * request threads; on a SASL listener, once the client has authenticated ({@link SaslAuthenticator}),
 * over TLS as well on a SASL_SSL one.
 * Netty's NIO transport writes log slices with {@code FileChannel.transferTo}, that is {@code sendfile}.
 *
 * <p>A TLS listener puts Netty's {@link SslHandler} first, from the listener's {@link SslEngines}
 * per connection (BoringSSL's engine, or the JDK's); its handshake's delegated tasks (key exchange,
 * certificate checks) run on the request threads, not the event loop. Log slices cannot be sent with
 * {@code sendfile} through TLS: they are read into buffers (see {@link KafkaConnection}).
 *
 * <p>It binds at once, so that the port is known before the broker registers, but accepts
 * connections only from {@link #startAccepting()}: clients queue in the backlog until the broker
 * can serve them.
 */
public final class KafkaServer implements AutoCloseable {
    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final Channel serverChannel;
    private final AtomicReference<RequestHandler> handler;
    /** The listener's SASL servers, once it accepts: none on a listener without SASL. */
    private final AtomicReference<SaslServers> sasl;

    /**
     * Socket settings, under Kafka's names.
     *
     * @param networkThreads     {@code num.network.threads}: event loops reading and writing sockets
     * @param requestMaxBytes    {@code socket.request.max.bytes}
     * @param sendBufferBytes    {@code socket.send.buffer.bytes}, -1 for the OS default
     * @param receiveBufferBytes {@code socket.receive.buffer.bytes}, -1 for the OS default
     */
    public record Settings(int networkThreads, int requestMaxBytes, int sendBufferBytes, int receiveBufferBytes) {
    }

    /** A TLS listener's engines, and who its clients are from their certificates. */
    public record Tls(SslEngines engines, SslPrincipals principals) {
    }

    private KafkaServer(EventLoopGroup acceptor, EventLoopGroup workers, Channel serverChannel,
                        AtomicReference<RequestHandler> handler, AtomicReference<SaslServers> sasl) {
        this.acceptor = acceptor;
        this.workers = workers;
        this.serverChannel = serverChannel;
        this.handler = handler;
        this.sasl = sasl;
    }

    /**
     * Binds {@code host:port} (an empty host: every interface; port 0: any free port) for the listener
     * named {@code listenerName}; its requests count in {@code metrics}.
     */
    public static KafkaServer bind(String listenerName, String host, int port, Settings settings,
                                   Executor requestThreads, RequestMetrics metrics) throws IOException {
        return bind(listenerName, host, port, settings, requestThreads, metrics, null);
    }

    /** {@link #bind(String, String, int, Settings, Executor, RequestMetrics)} over TLS, unless {@code tls} is null. */
    public static KafkaServer bind(String listenerName, String host, int port, Settings settings,
                                   Executor requestThreads, RequestMetrics metrics, Tls tls) throws IOException {
        AtomicReference<RequestHandler> handler = new AtomicReference<>();
        AtomicReference<SaslServers> sasl = new AtomicReference<>();
        String name = listenerName.toLowerCase();
        EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name + "-acceptor"),
                NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(settings.networkThreads(),
                new DefaultThreadFactory(name + "-network"), NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false) // accept nothing before startAccepting()
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (settings.sendBufferBytes() > 0) {
                            channel.config().setSendBufferSize(settings.sendBufferBytes());
                        }
                        if (settings.receiveBufferBytes() > 0) {
                            channel.config().setReceiveBufferSize(settings.receiveBufferBytes());
                        }
                        if (tls != null) {
                            InetSocketAddress peer = channel.remoteAddress();
                            channel.pipeline().addLast(tls.engines().newServerHandler(channel.alloc(),
                                    peer.getAddress().getHostAddress(), peer.getPort(), requestThreads));
                        }
                        SaslServers servers = sasl.get();
                        if (servers == null) {
                            channel.pipeline().addLast(new FrameDecoder(settings.requestMaxBytes()));
                            channel.pipeline().addLast(new KafkaConnection(listenerName, null, handler.get(),
                                    requestThreads, metrics, tls));
                        } else {
                            SaslAuthenticator authenticator = new SaslAuthenticator(servers, channel.remoteAddress());
                            channel.pipeline().addLast(new FrameDecoder(settings.requestMaxBytes(),
                                    servers.settings().maxReceiveSize(), authenticator::hasAuthenticated));
                            channel.pipeline().addLast(new KafkaConnection(listenerName, authenticator, handler.get(),
                                    requestThreads, metrics, tls));
                        }
                    }
                });
        InetSocketAddress address = host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        try {
            Channel channel = bootstrap.bind(address).sync().channel();
            return new KafkaServer(acceptor, workers, channel, handler, sasl);
        } catch (Exception e) {
            acceptor.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            if (Thread.currentThread().isInterrupted()) {
                throw new IOException("Interrupted while binding " + address, e);
            }
            throw new IOException("Cannot listen on " + address + " for " + listenerName + ": " + e.getMessage(), e);
        }
    }

    /** The port bound, which differs from the one asked for only when that was 0. */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Starts accepting connections, including those waiting in the backlog, and serving them with {@code apis}. */
    public void startAccepting(RequestHandler apis) {
        handler.set(apis);
        serverChannel.config().setAutoRead(true);
        serverChannel.read();
    }

    /**
     * {@link #startAccepting(RequestHandler)} on a SASL listener: each client authenticates with one of
     * {@code servers} before {@code apis} answer it.
     */
    public void startAccepting(RequestHandler apis, SaslServers servers) {
        sasl.set(servers);
        startAccepting(apis);
    }

    /** Stops accepting, closes every connection and stops the event loops. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
