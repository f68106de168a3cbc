package io.skein.log.record;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongPredicate;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecords.RecordFilter.BatchRetention;
import org.apache.kafka.common.record.internal.MemoryRecords.RecordFilter.BatchRetentionResult;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * The record-level rules of log compaction, applied with kafka-clients' own record classes: first
 * {@link #learnKeys} maps each key of a log's dirty records to its latest offset, then
 * {@link #filter} rewrites batches keeping what compaction keeps, as Kafka's cleaner does:
 * <ul>
 *   <li>a record is kept unless a later record with the same key (compared as bytes) is mapped;</li>
 *   <li>a tombstone (null value) is kept until its batch's delete horizon: the first filter that
 *       keeps it stamps the batch with now + {@code delete.retention.ms} ({@code filterTo} does);</li>
 *   <li>records without a key go: a compacted log refuses them, so they predate the policy;</li>
 *   <li>the records of aborted transactions go, whatever their keys, and are never mapped;</li>
 *   <li>a transaction marker stays until no batch of its transaction is left and then until its
 *       batch's delete horizon (set by the first filter that finds it so, as for tombstones);</li>
 *   <li>a batch the caller names stays at least as an empty header, with its offsets, producer id,
 *       epoch and sequence numbers.</li>
 * </ul>
 * Batches keep their base and last offsets, and records their offsets, so a cleaned log has gaps.
 */
public final class CompactionFilter {
    private final Map<ByteBuffer, Long> latestOffsets = new HashMap<>();
    private final BufferSupplier decompression = BufferSupplier.create();

    /**
     * What {@link #filter} made of a chunk of batches.
     *
     * @param bytesRead              the bytes of the input it consumed, whole batches; less than all if the
     *                               output outgrew the destination (call again for the rest)
     * @param output                 the kept batches, ready to read
     * @param recordsRead            records seen
     * @param recordsKept            records kept
     * @param earliestDeleteHorizonMs when the first kept tombstone may go, or {@link Long#MAX_VALUE} if none was kept
     */
    public record Filtered(int bytesRead, ByteBuffer output, int recordsRead, int recordsKept,
                           long earliestDeleteHorizonMs) {
    }

    /**
     * Maps the key of every record at or above {@code fromOffset} in the whole batches of
     * {@code batches} to its offset, later records winning; records of aborted transactions
     * ({@code txns}, which follows the walk) are left out.
     *
     * @return the bytes of the whole batches read; a trailing partial batch is left for the next call
     */
    public int learnKeys(ByteBuffer batches, long fromOffset, CleanedTransactionMetadata txns) {
        int bytesRead = 0;
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches.slice()).batches()) {
            bytesRead += batch.sizeInBytes();
            if (batch.isControlBatch()) {
                txns.onControlBatchRead(batch);
                continue;
            }
            if (txns.onBatchRead(batch) || batch.lastOffset() < fromOffset) {
                continue;
            }
            try (CloseableIterator<Record> records = batch.streamingIterator(decompression)) {
                while (records.hasNext()) {
                    Record record = records.next();
                    if (record.hasKey() && record.offset() >= fromOffset) {
                        ByteBuffer key = record.key();
                        if (latestOffsets.replace(key, record.offset()) == null) {
                            latestOffsets.put(ByteBuffer.allocate(key.remaining()).put(key).flip(), record.offset());
                        }
                    }
                }
            }
        }
        return bytesRead;
    }

    /** How many distinct keys {@link #learnKeys} has seen. */
    public int keyCount() {
        return latestOffsets.size();
    }

    /**
     * Writes what compaction keeps of the whole batches of {@code batches} into {@code destination}
     * (or a larger buffer, if it does not fit).
     *
     * @param keepHeader whether a batch, named by its last offset, must stay at least as an empty header
     * @param txns       the transactions of the walk, which reaches these batches next
     */
    public Filtered filter(ByteBuffer batches, ByteBuffer destination, long nowMs, long deleteRetentionMs,
                           LongPredicate keepHeader, CleanedTransactionMetadata txns) {
        long[] earliestDeleteHorizon = {Long.MAX_VALUE};
        MemoryRecords.RecordFilter rules = new MemoryRecords.RecordFilter(nowMs, deleteRetentionMs) {
            /** Whether every record of the current batch goes: an aborted one's, or a marker past its horizon. */
            private boolean discardBatchRecords;

            @Override
            protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
                boolean canDiscard = batch.isControlBatch() ? txns.onControlBatchRead(batch) : txns.onBatchRead(batch);
                discardBatchRecords = canDiscard;
                if (canDiscard && batch.isControlBatch()) {
                    long deleteHorizon = batch.deleteHorizonMs().orElse(currentTime + deleteRetentionMs);
                    discardBatchRecords = deleteHorizon <= currentTime;
                    if (!discardBatchRecords) {
                        earliestDeleteHorizon[0] = Math.min(earliestDeleteHorizon[0], deleteHorizon);
                    }
                }
                BatchRetention retention = keepHeader.test(batch.lastOffset()) ? BatchRetention.RETAIN_EMPTY
                        : discardBatchRecords ? BatchRetention.DELETE : BatchRetention.DELETE_EMPTY;
                // The second argument has filterTo stamp a marker's batch with its delete horizon.
                return new BatchRetentionResult(retention, canDiscard && batch.isControlBatch());
            }

            @Override
            protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
                if (discardBatchRecords) {
                    return false;
                }
                if (batch.isControlBatch()) {
                    return true;
                }
                if (!record.hasKey()) {
                    return false;
                }
                Long latest = latestOffsets.get(record.key());
                if (latest != null && record.offset() < latest) {
                    return false;
                }
                if (record.hasValue()) {
                    return true;
                }
                long deleteHorizon = batch.deleteHorizonMs().orElse(currentTime + deleteRetentionMs);
                if (currentTime >= deleteHorizon) {
                    return false;
                }
                earliestDeleteHorizon[0] = Math.min(earliestDeleteHorizon[0], deleteHorizon);
                return true;
            }
        };
        MemoryRecords.FilterResult result = MemoryRecords.readableRecords(batches.slice())
                .filterTo(rules, destination.clear(), decompression, Records.SOFT_MAX_ARRAY_LENGTH);
        return new Filtered(result.bytesRead(), result.outputBuffer().flip(), result.messagesRead(),
                result.messagesRetained(), earliestDeleteHorizon[0]);
    }
}
