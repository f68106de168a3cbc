package io.skein.log;

import io.skein.log.producer.ProducerStateManager;
import io.skein.log.producer.ProducerStateManager.BatchMetadata;
import io.skein.log.producer.ProducerStateManager.PendingAppend;
import io.skein.log.record.BatchRecompressor;
import io.skein.log.record.BatchRecords;
import io.skein.log.record.RecordBatchView;
import io.skein.log.record.TxnMarkers;
import io.skein.log.record.TxnMarkers.TxnMarker;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Checks the batches of an append before any byte of it reaches the log, so a rejected append
 * leaves the log untouched, and readies them to write, in one pass over their headers. Errors are
 * kafka-clients' own exception types, which the broker maps to Kafka error codes: CORRUPT_MESSAGE,
 * INVALID_RECORD, MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, and on the leader
 * OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE and TRANSACTION_COORDINATOR_FENCED.
 */
final class LogValidator {
    private LogValidator() {
    }

    /** What an append holds, read from its (validated) batch headers. */
    record Summary(int batchCount, int recordCount, int sizeInBytes, long firstOffset, long lastOffset,
                   long maxTimestamp, long offsetOfMaxTimestamp) {
    }

    /** What a leader's pass over an append found: batches to write, or a retry of a batch already written. */
    sealed interface LeaderBatches permits Validated, Duplicate {
    }

    /**
     * Batches ready to write: {@code records} as the log stores them, what they hold, and their
     * producers' batches, for the producer state once they are written.
     */
    record Validated(ByteBuffer records, Summary summary, PendingAppend producers) implements LeaderBatches {
    }

    /** An append that retries a batch its producer already wrote, as {@code written}: nothing is written. */
    record Duplicate(BatchMetadata written) implements LeaderBatches {
    }

    /**
     * A producer's batches, as Kafka's leader takes them; call with the log's lock held, as
     * {@code firstOffset} is its end and {@code producerState} must not change before they are written.
     * Each batch in turn is checked (magic v2, intact CRC, within {@code max.message.bytes}, not a control
     * batch unless the {@code origin} is the coordinator and it is a transaction marker, record count and offset deltas consistent with the records actually present, on a
     * compacted log a key on every record, the topic's timestamp rules), then against its producer's
     * state if it has one (after its own checks, so a corrupt batch never counts as a retry nor moves
     * its producer on; a coordinator's batch carries no sequence and is checked by epoch and
     * transaction only), then given its offsets and {@code leaderEpoch} and the topic's
     * {@code message.timestamp.type}: with {@code CreateTime} a wrong max timestamp is corrected in
     * place; with {@code LogAppendTime} the batch is stamped with {@code nowMs} in place. A batch in
     * another codec than {@code compression.type} names is rewritten. The first retried batch ends the
     * pass, before it is stamped: the append is answered with where that batch was first written.
     *
     * <p>{@code records} ends up holding the batches with their offsets, epoch and stamps, whether or
     * not they are stored rewritten.
     *
     * @return the batches to store ({@code records} itself, or, if any batch was rewritten, a new buffer
     *         of the same batches in the same order), or the batch that a retry repeats
     * @throws InvalidTimestampException     for a create time outside {@code message.timestamp.before.max.ms}
     *                                       and {@code message.timestamp.after.max.ms} of {@code nowMs}, or a
     *                                       batch whose producer claimed the append time
     * @throws InvalidProducerEpochException if a batch's producer epoch is older than its producer's
     * @throws OutOfOrderSequenceException   if a batch does not continue its producer's sequence
     * @throws org.apache.kafka.common.errors.InvalidTxnStateException if a producer's transaction is ongoing and
     *                                       its batch is not transactional
     * @throws org.apache.kafka.common.errors.TransactionCoordinatorFencedException for a marker of a
     *                                       coordinator epoch older than its producer's last marker's
     */
    static LeaderBatches validateForLeader(ByteBuffer records, LogConfig config, TopicPartition topicPartition, long nowMs,
                                           long firstOffset, int leaderEpoch, ProducerStateManager producerState,
                                           AppendOrigin origin) {
        checkTotalSize(records, config);
        BatchRecompressor recompressor = config.compressionType().equals(LogConfig.COMPRESSION_PRODUCER) ? null
                : new BatchRecompressor(config.compressionType(), config.compressionLevel());
        PendingAppend producers = new PendingAppend();
        SummaryBuilder summary = new SummaryBuilder();
        List<ByteBuffer> stored = null; // the batches as stored, from the first one rewritten on
        RecordBatchView batch = new RecordBatchView();
        RecordBatchView rewrittenBatch = new RecordBatchView();
        long nextOffset = firstOffset;
        for (int pos = records.position(); pos < records.limit(); pos += batch.sizeInBytes()) {
            checkBatch(records, pos, batch);
            if (batch.sizeInBytes() > config.maxMessageBytes()) {
                throw new RecordTooLargeException("The record batch is " + batch.sizeInBytes()
                        + " bytes, larger than max.message.bytes (" + config.maxMessageBytes() + ")");
            }
            if (batch.isControlBatch() && origin != AppendOrigin.COORDINATOR) {
                throw new InvalidRecordException("Clients may not write control batches");
            }
            if (batch.isLogAppendTime()) {
                throw new InvalidTimestampException("Invalid timestamp type in the batch at offset " + batch.baseOffset()
                        + ". Producer should not set timestamp type to LogAppendTime.");
            }
            int count = batch.recordCount();
            if (count <= 0 || count != batch.lastOffsetDelta() + 1) {
                throw new InvalidRecordException("Batch declares " + count + " records but a last offset delta of "
                        + batch.lastOffsetDelta());
            }
            long maxTimestamp = checkRecords(batch, config, topicPartition, nowMs);
            if (batch.isControlBatch()) {
                checkMarker(batch, producerState);
            } else if (batch.producerId() >= 0 && origin == AppendOrigin.COORDINATOR) {
                producerState.checkCoordinatorBatch(batch, producers);
            } else if (batch.producerId() >= 0) {
                Optional<BatchMetadata> duplicate = producerState.checkLeaderBatch(batch, producers);
                if (duplicate.isPresent()) {
                    return new Duplicate(duplicate.get());
                }
            }
            batch.setBaseOffset(nextOffset);
            batch.setPartitionLeaderEpoch(leaderEpoch);
            nextOffset = batch.nextOffset();
            if (config.logAppendTime()) {
                batch.setLogAppendTime(nowMs);
            } else if (batch.maxTimestamp() != maxTimestamp) {
                batch.setMaxTimestamp(maxTimestamp);
            }
            RecordBatchView written = batch;
            if (recompressor != null && !batch.isControlBatch() && recompressor.mustRewrite(batch)) { // as Kafka: markers stay as built
                if (stored == null) {
                    stored = new ArrayList<>();
                    stored.add(slice(records, records.position(), pos)); // the batches before, as they are
                }
                // The copy keeps the offsets and epoch just given, and stamps the append time again.
                ByteBuffer rewritten = recompressor.rewrite(batch,
                        config.logAppendTime() ? nowMs : RecordBatchView.NO_TIMESTAMP);
                stored.add(rewritten);
                written = rewrittenBatch.at(rewritten, rewritten.position());
            } else if (stored != null) {
                stored.add(slice(records, pos, pos + batch.sizeInBytes()));
            }
            summary.add(written);
            producers.add(written);
        }
        ByteBuffer toStore = stored == null ? records : concatenate(stored);
        return new Validated(toStore, summary.build(toStore.remaining()), producers);
    }

    /** A marker the coordinator has the leader write: one COMMIT or ABORT record, for a producer it may still end. */
    private static void checkMarker(RecordBatchView batch, ProducerStateManager producerState) {
        TxnMarker marker = batch.producerId() < 0 ? null : TxnMarkers.read(batch);
        if (marker == null) {
            throw new InvalidRecordException("A control batch from the coordinator must be a transaction marker");
        }
        producerState.checkMarker(batch.producerId(), batch.producerEpoch(), marker.coordinatorEpoch());
    }

    private static ByteBuffer slice(ByteBuffer records, int from, int to) {
        return records.duplicate().limit(to).position(from).slice();
    }

    private static ByteBuffer concatenate(List<ByteBuffer> batches) {
        ByteBuffer all = ByteBuffer.allocate(batches.stream().mapToInt(ByteBuffer::remaining).sum());
        batches.forEach(all::put);
        return all.flip();
    }

    /**
     * A leader's batches as a follower receives them: magic v2, intact CRC, and offsets that go up
     * from batch to batch. They may leave gaps, where the leader's cleaner removed records.
     */
    static Validated validateForFollower(ByteBuffer records, LogConfig config) {
        checkTotalSize(records, config);
        PendingAppend producers = new PendingAppend();
        SummaryBuilder summary = new SummaryBuilder();
        RecordBatchView batch = new RecordBatchView();
        long expectedBaseOffset = -1;
        for (int pos = records.position(); pos < records.limit(); pos += batch.sizeInBytes()) {
            checkBatch(records, pos, batch);
            if (batch.lastOffsetDelta() < 0) {
                throw new InvalidRecordException("Batch at offset " + batch.baseOffset()
                        + " has a negative last offset delta " + batch.lastOffsetDelta());
            }
            if (batch.baseOffset() < expectedBaseOffset) {
                throw new UnexpectedAppendOffsetException("Batch at offset " + batch.baseOffset()
                        + " does not follow the previous batch, which ended before " + expectedBaseOffset,
                        expectedBaseOffset, batch.baseOffset());
            }
            expectedBaseOffset = batch.nextOffset();
            summary.add(batch);
            producers.add(batch);
        }
        return new Validated(records, summary.build(records.remaining()), producers);
    }

    /**
     * Adds up offsets, counts and the largest timestamp of validated batches. As in Kafka's time index,
     * the offset of the largest timestamp is the last offset of the first batch that reaches it.
     */
    private static final class SummaryBuilder {
        private int batches;
        private int recordCount;
        private long firstOffset = -1;
        private long lastOffset = -1;
        private long maxTimestamp = RecordBatchView.NO_TIMESTAMP;
        private long offsetOfMaxTimestamp = -1;

        void add(RecordBatchView batch) {
            if (batches++ == 0) {
                firstOffset = batch.baseOffset();
            }
            lastOffset = batch.lastOffset();
            recordCount += batch.recordCount();
            if (batch.maxTimestamp() > maxTimestamp) {
                maxTimestamp = batch.maxTimestamp();
                offsetOfMaxTimestamp = batch.lastOffset();
            }
        }

        Summary build(int sizeInBytes) {
            return new Summary(batches, recordCount, sizeInBytes, firstOffset, lastOffset, maxTimestamp,
                    offsetOfMaxTimestamp);
        }
    }

    private static void checkTotalSize(ByteBuffer records, LogConfig config) {
        if (records.remaining() > config.segmentBytes()) {
            throw new RecordBatchTooLargeException("The append is " + records.remaining()
                    + " bytes, larger than segment.bytes (" + config.segmentBytes() + ")");
        }
    }

    /** Framing, magic, CRC and compression id of the batch at {@code pos}; points {@code batch} at it. */
    private static void checkBatch(ByteBuffer records, int pos, RecordBatchView batch) {
        int remaining = records.limit() - pos;
        if (remaining < RecordBatchView.LOG_OVERHEAD + 5) {
            throw new CorruptRecordException("Records end with a truncated batch header of " + remaining + " bytes");
        }
        batch.at(records, pos);
        int size = batch.sizeInBytes();
        if (size > remaining) {
            throw new CorruptRecordException("Batch declares " + size + " bytes but only " + remaining + " remain");
        }
        if (batch.magic() != RecordBatchView.MAGIC_V2) {
            throw new InvalidRecordException("Batch has magic " + batch.magic() + "; Skein stores only v2 batches");
        }
        if (size < RecordBatchView.HEADER_SIZE) {
            throw new CorruptRecordException("Batch declares " + size + " bytes, less than a v2 batch header ("
                    + RecordBatchView.HEADER_SIZE + ")");
        }
        if (!batch.isCrcValid()) {
            throw new CorruptRecordException("Batch at offset " + batch.baseOffset() + " is corrupt (stored crc = "
                    + Integer.toUnsignedString(batch.storedCrc()) + ", computed crc = "
                    + Integer.toUnsignedString(batch.computeCrc()) + ")");
        }
        if (batch.compressionId() > BatchRecords.MAX_COMPRESSION_ID) {
            throw new InvalidRecordException("Batch has unknown compression type id " + batch.compressionId());
        }
    }

    /**
     * Walks the records of a producer's batch, checking offset deltas, keys on a compacted log, create
     * times against the topic's bounds and decompressed sizes; returns their largest timestamp.
     */
    private static long checkRecords(RecordBatchView batch, LogConfig config, TopicPartition topicPartition, long nowMs) {
        long[] maxTimestamp = {RecordBatchView.NO_TIMESTAMP};
        int[] expectedDelta = {0};
        boolean checkTimestamps = !config.logAppendTime();
        long earliest = saturatedSubtract(nowMs, config.timestampBeforeMaxMs());
        long latest = saturatedAdd(nowMs, config.timestampAfterMaxMs());
        BatchRecords.walk(batch, config.maxDecompressedMessageBytes(), (offsetDelta, timestamp, hasKey) -> {
            if (offsetDelta != expectedDelta[0]) {
                throw new InvalidRecordException("Record " + expectedDelta[0] + " has offset delta " + offsetDelta);
            }
            if (config.compact() && !hasKey) {
                throw new InvalidRecordException("Compacted topic cannot accept message without key in topic partition "
                        + topicPartition + ".");
            }
            if (checkTimestamps && timestamp != RecordBatchView.NO_TIMESTAMP && (timestamp < earliest || timestamp > latest)) {
                throw new InvalidTimestampException("Timestamp " + timestamp + " of message with offset "
                        + (batch.baseOffset() + offsetDelta) + " is out of range. The timestamp should be within ["
                        + earliest + ", " + latest + "]");
            }
            expectedDelta[0]++;
            maxTimestamp[0] = Math.max(maxTimestamp[0], timestamp);
            return true;
        });
        if (expectedDelta[0] != batch.recordCount()) {
            throw new InvalidRecordException("Batch declares " + batch.recordCount() + " records but holds "
                    + expectedDelta[0]);
        }
        return maxTimestamp[0];
    }

    private static long saturatedSubtract(long a, long b) {
        long result = a - b;
        return ((a ^ b) & (a ^ result)) < 0 ? Long.MIN_VALUE : result;
    }

    private static long saturatedAdd(long a, long b) {
        long result = a + b;
        return ((a ^ result) & (b ^ result)) < 0 ? Long.MAX_VALUE : result;
    }
}
