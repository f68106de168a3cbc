package io.skein.broker.network;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.SocketChannel;

/**
 * Heap buffers for what a TLS connection reads. The JDK's {@code SSLEngine} decrypts a record where it
 * lies, in the buffer it was read into, and its AES-GCM is about twice as slow over a direct buffer as
 * over a heap one (JDK 17); Netty reads sockets into direct buffers, and {@code SslHandler} grows a
 * record that spans reads with the channel's allocator, direct by default. So a TLS connection reads
 * into heap buffers (the JDK reads through a direct buffer of its own and copies, as it does for
 * Kafka's broker, whose TLS buffers are on the heap too) and allocates from a heap-preferring allocator.
 */
final class TlsReadBuffers {
    private static final ByteBufAllocator HEAP_FIRST = new AdaptiveByteBufAllocator(false);
    private static final RecvByteBufAllocator HEAP_READS = new HeapReads(new AdaptiveRecvByteBufAllocator());

    private TlsReadBuffers() {
    }

    static void use(SocketChannel channel) {
        channel.config().setAllocator(HEAP_FIRST);
        channel.config().setRecvByteBufAllocator(HEAP_READS);
    }

    /** Netty's adaptive read sizes, in heap buffers. */
    private record HeapReads(RecvByteBufAllocator sizes) implements RecvByteBufAllocator {
        @Override
        public Handle newHandle() {
            return new DelegatingHandle(sizes.newHandle()) {
                @Override
                public ByteBuf allocate(ByteBufAllocator alloc) {
                    return alloc.heapBuffer(guess());
                }
            };
        }
    }
}
