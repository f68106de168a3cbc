package io.skein.broker.kafka;

import io.skein.log.FileSlice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.RecordsSend;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.utils.Utils;

/** Record sets crossing between the protocol messages and the log. */
public final class LogRecords {
    private LogRecords() {
    }

    /** A record the broker writes itself: a key and a value, null for a tombstone. */
    public record KeyValue(byte[] key, byte[] value) {
    }

    /**
     * Receives a read of a coordinator's partition, in offset order: its data records and the markers
     * that end the transactions among them.
     */
    public interface RecordVisitor {
        /**
         * A data record; a tombstone's value is null.
         *
         * @param producerId the producer of the record's batch if the batch is transactional, else
         *                   {@link #NO_PRODUCER_ID}
         */
        void record(long offset, long producerId, ByteBuffer key, ByteBuffer value);

        /** A COMMIT ({@code commit}) or ABORT marker of the producer's transaction. */
        void marker(long producerId, boolean commit);
    }

    /** The producer id of records written by no producer, as Kafka's batches say it. */
    public static final long NO_PRODUCER_ID = RecordBatch.NO_PRODUCER_ID;

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

    /** Whether a produce request's records hold a transactional batch (headers only are read). */
    public static boolean hasTransactionalBatch(BaseRecords produceRecords) {
        return transactionalProducer(produceRecords).isPresent();
    }

    /** A transactional producer, as its batches name it, and the sequence its batch starts at. */
    public record TransactionalProducer(long producerId, short producerEpoch, int baseSequence) {
        /** A coordinator's own transactional write, which starts at sequence 0 as Kafka's do. */
        public TransactionalProducer(long producerId, short producerEpoch) {
            this(producerId, producerEpoch, 0);
        }
    }

    /** The producer of the first transactional batch of a produce request's records, if any (headers only are read). */
    public static Optional<TransactionalProducer> transactionalProducer(BaseRecords produceRecords) {
        if (produceRecords instanceof MemoryRecords records) {
            for (RecordBatch batch : records.batches()) {
                if (batch.isTransactional()) {
                    return Optional.of(new TransactionalProducer(batch.producerId(), batch.producerEpoch(),
                            batch.baseSequence()));
                }
            }
        }
        return Optional.empty();
    }

    /** A transaction's outcome as the log takes it: commit or abort. */
    public static TransactionResult transactionResult(boolean commit) {
        return TransactionResult.forId(commit);
    }

    /** Records read from the log, sent to the socket straight from the file. */
    public static BaseRecords of(FileSlice slice) {
        return slice.isEmpty() ? MemoryRecords.EMPTY : new FileSliceRecords(slice);
    }

    /** The records of a response that has none. */
    public static BaseRecords empty() {
        return MemoryRecords.EMPTY;
    }

    /** One uncompressed batch of {@code records}, for the log to assign offsets to as leader. */
    public static ByteBuffer batchOf(long timestamp, List<KeyValue> records) {
        SimpleRecord[] simple = records.stream().map(r -> new SimpleRecord(timestamp, r.key(), r.value()))
                .toArray(SimpleRecord[]::new);
        return MemoryRecords.withRecords(Compression.NONE, simple).buffer();
    }

    /**
     * One uncompressed transactional batch of {@code records} by {@code producer}, for the log to
     * assign offsets to as a coordinator writes it: with sequence 0, as Kafka's coordinators write
     * theirs, which the log does not check for a coordinator.
     */
    public static ByteBuffer transactionalBatchOf(long timestamp, TransactionalProducer producer, List<KeyValue> records) {
        SimpleRecord[] simple = records.stream().map(r -> new SimpleRecord(timestamp, r.key(), r.value()))
                .toArray(SimpleRecord[]::new);
        return MemoryRecords.withTransactionalRecords(Compression.NONE, producer.producerId(), producer.producerEpoch(),
                0, simple).buffer();
    }

    /**
     * Visits the records and transaction markers of {@code slice}, read from the log; other control
     * batches are skipped.
     *
     * @return the offset after the last batch read
     */
    public static long forEachRecord(FileSlice slice, long nextOffset, RecordVisitor visitor) {
        ByteBuffer bytes = ByteBuffer.allocate(slice.length());
        try {
            Utils.readFully(slice.channel(), bytes, slice.position());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytes.flip();
        for (RecordBatch batch : MemoryRecords.readableRecords(bytes).batches()) {
            long producerId = batch.isTransactional() ? batch.producerId() : NO_PRODUCER_ID;
            for (Record record : batch) {
                if (record.offset() < nextOffset) {
                    continue;
                }
                if (!batch.isControlBatch()) {
                    visitor.record(record.offset(), producerId, record.key(), record.hasValue() ? record.value() : null);
                } else if (batch.isTransactional()) {
                    ControlRecordType type = ControlRecordType.parse(record.key());
                    if (type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT) {
                        visitor.marker(producerId, type == ControlRecordType.COMMIT);
                    }
                }
            }
            nextOffset = Math.max(nextOffset, batch.nextOffset());
        }
        return nextOffset;
    }

    /** The topics a consumer group member subscribes to, from its metadata for the "consumer" protocol. */
    public static Set<String> subscribedTopics(ByteBuffer consumerProtocolMetadata) {
        return Set.copyOf(ConsumerProtocol.deserializeSubscription(consumerProtocolMetadata.duplicate()).topics());
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
