package io.skein.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.skein.broker.kafka.SslEngines;
import io.skein.testing.TlsFiles;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What a Kafka listener's TLS costs the broker, apart from everything else a broker does: a server
 * whose connections get {@link SslEngines#newServerHandler} as {@code KafkaServer} gives them, on
 * loopback, either sending fetch-like responses (per partition a few small header buffers and a log
 * slice read from a file on another thread into a pooled buffer, as {@code NettySends} reads them) to
 * a client that asks for the next once it has the last, or reading produce-like requests of the same
 * size and answering each with a byte. The client is Netty's BoringSSL, so that it takes little of the
 * CPU. Prints the server's CPU seconds per GiB (its event loop, and the thread that reads the slices
 * and runs the handshake's tasks), measured per thread, so another process's load inflates it less
 * than it does wall time. Not a test: run by {@code scripts/bench-tls.sh}.
 *
 * <p>Arguments: {@code fetch|produce openssl|jdk heap|direct WRAP_BYTES [GIB (2)] [SLICE_KIB (1024)]
 * [PARTITIONS (6)]}; WRAP_BYTES is {@code SslHandler.setWrapDataSize}'s, 0 for Netty's (16 KiB).
 */
public final class TlsPathBenchmark {
    private static final int HEADER_BYTES = 64;
    private static final long FILE_BYTES = 256L << 20;

    private final boolean fetch;
    private final boolean direct;
    private final int wrapBytes;
    private final int sliceBytes;
    private final int partitions;
    private final int responseBytes;
    private final FileChannel log;

    private TlsPathBenchmark(boolean fetch, boolean direct, int wrapBytes, int sliceBytes, int partitions,
                             FileChannel log) {
        this.fetch = fetch;
        this.direct = direct;
        this.wrapBytes = wrapBytes;
        this.sliceBytes = sliceBytes;
        this.partitions = partitions;
        this.responseBytes = partitions * (2 * HEADER_BYTES + sliceBytes);
        this.log = log;
    }

    public static void main(String[] args) throws Exception {
        boolean fetch = args[0].equals("fetch");
        boolean openSsl = args[1].equals("openssl");
        boolean direct = args[2].equals("direct");
        int wrapBytes = Integer.parseInt(args[3]);
        double gib = args.length > 4 ? Double.parseDouble(args[4]) : 2;
        int sliceBytes = (args.length > 5 ? Integer.parseInt(args[5]) : 1024) << 10;
        int partitions = args.length > 6 ? Integer.parseInt(args[6]) : 6;
        Path dir = Files.createTempDirectory("tls-bench");
        SslEngines engines = SslEngines.kafkaServer("SSL", TlsFiles.in(dir.resolve("certs")).listenerSsl("broker",
                openSsl ? Map.of() : Map.of("ssl.provider", "SunJSSE")), false);
        Path file = dir.resolve("log");
        try (FileChannel log = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            fill(log);
            TlsPathBenchmark bench = new TlsPathBenchmark(fetch, direct, wrapBytes, sliceBytes, partitions, log);
            bench.run(engines, 0.25); // warm-up
            Result result = bench.run(engines, gib);
            System.out.printf("SUMMARY mode=%s engine=%s buffers=%s wrap=%d slice_kib=%d partitions=%d gib=%.2f "
                            + "server_cpu_s_per_gib=%.3f (event_loop=%.3f other=%.3f) mib_per_s=%.0f%n",
                    args[0], engines.engine(), args[2], wrapBytes, sliceBytes >> 10, partitions, result.gib(),
                    (result.loopCpuS() + result.otherCpuS()) / result.gib(), result.loopCpuS() / result.gib(),
                    result.otherCpuS() / result.gib(), result.gib() * 1024 / result.wallS());
        } finally {
            engines.close();
            Files.deleteIfExists(file);
        }
    }

    private static void fill(FileChannel log) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        for (long written = 0; written < FILE_BYTES; written += chunk.capacity()) {
            ThreadLocalRandom.current().nextBytes(chunk.array());
            chunk.clear();
            while (chunk.hasRemaining()) {
                log.write(chunk, written + chunk.position());
            }
        }
    }

    private record Result(double gib, double loopCpuS, double otherCpuS, double wallS) {
    }

    private Result run(SslEngines engines, double gib) throws Exception {
        long exchanges = Math.max(1, (long) (gib * (1L << 30) / responseBytes));
        EventLoopGroup serverLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-loop"),
                NioIoHandler.newFactory());
        EventLoopGroup clientLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("client-loop"),
                NioIoHandler.newFactory());
        ExecutorService requestThread = Executors.newSingleThreadExecutor(new DefaultThreadFactory("bench-request"));
        CountDownLatch done = new CountDownLatch(1);
        try {
            Channel server = new ServerBootstrap().group(serverLoop).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            SslHandler tls = engines.newServerHandler(channel.alloc(), "127.0.0.1", 0, requestThread);
                            if (wrapBytes > 0) {
                                tls.setWrapDataSize(wrapBytes);
                            }
                            channel.pipeline().addLast(tls, fetch ? new FetchServer(requestThread) : new ProduceServer());
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
            Channel connection = new Bootstrap().group(clientLoop).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline().addLast(client.newHandler(channel.alloc()),
                                    new Client(exchanges, done));
                        }
                    }).connect(server.localAddress()).sync().channel();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long[] before = serverCpuNanos(threads);
            long started = System.nanoTime();
            connection.pipeline().fireUserEventTriggered(Client.START);
            if (!done.await(30, TimeUnit.MINUTES)) {
                throw new IllegalStateException("not done within 30 minutes");
            }
            double wallS = (System.nanoTime() - started) / 1e9;
            long[] after = serverCpuNanos(threads);
            connection.close().sync();
            server.close().sync();
            return new Result(exchanges * (double) responseBytes / (1L << 30), (after[0] - before[0]) / 1e9,
                    (after[1] - before[1]) / 1e9, wallS);
        } finally {
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            requestThread.shutdownNow();
        }
    }

    /** CPU nanoseconds of the server's event loop and of its other thread. */
    private static long[] serverCpuNanos(ThreadMXBean threads) {
        long[] cpu = new long[2];
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("bench-loop")) {
                cpu[0] += threads.getThreadCpuTime(thread.getId());
            } else if (thread.getName().startsWith("bench-request")) {
                cpu[1] += threads.getThreadCpuTime(thread.getId());
            }
        }
        return cpu;
    }

    /** Answers each request with a response read, off the event loop, from the log file. */
    private final class FetchServer extends ChannelInboundHandlerAdapter {
        private final ExecutorService requestThread;
        private long position;

        FetchServer(ExecutorService requestThread) {
            this.requestThread = requestThread;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
            requestThread.execute(() -> {
                List<ByteBuf> response = new ArrayList<>(4 * partitions);
                for (int p = 0; p < partitions; p++) {
                    response.add(Unpooled.wrappedBuffer(new byte[HEADER_BYTES]));
                    response.add(Unpooled.wrappedBuffer(new byte[HEADER_BYTES]));
                    response.add(slice());
                }
                ctx.executor().execute(() -> {
                    response.forEach(ctx::write);
                    ctx.flush();
                });
            });
        }

        private ByteBuf slice() {
            if (position + sliceBytes > FILE_BYTES) {
                position = 0;
            }
            ByteBuf buffer = direct ? PooledByteBufAllocator.DEFAULT.directBuffer(sliceBytes, sliceBytes)
                    : PooledByteBufAllocator.DEFAULT.heapBuffer(sliceBytes, sliceBytes);
            try {
                while (buffer.isWritable()) {
                    buffer.writeBytes(log, position + buffer.writerIndex(), buffer.writableBytes());
                }
            } catch (IOException e) {
                buffer.release();
                throw new IllegalStateException(e);
            }
            position += sliceBytes;
            return buffer;
        }
    }

    /** Reads requests of a response's size, answering each with a byte. */
    private final class ProduceServer extends ChannelInboundHandlerAdapter {
        private long received;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            received += bytes.readableBytes();
            bytes.release();
            while (received >= responseBytes) {
                received -= responseBytes;
                ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[1]));
            }
        }
    }

    /** Asks for (or sends) {@code exchanges} responses' worth of bytes, one exchange at a time. */
    private final class Client extends ChannelInboundHandlerAdapter {
        static final Object START = new Object();
        private final ByteBuf request;
        private long exchanges;
        private final CountDownLatch done;
        private long received;

        Client(long exchanges, CountDownLatch done) {
            this.exchanges = exchanges;
            this.done = done;
            this.request = fetch ? Unpooled.wrappedBuffer(new byte[1])
                    : Unpooled.directBuffer(responseBytes).writeBytes(new byte[responseBytes]);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event == START) {
                ctx.writeAndFlush(request.retainedDuplicate());
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            received += bytes.readableBytes();
            bytes.release();
            int answer = fetch ? responseBytes : 1;
            while (received >= answer) {
                received -= answer;
                if (--exchanges == 0) {
                    done.countDown();
                } else {
                    ctx.writeAndFlush(request.retainedDuplicate());
                }
            }
        }
    }
}
