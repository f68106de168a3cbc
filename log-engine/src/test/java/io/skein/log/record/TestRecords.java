package io.skein.log.record;

import io.skein.log.FileSlice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Builds record batches the way a Kafka producer does, and reads them back, with kafka-clients' own
 * classes: the tests check Skein against Kafka's format implementation, not against itself.
 */
public final class TestRecords {
    /** One record as a consumer sees it. */
    public record Rec(long offset, long timestamp, String key, String value, int leaderEpoch) {
    }

    /** One batch as stored. */
    public record Batch(long baseOffset, long lastOffset, int leaderEpoch, int sizeInBytes) {
    }

    private TestRecords() {
    }

    /** An uncompressed batch of {@code values}; record i has timestamp {@code firstTimestamp + i}. */
    public static ByteBuffer batch(long firstTimestamp, String... values) {
        return batch(Compression.NONE, firstTimestamp, values);
    }

    public static ByteBuffer batch(Compression compression, long firstTimestamp, String... values) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), compression,
                TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < values.length; i++) {
            builder.append(firstTimestamp + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    values[i].getBytes(StandardCharsets.UTF_8));
        }
        return builder.build().buffer();
    }

    /**
     * A batch of {@code key0, value0, key1, value1...}, where a null key or value stays null (a null
     * value is a tombstone); record i has timestamp {@code firstTimestamp + i}.
     */
    public static ByteBuffer keyedBatch(Compression compression, long firstTimestamp, String... keysAndValues) {
        return keyed(MemoryRecords.builder(ByteBuffer.allocate(1024), compression, TimestampType.CREATE_TIME, 0L),
                firstTimestamp, keysAndValues);
    }

    /** {@link #keyedBatch} as an idempotent producer writes it, its first record numbered {@code baseSequence}. */
    public static ByteBuffer idempotentBatch(long producerId, short producerEpoch, int baseSequence, long firstTimestamp,
                                             String... keysAndValues) {
        return keyed(MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, producerId, producerEpoch, baseSequence),
                firstTimestamp, keysAndValues);
    }

    /** {@link #idempotentBatch} in a transaction: the batch has the transactional flag. */
    public static ByteBuffer transactionalBatch(long producerId, short producerEpoch, int baseSequence,
                                                long firstTimestamp, String... keysAndValues) {
        return keyed(MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, producerId, producerEpoch, baseSequence, true,
                RecordBatch.NO_PARTITION_LEADER_EPOCH), firstTimestamp, keysAndValues);
    }

    /** A COMMIT or ABORT marker as Kafka's leader writes it for the coordinator, at offset {@code offset}. */
    public static ByteBuffer marker(long offset, long producerId, short producerEpoch, int coordinatorEpoch,
                                    boolean commit, long timestamp, int leaderEpoch) {
        return MemoryRecords.withEndTransactionMarker(offset, timestamp, leaderEpoch, producerId, producerEpoch,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch))
                .buffer();
    }

    private static ByteBuffer keyed(MemoryRecordsBuilder builder, long firstTimestamp, String[] keysAndValues) {
        for (int i = 0; i < keysAndValues.length; i += 2) {
            builder.append(firstTimestamp + i / 2, utf8(keysAndValues[i]), utf8(keysAndValues[i + 1]));
        }
        return builder.build().buffer();
    }

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    /** A batch with explicit per-record timestamps. */
    public static ByteBuffer batchWithTimestamps(long[] timestamps, String... values) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < values.length; i++) {
            builder.append(timestamps[i], null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return builder.build().buffer();
    }

    /** A batch of {@code count} records of {@code valueSize} bytes each, in a direct buffer as the network layer hands it over. */
    public static ByteBuffer sizedBatch(long timestamp, int count, int valueSize) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(count * (valueSize + 32) + 128),
                Compression.NONE, TimestampType.CREATE_TIME, 0L);
        byte[] value = new byte[valueSize];
        for (int i = 0; i < count; i++) {
            value[0] = (byte) i;
            builder.append(timestamp, null, value);
        }
        ByteBuffer heap = builder.build().buffer();
        ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining());
        direct.put(heap).flip();
        return direct;
    }

    /** Several batches back to back, as one produce request carries them. */
    public static ByteBuffer concat(ByteBuffer... batches) {
        int size = 0;
        for (ByteBuffer batch : batches) {
            size += batch.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer batch : batches) {
            all.put(batch.duplicate());
        }
        return all.flip();
    }

    /** The bytes of a slice, read from its channel. */
    public static ByteBuffer bytes(FileSlice slice) {
        ByteBuffer bytes = ByteBuffer.allocate(slice.length());
        try {
            while (bytes.hasRemaining()) {
                if (slice.channel().read(bytes, slice.position() + bytes.position()) < 0) {
                    throw new IOException("slice runs past the end of its file");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.flip();
    }

    public static List<Rec> records(FileSlice slice) {
        return slice.isEmpty() ? List.of() : records(bytes(slice));
    }

    /** Parses every record a consumer sees (not markers) with kafka-clients, checking each batch's CRC on the way. */
    public static List<Rec> records(ByteBuffer buffer) {
        List<Rec> records = new ArrayList<>();
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(buffer.duplicate()).batches()) {
            batch.ensureValid();
            if (batch.isControlBatch()) {
                continue;
            }
            for (Record record : batch) {
                records.add(new Rec(record.offset(), record.timestamp(), string(record.key()), string(record.value()),
                        batch.partitionLeaderEpoch()));
            }
        }
        return records;
    }

    public static List<Batch> batches(FileSlice slice) {
        return slice.isEmpty() ? List.of() : batches(bytes(slice));
    }

    public static List<Batch> batches(ByteBuffer buffer) {
        List<Batch> batches = new ArrayList<>();
        for (RecordBatch batch : MemoryRecords.readableRecords(buffer.duplicate()).batches()) {
            batches.add(new Batch(batch.baseOffset(), batch.lastOffset(), batch.partitionLeaderEpoch(),
                    batch.sizeInBytes()));
        }
        return batches;
    }

    private static String string(ByteBuffer bytes) {
        return bytes == null ? null : StandardCharsets.UTF_8.decode(bytes.duplicate()).toString();
    }
}
