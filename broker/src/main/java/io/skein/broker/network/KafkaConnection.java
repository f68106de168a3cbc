package io.skein.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.skein.broker.metrics.RequestMetrics;
import io.skein.broker.util.Futures;
import io.skein.broker.util.SerialExecutor;
import io.skein.broker.kafka.KafkaRequest;
import io.skein.broker.kafka.LogSlices;
import io.skein.broker.kafka.SslPrincipals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection. Frames arrive on the event loop and are handed, in order, to the request
 * threads; responses may complete in any order (a long-poll fetch, an acks=all produce) but leave in
 * the order their requests came, as Kafka clients require. A client that does not read its responses
 * stops being read from once too many are queued, and a client over its quota for as long as it is
 * throttled once its throttled response is written (KIP-219: the broker answers at once, with the
 * throttle time, then mutes the connection; frames already read are still handled).
 *
 * <p>On a SASL listener (SASL_SSL too) the client authenticates first, through its {@link
 * SaslAuthenticator}, and is who it authenticated as. On a TLS listener the connection's principal
 * otherwise comes from its handshake, which completes before any request is read; responses carrying
 * records are encoded on the request threads, as their bytes are read from the log into buffers for
 * TLS to encrypt: direct ones for BoringSSL's engine, heap ones for the JDK's ({@link LogSlices}).
 *
 * <p>The queue of responses is touched only on the connection's event loop.
 */
final class KafkaConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(KafkaConnection.class);
    /** Requests read but not yet answered, beyond which reading pauses. Kafka clients keep at most five in flight. */
    static final int MAX_QUEUED = 64;

    private final String listenerName;
    /** Null on a listener without SASL. */
    private final SaslAuthenticator sasl;
    private final RequestHandler handler;
    private final Executor requestThreads;
    private final Executor requests;
    private final RequestMetrics metrics;
    /** Null on a plaintext listener. */
    private final SslPrincipals tlsPrincipals;
    private final LogSlices slices;
    /** Set on the event loop before the first request is read, and read by the request threads it hands them to. */
    private volatile KafkaPrincipal principal = KafkaPrincipal.ANONYMOUS;
    private final ArrayDeque<Slot> queued = new ArrayDeque<>();
    private final AppendOrder appendOrder = new AppendOrder();
    private ChannelHandlerContext ctx;
    private SocketAddress client;
    private boolean closed;
    /** Until when (System.nanoTime) the client is throttled: nothing is read from it before. */
    private long throttledUntilNanos = System.nanoTime();
    /** Whether a task to read again when the throttle ends is scheduled. */
    private boolean unthrottleScheduled;

    /**
     * A request's place in line, and its response once ready (null: none is due); as an {@link IntConsumer},
     * what its handler calls to throttle the client.
     */
    private static final class Slot implements IntConsumer {
        final ByteBuf frame;
        /** When the frame came off the socket: Kafka's total time of a request starts there. */
        final long receivedNanos = System.nanoTime();
        boolean done;
        List<Object> response;
        /** Set by the request thread before its response completes: a failed authentication's answer waits this long... */
        long delayMs;
        /** ...and the connection closes once it is written. */
        boolean thenClose;
        /** Set by the request thread before its response completes: the client is throttled until then (nanoTime). */
        long throttledUntilNanos;
        boolean throttled;

        Slot(ByteBuf frame) {
            this.frame = frame;
        }

        /** The client is throttled for {@code throttleMs} from now. */
        @Override
        public void accept(int throttleMs) {
            throttledUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(throttleMs);
            throttled = true;
        }
    }

    /**
     * @param sasl          authenticates the client first, on a SASL listener; null on others
     * @param tls           the listener's TLS, whose handshake says who a connection is; null on a plaintext listener
     */
    KafkaConnection(String listenerName, SaslAuthenticator sasl, RequestHandler handler, Executor requestThreads,
                    RequestMetrics metrics, KafkaServer.Tls tls) {
        this.listenerName = listenerName;
        this.sasl = sasl;
        this.handler = handler;
        this.requestThreads = requestThreads;
        this.requests = new SerialExecutor(requestThreads);
        this.metrics = metrics;
        this.tlsPrincipals = tls == null ? null : tls.principals();
        this.slices = tls == null ? LogSlices.SENDFILE
                : tls.engines().openSsl() ? LogSlices.DIRECT_BUFFERS : LogSlices.HEAP_BUFFERS;
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        this.ctx = context;
        this.client = context.channel().remoteAddress();
        context.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        Slot slot = new Slot((ByteBuf) message);
        queued.addLast(slot);
        if (queued.size() >= MAX_QUEUED) {
            context.channel().config().setAutoRead(false);
        }
        requests.execute(() -> process(slot));
    }

    /** On a request thread: parses and starts handling the request. */
    private void process(Slot slot) {
        KafkaRequest request;
        try {
            request = KafkaRequest.parse(slot.frame.nioBuffer());
        } catch (InvalidRequestException e) {
            log.info("Closing the connection from {}: {}", client, e.getMessage());
            abandon(slot);
            return;
        }
        if (!request.isUnknownApiVersionsVersion() && !handler.supports(request.apiKey(), request.apiVersion())) {
            log.info("Closing the connection from {}: {} is not served", client, request);
            abandon(slot);
            return;
        }
        // On a SASL listener (SASL_SSL too) the connection is who it authenticated as; else who its TLS handshake said.
        KafkaPrincipal as = principal;
        CompletableFuture<ApiMessage> response = null;
        if (sasl != null) {
            SaslAuthenticator.Step step = sasl.step(request, slot.receivedNanos);
            if (step instanceof SaslAuthenticator.Close close) {
                log.info("Closing the connection from {}: {}", client, close.why());
                abandon(slot);
                return;
            } else if (step instanceof SaslAuthenticator.Ignore) {
                ctx.executor().execute(() -> complete(slot, null));
                return;
            } else if (step instanceof SaslAuthenticator.Answer answer) {
                slot.delayMs = answer.delayMs();
                slot.thenClose = answer.thenClose();
                response = CompletableFuture.completedFuture(answer.response());
            } else {
                as = ((SaslAuthenticator.Handle) step).principal();
            }
        }
        if (response == null) {
            try {
                response = handler.handle(new RequestContext(request, listenerName, as, client, this::close,
                        appendOrder, slot));
            } catch (RuntimeException e) {
                response = CompletableFuture.failedFuture(e);
            }
        }
        response.whenComplete((message, error) -> {
            metrics.completed(request.apiKey(), request.apiVersion(), request.fetchReplicaId() >= 0,
                    System.nanoTime() - slot.receivedNanos);
            if (message == null && error == null) { // nothing to send
                finish(slot, null);
            } else if (tlsPrincipals != null && request.apiKey() == ApiKeys.FETCH) {
                // It may have completed on a purgatory's timer thread: reading the log is a request thread's work.
                requestThreads.execute(() -> respond(slot, request, message, error));
            } else {
                respond(slot, request, message, error);
            }
        });
    }

    /** Encodes the response and hands it to the event loop. */
    private void respond(Slot slot, KafkaRequest request, ApiMessage message, Throwable error) {
        List<Object> encoded;
        try {
            encoded = encode(request, message, error);
        } catch (UncheckedIOException e) {
            log.info("Closing the connection from {}: cannot read the records of the response to {}: {}", client,
                    request, e.getCause().getMessage());
            abandon(slot);
            return;
        } catch (RuntimeException e) {
            log.error("Cannot encode the response to {} from {}: closing the connection", request, client, e);
            abandon(slot);
            return;
        }
        finish(slot, encoded);
    }

    /** Hands the response to the event loop, at once or after the slot's delay (which holds no thread). */
    private void finish(Slot slot, List<Object> encoded) {
        if (slot.delayMs > 0) {
            ctx.executor().schedule(() -> complete(slot, encoded), slot.delayMs, TimeUnit.MILLISECONDS);
        } else {
            ctx.executor().execute(() -> complete(slot, encoded));
        }
    }

    /** Gives up on a request that cannot be answered: the client learns of it by the connection closing. */
    private void abandon(Slot slot) {
        ctx.executor().execute(() -> {
            complete(slot, null);
            close();
        });
    }

    private List<Object> encode(KafkaRequest request, ApiMessage message, Throwable error) {
        if (error != null) {
            Throwable cause = Futures.cause(error);
            log.error("{} from {} failed", request, client, cause);
            message = request.errorResponse(cause);
        }
        return request.isUnknownApiVersionsVersion()
                ? request.unsupportedApiVersions((ApiVersionsResponseData) message)
                : request.encode(message, slices);
    }

    /**
     * On the event loop: records a response and writes every response now at the head of the line,
     * closing the connection after one that ends it.
     */
    private void complete(Slot slot, List<Object> response) {
        slot.done = true;
        slot.response = response;
        slot.frame.release();
        if (closed) {
            release(response);
            return;
        }
        boolean wrote = false;
        while (!queued.isEmpty() && queued.peekFirst().done) {
            Slot head = queued.pollFirst();
            if (head.response != null) {
                head.response.forEach(ctx::write);
                wrote = true;
            }
            if (head.throttled && head.throttledUntilNanos - throttledUntilNanos > 0) {
                throttledUntilNanos = head.throttledUntilNanos;
            }
            if (head.thenClose) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                return;
            }
        }
        updateReading(); // before the answers leave: a throttled client's next request must find its connection muted
        if (wrote) {
            ctx.flush();
        }
    }

    /**
     * On the event loop: reads while fewer than {@link #MAX_QUEUED} requests wait and the client is not
     * throttled; a throttle's end is a task on the event loop, which holds no thread meanwhile.
     */
    private void updateReading() {
        if (closed) {
            return;
        }
        long throttledForNanos = throttledUntilNanos - System.nanoTime();
        boolean read = queued.size() < MAX_QUEUED && throttledForNanos <= 0;
        if (read != ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(read);
        }
        if (throttledForNanos > 0 && !unthrottleScheduled) {
            unthrottleScheduled = true;
            ctx.executor().schedule(() -> {
                unthrottleScheduled = false;
                updateReading();
            }, throttledForNanos, TimeUnit.NANOSECONDS);
        }
    }

    private static void release(List<Object> response) {
        if (response != null) {
            response.forEach(ReferenceCountUtil::release);
        }
    }

    private void close() {
        ctx.channel().close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        closed = true;
        for (Slot slot : queued) {
            if (slot.done) {
                release(slot.response);
            }
        }
        queued.clear();
        context.fireChannelInactive();
    }

    /** A TLS handshake's end: the connection's principal, or a line saying why the client was refused. */
    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                SSLSession session = context.pipeline().get(SslHandler.class).engine().getSession();
                principal = tlsPrincipals.of(session, ((InetSocketAddress) client).getAddress());
                log.debug("TLS connection from {} on {} as {} ({}, {})", client, listenerName, principal,
                        session.getProtocol(), session.getCipherSuite());
            } else {
                log.info("TLS handshake with {} on {} failed: {}", client, listenerName, reason(handshake.cause()));
            }
        }
        context.fireUserEventTriggered(event);
    }

    /** The innermost message, which names what was wrong (an unknown certificate, a plaintext client...). */
    private static String reason(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.toString();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (cause instanceof NotSslRecordException
                || cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            // The handshake's failure is logged once, when it ends; a failure later is the client's.
            log.debug("TLS connection from {} failed: {}", client, reason(cause));
        } else if (cause instanceof TooLongFrameException) {
            log.info("Closing the connection from {}: {}", client, cause.getMessage());
        } else if (cause instanceof IOException) {
            log.debug("Connection from {} failed: {}", client, cause.toString());
        } else {
            log.warn("Closing the connection from {}", client, cause);
        }
        context.close();
    }
}
