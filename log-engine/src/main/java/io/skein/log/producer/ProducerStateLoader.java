package io.skein.log.producer;

import io.skein.log.index.AbortedTxn;
import io.skein.log.producer.ProducerSnapshots.CorruptSnapshotException;
import io.skein.log.producer.ProducerStateManager.ProducerStateEntry;
import io.skein.log.record.RecordBatchView;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a log's producer state from its newest usable snapshot and the batches after it, as Kafka's
 * log loading does: when the log is opened (after recovery) and after a truncation.
 */
public final class ProducerStateLoader {
    private static final Logger log = LoggerFactory.getLogger(ProducerStateLoader.class);

    /** Reads batch headers from an offset to the log end, as the log's {@code forEachBatchHeader}. */
    @FunctionalInterface
    public interface BatchHeaders {
        void forEachFrom(long fromOffset, Consumer<RecordBatchView> visitor);
    }

    /** The state loaded, and the offset of the snapshot it started from (empty: a scan of the whole log). */
    public record Loaded(ProducerStateManager state, OptionalLong snapshotOffset) {
    }

    /**
     * Transaction indexes a load rebuilds (those recovery emptied): each transaction aborted by a marker
     * at or after {@code fromOffset} goes to {@code index}. An abort's entry needs where its transaction
     * began, which only the producer state knows, so the load replays from no later than there.
     */
    public record TxnIndexRebuild(long fromOffset, Consumer<AbortedTxn> index) {
        public static final TxnIndexRebuild NONE = new TxnIndexRebuild(Long.MAX_VALUE, txn -> { });
    }

    private ProducerStateLoader() {
    }

    /**
     * First deletes the snapshots the log cannot use: above {@code logEndOffset} (left by a run whose
     * tail recovery or a truncation cut) and below {@code firstSegmentBaseOffset} (their batches after
     * them are gone). Then takes the newest remaining snapshot at or below {@code rebuild}'s offset,
     * deleting with a warning any that cannot be read, and replays the batch headers from its offset; with none, from {@code logStartOffset},
     * which reads the whole log. A snapshot never fails the load.
     *
     * @throws IOException if the directory cannot be listed or a deletion fails: the disk is failing
     */
    public static Loaded load(Path dir, String partition, long firstSegmentBaseOffset, long logStartOffset,
                              long logEndOffset, BatchHeaders headers, TxnIndexRebuild rebuild) throws IOException {
        int stale = ProducerSnapshots.deleteOutside(dir, firstSegmentBaseOffset, logEndOffset);
        if (stale > 0) {
            log.info("Deleted {} producer snapshots of {} outside its log [{}, {}]", stale, partition,
                    firstSegmentBaseOffset, logEndOffset);
        }
        for (long offset : ProducerSnapshots.offsets(dir).headSet(rebuild.fromOffset(), true).descendingSet()) {
            List<ProducerStateEntry> entries;
            try {
                entries = ProducerSnapshots.read(dir, offset);
            } catch (IOException e) {
                log.warn("Deleting the producer snapshot at offset {} of {}: {}; trying an older one", offset,
                        partition, e instanceof CorruptSnapshotException ? e.getMessage() : e.toString());
                deleteQuietly(dir, offset, partition);
                continue;
            }
            ProducerStateManager state = new ProducerStateManager(partition, entries);
            replay(state, headers, offset, rebuild);
            log.debug("Loaded {} producers of {} from the snapshot at offset {} and the batches after it",
                    entries.size(), partition, offset);
            return new Loaded(state, OptionalLong.of(offset));
        }
        ProducerStateManager state = new ProducerStateManager(partition);
        replay(state, headers, logStartOffset, rebuild);
        return new Loaded(state, OptionalLong.empty());
    }

    private static void replay(ProducerStateManager state, BatchHeaders headers, long fromOffset, TxnIndexRebuild rebuild) {
        headers.forEachFrom(fromOffset, batch -> state.update(batch)
                .filter(aborted -> aborted.lastOffset() >= rebuild.fromOffset()).ifPresent(rebuild.index()));
    }

    /** A snapshot left behind is only tried, and failed, again at the next load. */
    private static void deleteQuietly(Path dir, long offset, String partition) {
        try {
            ProducerSnapshots.delete(dir, offset);
        } catch (IOException e) {
            log.warn("Cannot delete the producer snapshot at offset {} of {}", offset, partition, e);
        }
    }
}
