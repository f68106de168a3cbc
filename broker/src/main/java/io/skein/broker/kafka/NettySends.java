package io.skein.broker.kafka;

import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * Turns a kafka-clients {@link Send} into what Netty writes: byte buffers wrapped without copying, and
 * a {@link FileSliceRegion} for each stretch of a log file, which Netty hands to {@code sendfile}.
 */
final class NettySends {
    private NettySends() {
    }

    static List<Object> toNetty(Send send) {
        Collector collector = new Collector();
        try {
            while (!send.completed()) {
                send.writeTo(collector);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the collector does no I/O
        }
        return collector.parts;
    }

    /** A channel that accepts everything at once, recording what was written. */
    private static final class Collector implements TransferableChannel {
        final List<Object> parts = new ArrayList<>();

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
        public long transferFrom(FileChannel file, long position, long count) {
            parts.add(new FileSliceRegion(file, position, count));
            return count;
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
