package io.skein.log.record;

import java.nio.ByteBuffer;
import java.util.Iterator;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;

/**
 * Transaction markers: the control batches that end a producer's transaction, one record each, whose
 * key says COMMIT or ABORT and whose value carries the epoch of the coordinator that wrote it. Built
 * and read with kafka-clients' own classes, as Kafka's leader writes them for WriteTxnMarkers.
 */
public final class TxnMarkers {
    /** What a marker says: whether its transaction was aborted, and by which coordinator epoch. */
    public record TxnMarker(boolean aborted, int coordinatorEpoch) {
    }

    private TxnMarkers() {
    }

    /**
     * The marker of a control batch, which must be whole in its buffer; null if it holds none: the
     * cleaner may leave a marker's batch empty, and other control records end no transaction.
     */
    public static TxnMarker read(RecordBatchView batch) {
        if (batch.recordCount() == 0) {
            return null;
        }
        ByteBuffer bytes = batch.buffer().duplicate().limit(batch.start() + batch.sizeInBytes()).position(batch.start())
                .slice();
        Iterator<Record> records = MemoryRecords.readableRecords(bytes).batches().iterator().next().iterator();
        if (!records.hasNext()) {
            return null;
        }
        Record record = records.next();
        ControlRecordType type = ControlRecordType.parse(record.key());
        if (type != ControlRecordType.ABORT && type != ControlRecordType.COMMIT) {
            return null;
        }
        return new TxnMarker(type == ControlRecordType.ABORT, EndTransactionMarker.deserialize(record).coordinatorEpoch());
    }

    /** A marker batch at offset 0, to be given its offset by the leader's append. */
    public static ByteBuffer build(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                                   long timestamp, int leaderEpoch) {
        EndTransactionMarker marker = new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
                coordinatorEpoch);
        return MemoryRecords.withEndTransactionMarker(0L, timestamp, leaderEpoch, producerId, producerEpoch, marker)
                .buffer();
    }
}
