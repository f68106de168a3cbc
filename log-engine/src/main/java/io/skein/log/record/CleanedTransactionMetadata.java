package io.skein.log.record;

import io.skein.log.index.AbortedTxn;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The transactions a clean walks through, batch by batch in offset order, as Kafka's cleaner tracks
 * them: which batches belong to an aborted transaction (their records go), and which markers may go
 * because no batch of their transaction is left (once past their delete horizon). The aborted
 * transactions come from the log's transaction indexes; an ABORT marker kept while its transaction's
 * batches were still seen keeps its entry in the cleaned segment's index ({@code cleanedIndex}).
 */
public final class CleanedTransactionMetadata {
    private final PriorityQueue<AbortedTxn> abortedTransactions =
            new PriorityQueue<>(Comparator.comparingLong(AbortedTxn::firstOffset));
    /** Producer id to its aborted transaction under way in the walk, and whether a batch of it was seen. */
    private final Map<Long, OngoingAborted> ongoingAbortedTxns = new HashMap<>();
    /** Producers with a batch seen of a transaction not aborted, whose COMMIT marker is yet to come. */
    private final Set<Long> ongoingCommittedTxns = new HashSet<>();
    private Consumer<AbortedTxn> cleanedIndex = txn -> { };

    private static final class OngoingAborted {
        final AbortedTxn txn;
        boolean batchSeen;

        OngoingAborted(AbortedTxn txn) {
            this.txn = txn;
        }
    }

    /** Adds aborted transactions the walk is about to reach (an overlap with ones added before is harmless). */
    public void addAbortedTransactions(Collection<AbortedTxn> aborted) {
        abortedTransactions.addAll(aborted);
    }

    /** Where the entries of the aborted transactions whose markers stay go: the index of the segment being written. */
    public void cleanedIndex(Consumer<AbortedTxn> index) {
        this.cleanedIndex = index;
    }

    /**
     * A data batch in the walk.
     *
     * @return whether it belongs to an aborted transaction: its records may all go
     */
    boolean onBatchRead(RecordBatch batch) {
        consumeAbortedTxnsUpTo(batch.lastOffset());
        if (!batch.isTransactional()) {
            return false;
        }
        OngoingAborted aborted = ongoingAbortedTxns.get(batch.producerId());
        if (aborted != null) {
            aborted.batchSeen = true;
            return true;
        }
        ongoingCommittedTxns.add(batch.producerId());
        return false;
    }

    /**
     * A control batch in the walk.
     *
     * @return whether it may go (after its delete horizon): no batch of its transaction was seen, so
     *         none is left for it to decide
     */
    boolean onControlBatchRead(RecordBatch batch) {
        consumeAbortedTxnsUpTo(batch.lastOffset());
        Iterator<Record> records = batch.iterator();
        if (!records.hasNext()) {
            return true; // already emptied by an earlier clean
        }
        ControlRecordType type = ControlRecordType.parse(records.next().key());
        long producerId = batch.producerId();
        if (type == ControlRecordType.ABORT) {
            OngoingAborted aborted = ongoingAbortedTxns.remove(producerId);
            if (aborted != null && aborted.batchSeen) {
                cleanedIndex.accept(aborted.txn);
                return false;
            }
            return true;
        }
        if (type == ControlRecordType.COMMIT) {
            return !ongoingCommittedTxns.remove(producerId);
        }
        return false;
    }

    private void consumeAbortedTxnsUpTo(long offset) {
        while (!abortedTransactions.isEmpty() && abortedTransactions.peek().firstOffset() <= offset) {
            AbortedTxn txn = abortedTransactions.poll();
            ongoingAbortedTxns.putIfAbsent(txn.producerId(), new OngoingAborted(txn));
        }
    }
}
