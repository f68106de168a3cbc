package io.skein.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;
import io.skein.broker.metrics.RequestMetrics;
import io.skein.broker.util.Futures;
import io.skein.broker.util.SerialExecutor;
import io.skein.broker.kafka.KafkaRequest;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection. Frames arrive on the event loop and are handed, in order, to the request
 * threads; responses may complete in any order (a long-poll fetch, an acks=all produce) but leave in
 * the order their requests came, as Kafka clients require. A client that does not read its responses
 * stops being read from once too many are queued.
 *
 * <p>The queue of responses is touched only on the connection's event loop.
 */
final class KafkaConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(KafkaConnection.class);
    /** Requests read but not yet answered, beyond which reading pauses. Kafka clients keep at most five in flight. */
    static final int MAX_QUEUED = 64;

    private final String listenerName;
    /** Null on a listener without authentication. */
    private final SaslAuthenticator sasl;
    private final RequestHandler handler;
    private final Executor requests;
    private final RequestMetrics metrics;
    private final ArrayDeque<Slot> queued = new ArrayDeque<>();
    private final AppendOrder appendOrder = new AppendOrder();
    private ChannelHandlerContext ctx;
    private SocketAddress client;
    private boolean closed;

    /** A request's place in line, and its response once ready (null: none is due). */
    private static final class Slot {
        final ByteBuf frame;
        /** When the frame came off the socket: Kafka's total time of a request starts there. */
        final long receivedNanos = System.nanoTime();
        boolean done;
        List<Object> response;
        /** The connection closes once the response is written. */
        boolean thenClose;

        Slot(ByteBuf frame) {
            this.frame = frame;
        }
    }

    /** @param sasl authenticates the client first, on a SASL listener; null on others */
    KafkaConnection(String listenerName, SaslAuthenticator sasl, RequestHandler handler, Executor requestThreads,
                    RequestMetrics metrics) {
        this.listenerName = listenerName;
        this.sasl = sasl;
        this.handler = handler;
        this.requests = new SerialExecutor(requestThreads);
        this.metrics = metrics;
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
        KafkaPrincipal principal = KafkaPrincipal.ANONYMOUS;
        CompletableFuture<ApiMessage> response = null;
        long delayMs = 0;
        boolean thenClose = false;
        if (sasl != null) {
            SaslAuthenticator.Step step = sasl.step(request, slot.receivedNanos);
            if (step instanceof SaslAuthenticator.Close close) {
                log.info("Closing the connection from {}: {}", client, close.why());
                abandon(slot);
                return;
            } else if (step instanceof SaslAuthenticator.Ignore) {
                ctx.executor().execute(() -> complete(slot, null, false));
                return;
            } else if (step instanceof SaslAuthenticator.Answer answer) {
                response = CompletableFuture.completedFuture(answer.response());
                delayMs = answer.delayMs();
                thenClose = answer.thenClose();
            } else {
                principal = ((SaslAuthenticator.Handle) step).principal();
            }
        }
        if (response == null) {
            try {
                response = handler.handle(new RequestContext(request, listenerName, principal, client, this::close,
                        appendOrder));
            } catch (RuntimeException e) {
                response = CompletableFuture.failedFuture(e);
            }
        }
        long delay = delayMs;
        boolean closeAfter = thenClose;
        response.whenComplete((message, error) -> {
            metrics.completed(request.apiKey(), request.apiVersion(), request.fetchReplicaId() >= 0,
                    System.nanoTime() - slot.receivedNanos);
            if (message == null && error == null) { // nothing to send
                finish(slot, null, delay, closeAfter);
                return;
            }
            List<Object> encoded;
            try {
                encoded = encode(request, message, error);
            } catch (RuntimeException e) {
                log.error("Cannot encode the response to {} from {}: closing the connection", request, client, e);
                abandon(slot);
                return;
            }
            finish(slot, encoded, delay, closeAfter);
        });
    }

    /** Hands the response to the event loop, at once or after {@code delayMs} (which holds no thread). */
    private void finish(Slot slot, List<Object> encoded, long delayMs, boolean thenClose) {
        if (delayMs > 0) {
            ctx.executor().schedule(() -> complete(slot, encoded, thenClose), delayMs, TimeUnit.MILLISECONDS);
        } else {
            ctx.executor().execute(() -> complete(slot, encoded, thenClose));
        }
    }

    /** Gives up on a request that cannot be answered: the client learns of it by the connection closing. */
    private void abandon(Slot slot) {
        ctx.executor().execute(() -> {
            complete(slot, null, false);
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
                : request.encode(message);
    }

    /**
     * On the event loop: records a response and writes every response now at the head of the line,
     * closing the connection after one that ends it.
     */
    private void complete(Slot slot, List<Object> response, boolean thenClose) {
        slot.done = true;
        slot.response = response;
        slot.thenClose = thenClose;
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
            if (head.thenClose) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                return;
            }
        }
        if (wrote) {
            ctx.flush();
        }
        if (queued.size() < MAX_QUEUED && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
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

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            log.info("Closing the connection from {}: {}", client, cause.getMessage());
        } else if (cause instanceof IOException) {
            log.debug("Connection from {} failed: {}", client, cause.toString());
        } else {
            log.warn("Closing the connection from {}", client, cause);
        }
        context.close();
    }
}
