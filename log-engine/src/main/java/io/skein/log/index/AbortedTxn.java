package io.skein.log.index;

/**
 * An aborted transaction, as Kafka's transaction index records it: its producer, its first offset,
 * the offset of its ABORT marker, and the last stable offset once that marker was written (the first
 * offset of the next transaction still ongoing, or the offset after the marker). A read_committed
 * fetch gets the producer id and first offset of each aborted transaction its range overlaps, and
 * its consumer drops their records.
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
}
