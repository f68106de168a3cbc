package io.skein.broker.kafka;

import java.nio.ByteBuffer;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.AbortedTransaction;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * The records of one partition of a Fetch response as a consumer sees them: data records in offset
 * order, control batches left out and, read committed, the batches of the aborted transactions the
 * response lists left out too, as Kafka's consumer drops them. Each record is handed over as views
 * of the response's buffer (or of its batch, decompressed one record at a time), never copied.
 */
public final class FetchedRecords {
    private FetchedRecords() {
    }

    /** A data record, valid only during the call that hands it over: copy what you keep. */
    public interface View {
        long offset();

        long timestamp();

        /** Whether the broker set the timestamp when it appended the record (else the producer did). */
        boolean logAppendTime();

        /** Null for a null key. */
        ByteBuffer key();

        /** Null for a null value (a tombstone). */
        ByteBuffer value();

        Header[] headers();
    }

    @FunctionalInterface
    public interface Visitor {
        /** @return false to stop before this record: it is not consumed */
        boolean accept(View record);
    }

    /** The bytes of record batches a Fetch response brought for the partition. */
    public static int sizeInBytes(FetchResponseData.PartitionData data) {
        return data.records() == null ? 0 : data.records().sizeInBytes();
    }

    /**
     * Hands {@code visitor} the data records at and after {@code fromOffset}, until it stops.
     *
     * @return where to read next: the offset of the record the visitor stopped at, else the offset
     *         after the last batch (or {@code fromOffset} if there was none)
     */
    public static long forEach(FetchResponseData.PartitionData data, long fromOffset, boolean readCommitted,
                               Visitor visitor) {
        MemoryRecords records = data.records() instanceof MemoryRecords memory ? memory : MemoryRecords.EMPTY;
        Aborted aborted = new Aborted(readCommitted ? data.abortedTransactions() : null);
        RecordView view = new RecordView();
        long next = fromOffset;
        for (RecordBatch batch : records.batches()) {
            // Every batch updates the aborted transactions, even one before the offset asked for.
            if (!aborted.drops(batch) && batch.lastOffset() >= next) {
                view.logAppendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME;
                try (CloseableIterator<Record> each = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
                    while (each.hasNext()) {
                        Record record = each.next();
                        if (record.offset() < next) {
                            continue;
                        }
                        view.record = record;
                        if (!visitor.accept(view)) {
                            return record.offset();
                        }
                    }
                }
            }
            next = Math.max(next, batch.nextOffset());
        }
        return next;
    }

    /**
     * The aborted transactions of a read-committed response, as Kafka's consumer tracks them: a
     * producer's batches are dropped from the first offset of its aborted transaction to its ABORT
     * marker. Nothing is dropped when reading uncommitted; control batches always are.
     */
    private static final class Aborted {
        private final PriorityQueue<AbortedTransaction> ahead =
                new PriorityQueue<>(Comparator.comparingLong(AbortedTransaction::firstOffset));
        private final Set<Long> producers = new HashSet<>();

        Aborted(List<AbortedTransaction> transactions) {
            if (transactions != null) {
                ahead.addAll(transactions);
            }
        }

        /** Whether {@code batch} is left out; it also updates whose batches are. */
        boolean drops(RecordBatch batch) {
            if (batch.isTransactional()) {
                while (!ahead.isEmpty() && ahead.peek().firstOffset() <= batch.lastOffset()) {
                    producers.add(ahead.poll().producerId());
                }
                if (batch.isControlBatch()) {
                    if (isAbortMarker(batch)) {
                        producers.remove(batch.producerId());
                    }
                    return true;
                }
                return producers.contains(batch.producerId());
            }
            return batch.isControlBatch();
        }

        private static boolean isAbortMarker(RecordBatch batch) {
            try (CloseableIterator<Record> records = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
                return records.hasNext() && ControlRecordType.parse(records.next().key()) == ControlRecordType.ABORT;
            }
        }
    }

    private static final class RecordView implements View {
        Record record;
        boolean logAppendTime;

        @Override
        public long offset() {
            return record.offset();
        }

        @Override
        public long timestamp() {
            return record.timestamp();
        }

        @Override
        public boolean logAppendTime() {
            return logAppendTime;
        }

        @Override
        public ByteBuffer key() {
            return record.hasKey() ? record.key() : null;
        }

        @Override
        public ByteBuffer value() {
            return record.hasValue() ? record.value() : null;
        }

        @Override
        public Header[] headers() {
            return record.headers();
        }
    }
}
