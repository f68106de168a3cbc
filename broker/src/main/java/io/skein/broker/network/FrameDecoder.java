package io.skein.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.function.BooleanSupplier;

/**
 * Kafka's size-prefixed frames, each at most {@code socket.request.max.bytes}; on a SASL listener, at
 * most {@code sasl.server.max.receive.size} until the client has authenticated, as Kafka bounds what
 * a client it does not know yet can make it buffer. A frame too large closes the connection.
 */
final class FrameDecoder extends LengthFieldBasedFrameDecoder {
    private final int maxBytes;
    private final int maxUnauthenticatedBytes;
    private final BooleanSupplier authenticated;

    FrameDecoder(int maxBytes, int maxUnauthenticatedBytes, BooleanSupplier authenticated) {
        // The size prefix counts the bytes after it; Netty's limit counts it too.
        super(maxBytes + 4, 0, 4, 0, 4, true);
        this.maxBytes = maxBytes;
        this.maxUnauthenticatedBytes = maxUnauthenticatedBytes;
        this.authenticated = authenticated;
    }

    /** Frames of a listener without authentication: {@code socket.request.max.bytes} alone. */
    FrameDecoder(int maxBytes) {
        this(maxBytes, maxBytes, () -> true);
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (in.readableBytes() >= 4) {
            int size = in.getInt(in.readerIndex());
            if (size > maxBytes) {
                in.skipBytes(in.readableBytes());
                throw new TooLongFrameException("a frame of " + size + " bytes (socket.request.max.bytes is "
                        + maxBytes + ")");
            }
            if (size > maxUnauthenticatedBytes && !authenticated.getAsBoolean()) {
                in.skipBytes(in.readableBytes());
                throw new TooLongFrameException("a frame of " + size + " bytes before authenticating "
                        + "(sasl.server.max.receive.size is " + maxUnauthenticatedBytes + ")");
            }
        }
        return super.decode(ctx, in);
    }
}
