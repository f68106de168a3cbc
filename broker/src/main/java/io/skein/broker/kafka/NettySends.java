package io.skein.broker.kafka;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * Turns a kafka-clients {@link Send} into what Netty writes: byte buffers wrapped without copying,
 * and for each stretch of a log file either a {@link FileSliceRegion}, which Netty hands to
 * {@code sendfile}, or, where the bytes must pass through the JVM (TLS encrypts them), one pooled
 * buffer holding the stretch, heap or direct as the TLS engine takes them best ({@link LogSlices}),
 * read from the file here and released by Netty once written.
 */
final class NettySends {
    private NettySends() {
    }

    /**
     * @param slices how log files go out: as file regions, or read into buffers on the calling thread,
     *               which must not be an event loop then
     * @throws UncheckedIOException if a log file cannot be read (it ends before the slice: truncated)
     */
    static List<Object> toNetty(Send send, LogSlices slices) {
        Collector collector = new Collector(slices);
        try {
            while (!send.completed()) {
                send.writeTo(collector);
            }
        } catch (IOException e) {
            collector.parts.forEach(ReferenceCountUtil::release);
            throw new UncheckedIOException(e);
        }
        return collector.parts;
    }

    /** A channel that accepts everything at once, recording what was written. */
    private static final class Collector implements TransferableChannel {
        final List<Object> parts = new ArrayList<>();
        private final LogSlices slices;

        Collector(LogSlices slices) {
            this.slices = slices;
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) {
            long written = 0;
            for (int i = offset; i < offset + length; i++) {
                written += write(sources[i]);
            }
            return written;
        }

        @Override
        public long write(ByteBuffer[] sources) {
            return write(sources, 0, sources.length);
        }

        @Override
        public int write(ByteBuffer source) {
            int bytes = source.remaining();
            if (bytes > 0) {
                parts.add(Unpooled.wrappedBuffer(source.slice()));
                source.position(source.limit());
            }
            return bytes;
        }

        @Override
        public long transferFrom(FileChannel file, long position, long count) throws IOException {
            parts.add(slices == LogSlices.SENDFILE ? new FileSliceRegion(file, position, count)
                    : read(file, position, count));
            return count;
        }

        /** One buffer for the whole stretch: a fetch response's slice of a partition, not a record. */
        private ByteBuf read(FileChannel file, long position, long count) throws IOException {
            int size = Math.toIntExact(count);
            ByteBuf buffer = slices == LogSlices.DIRECT_BUFFERS ? PooledByteBufAllocator.DEFAULT.directBuffer(size, size)
                    : PooledByteBufAllocator.DEFAULT.heapBuffer(size, size);
            try {
                while (buffer.isWritable()) {
                    if (buffer.writeBytes(file, position + buffer.writerIndex(), buffer.writableBytes()) < 0) {
                        throw new EOFException("The log file ends before the slice being sent: it was truncated");
                    }
                }
                return buffer;
            } catch (IOException | RuntimeException e) {
                buffer.release();
                throw e;
            }
        }

        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
