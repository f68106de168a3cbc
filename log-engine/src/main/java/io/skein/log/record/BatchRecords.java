package io.skein.log.record;

import java.nio.ByteBuffer;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * Walks the records inside one v2 batch, checking their framing as it goes.
 *
 * <p>Uncompressed batches, the common case on the append path, are walked in place by decoding the
 * varint fields, allocating nothing per record. Compressed batches are decompressed by kafka-clients,
 * whose codecs Skein reuses; this package is the only place the log engine touches kafka-clients'
 * internal record classes.
 */
public final class BatchRecords {
    /**
     * Receives each record's offset delta, timestamp and whether it has a key (a compacted log needs
     * one); returns false to stop the walk early.
     */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(int offsetDelta, long timestamp, boolean hasKey);
    }

    /** The highest compression id Kafka defines (zstd). */
    public static final int MAX_COMPRESSION_ID = 4;

    private BatchRecords() {
    }

    /**
     * Visits the records of {@code batch} in order. The batch's header must already be known to fit
     * in its buffer and its compression id to be known.
     *
     * @throws InvalidRecordException if the records do not match the batch's declared count and size
     */
    public static void walk(RecordBatchView batch, Visitor visitor) {
        walk(batch, Integer.MAX_VALUE, visitor);
    }

    /**
     * {@link #walk(RecordBatchView, Visitor)}, refusing a compressed batch that holds a record of more
     * than {@code maxDecompressedRecordBytes} ({@code max.decompressed.message.bytes}).
     *
     * @throws InvalidRecordException also for such a record
     */
    public static void walk(RecordBatchView batch, int maxDecompressedRecordBytes, Visitor visitor) {
        if (batch.isCompressed()) {
            walkCompressed(batch, maxDecompressedRecordBytes, visitor);
        } else {
            walkUncompressed(batch, visitor);
        }
    }

    private static void walkUncompressed(RecordBatchView batch, Visitor visitor) {
        int count = batch.recordCount();
        int batchEnd = batch.start() + batch.sizeInBytes();
        long baseTimestamp = batch.baseTimestamp();
        Varints in = new Varints(batch.buffer(), batch.recordsStart(), batchEnd);
        for (int i = 0; i < count; i++) {
            if (in.position() >= batchEnd) {
                throw new InvalidRecordException("Batch declares " + count + " records but holds only " + i);
            }
            int length = in.readVarint();
            if (length < 0 || length > batchEnd - in.position()) {
                throw new InvalidRecordException("Record " + i + " has invalid size " + length);
            }
            int recordEnd = in.position() + length;
            in.limitTo(recordEnd);
            in.skip(1); // attributes: unused in v2
            long timestampDelta = in.readVarlong();
            int offsetDelta = in.readVarint();
            boolean hasKey = in.skipNullableBytes("key");
            in.skipNullableBytes("value");
            int headerCount = in.readVarint();
            if (headerCount < 0) {
                throw new InvalidRecordException("Record " + i + " has invalid header count " + headerCount);
            }
            for (int h = 0; h < headerCount; h++) {
                int keyLength = in.readVarint();
                if (keyLength < 0) {
                    throw new InvalidRecordException("Record " + i + " has a header with a null key");
                }
                in.skip(keyLength);
                in.skipNullableBytes("header value");
            }
            if (in.position() != recordEnd) {
                throw new InvalidRecordException("Record " + i + " declares " + length + " bytes but its fields take "
                        + (in.position() - (recordEnd - length)));
            }
            in.limitTo(batchEnd);
            long timestamp = batch.isLogAppendTime() ? batch.maxTimestamp() : baseTimestamp + timestampDelta;
            if (!visitor.visit(offsetDelta, timestamp, hasKey)) {
                return;
            }
        }
        if (in.position() != batchEnd) {
            throw new InvalidRecordException("Batch has " + (batchEnd - in.position())
                    + " bytes after its " + count + " declared records");
        }
    }

    private static void walkCompressed(RecordBatchView batch, int maxRecordBytes, Visitor visitor) {
        MutableRecordBatch kafkaBatch = kafkaBatch(batch);
        long baseOffset = kafkaBatch.baseOffset();
        try (CloseableIterator<Record> records = kafkaBatch.skipKeyValueIterator(BufferSupplier.NO_CACHING)) {
            while (records.hasNext()) {
                Record record = records.next();
                if (record.sizeInBytes() > maxRecordBytes) {
                    throw new InvalidRecordException("Record at offset " + record.offset() + " is "
                            + record.sizeInBytes() + " bytes decompressed, more than max.decompressed.message.bytes ("
                            + maxRecordBytes + ")");
                }
                if (!visitor.visit((int) (record.offset() - baseOffset), record.timestamp(), record.hasKey())) {
                    return;
                }
            }
        } catch (InvalidRecordException e) {
            throw e;
        } catch (KafkaException | IllegalArgumentException | IllegalStateException
                 | java.nio.BufferUnderflowException e) {
            throw new InvalidRecordException("Cannot read compressed batch at offset " + baseOffset + ": " + e, e);
        }
    }

    /** kafka-clients' view of the same batch, for its codecs. */
    static MutableRecordBatch kafkaBatch(RecordBatchView batch) {
        ByteBuffer bytes = batch.buffer().duplicate();
        bytes.limit(batch.start() + batch.sizeInBytes()).position(batch.start());
        return MemoryRecords.readableRecords(bytes.slice()).batches().iterator().next();
    }

    /** A bounded cursor decoding Kafka's zig-zag varints; overruns are invalid records, not crashes. */
    private static final class Varints {
        private final ByteBuffer buffer;
        private int position;
        private int limit;

        Varints(ByteBuffer buffer, int position, int limit) {
            this.buffer = buffer;
            this.position = position;
            this.limit = limit;
        }

        int position() {
            return position;
        }

        void limitTo(int limit) {
            this.limit = limit;
        }

        void skip(int n) {
            if (n > limit - position) {
                throw new InvalidRecordException("Record field of " + n + " bytes overruns its record");
            }
            position += n;
        }

        /** Skips a length-prefixed field; returns false if it is null (length -1). */
        boolean skipNullableBytes(String field) {
            int length = readVarint();
            if (length < -1) {
                throw new InvalidRecordException("Record " + field + " has invalid length " + length);
            }
            if (length > 0) {
                skip(length);
            }
            return length >= 0;
        }

        int readVarint() {
            long raw = readUnsigned(5);
            if (raw > 0xFFFFFFFFL) {
                throw new InvalidRecordException("Varint overflows 32 bits");
            }
            int value = (int) raw;
            return (value >>> 1) ^ -(value & 1);
        }

        long readVarlong() {
            long raw = readUnsigned(10);
            return (raw >>> 1) ^ -(raw & 1);
        }

        private long readUnsigned(int maxBytes) {
            long value = 0;
            for (int i = 0; i < maxBytes; i++) {
                if (position >= limit) {
                    throw new InvalidRecordException("Varint overruns its record");
                }
                byte b = buffer.get(position++);
                value |= (long) (b & 0x7F) << (7 * i);
                if (b >= 0) {
                    return value;
                }
            }
            throw new InvalidRecordException("Varint longer than " + maxBytes + " bytes");
        }
    }
}
