package io.skein.log.record;

import java.nio.ByteBuffer;
import java.util.Locale;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * Rewrites a batch in the codec a topic's {@code compression.type} names, as Kafka's leader does when
 * that codec differs from the producer's: the same records, offsets, producer id, epoch and sequence,
 * in one new batch. The codecs are kafka-clients' own.
 */
public final class BatchRecompressor {
    private final Compression compression;

    /**
     * @param codec Kafka's name of the target codec: {@code uncompressed}, {@code gzip}, {@code snappy},
     *              {@code lz4} or {@code zstd}
     * @param level the codec's level, for those that have one
     */
    public BatchRecompressor(String codec, int level) {
        String name = codec.toLowerCase(Locale.ROOT);
        this.compression = switch (name) {
            case "uncompressed" -> Compression.NONE;
            case "gzip" -> Compression.gzip().level(level).build();
            case "lz4" -> Compression.lz4().level(level).build();
            case "zstd" -> Compression.zstd().level(level).build();
            case "snappy" -> Compression.snappy().build();
            default -> throw new IllegalArgumentException("Unknown codec " + codec);
        };
    }

    /** Whether {@code batch} is in another codec than this one's, so that it must be rewritten. */
    public boolean mustRewrite(RecordBatchView batch) {
        return batch.compressionId() != compression.type().id;
    }

    /**
     * The records of {@code batch}, a validated v2 batch, in a new batch of this codec.
     *
     * @param logAppendTime the leader's append time to stamp, or {@link RecordBatchView#NO_TIMESTAMP} to
     *                      keep the records' create times
     * @throws InvalidRecordException if the records cannot be read
     */
    public ByteBuffer rewrite(RecordBatchView batch, long logAppendTime) {
        MutableRecordBatch source = BatchRecords.kafkaBatch(batch);
        boolean appendTime = logAppendTime != RecordBatchView.NO_TIMESTAMP;
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(batch.sizeInBytes()),
                RecordBatchView.MAGIC_V2, compression, appendTime ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME,
                source.baseOffset(), logAppendTime, source.producerId(), source.producerEpoch(), source.baseSequence(),
                source.isTransactional(), source.partitionLeaderEpoch());
        try (CloseableIterator<Record> records = source.streamingIterator(BufferSupplier.NO_CACHING)) {
            while (records.hasNext()) {
                Record record = records.next();
                builder.appendWithOffset(record.offset(), record);
            }
        } catch (KafkaException | IllegalArgumentException | IllegalStateException e) {
            throw new InvalidRecordException("Cannot recompress the batch at offset " + source.baseOffset() + ": " + e, e);
        }
        return builder.build().buffer();
    }
}
