package io.skein.broker.kafka;

import io.skein.log.FileSlice;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordsSend;

/** Record sets crossing between the protocol messages and the log. */
public final class LogRecords {
    private LogRecords() {
    }

    /**
     * The bytes of a produce request's records, a view of the request buffer: the log validates
     * them and writes them as they are.
     */
    public static ByteBuffer bufferOf(BaseRecords produceRecords) {
        if (produceRecords == null) {
            return ByteBuffer.allocate(0);
        }
        if (produceRecords instanceof MemoryRecords records) {
            return records.buffer();
        }
        throw new IllegalArgumentException("Produce records are MemoryRecords, not " + produceRecords.getClass());
    }

    /** Records read from the log, sent to the socket straight from the file. */
    public static BaseRecords of(FileSlice slice) {
        return slice.isEmpty() ? MemoryRecords.EMPTY : new FileSliceRecords(slice);
    }

    /** The records of a response that has none. */
    public static BaseRecords empty() {
        return MemoryRecords.EMPTY;
    }

    private record FileSliceRecords(FileSlice slice) implements BaseRecords {
        @Override
        public int sizeInBytes() {
            return slice.length();
        }

        @Override
        public RecordsSend<FileSliceRecords> toSend() {
            return new RecordsSend<>(this, slice.length()) {
                @Override
                protected int writeTo(TransferableChannel channel, int previouslyWritten, int remaining)
                        throws IOException {
                    return (int) channel.transferFrom(slice.channel(), slice.position() + previouslyWritten, remaining);
                }
            };
        }
    }
}
