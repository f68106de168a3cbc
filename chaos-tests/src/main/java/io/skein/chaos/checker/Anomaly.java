package io.skein.chaos.checker;

import java.util.Locale;

/**
 * A violation a run showed: one of Jepsen's Kafka anomaly classes, found in the history, or replicas
 * that diverged, found on disk.
 *
 * @param value   the value it concerns, if one
 * @param process the producer or consumer it concerns, if one
 * @param detail  what was seen, for a person reading the report
 */
public record Anomaly(Kind kind, int partition, long offset, String value, String process, String detail) {
    public enum Kind {
        /**
         * Acknowledged (a send's acknowledgement, a transaction's commit), but absent from the final read
         * of its partition: an assign() reader that read it to its end after every fault had healed.
         */
        LOST,
        /** Acknowledged to a partition that no final read covered: neither kept nor lost is known. */
        UNREAD,
        /** One value at two offsets (or partitions). */
        DUPLICATED,
        /** One offset holding two values, across sends and reads. */
        INCONSISTENT,
        /** A producer's acknowledged offsets in one partition did not increase. */
        NONMONOTONIC_SEND,
        /** A consumer read an offset at or below one it had read before, without a new assignment. */
        NONMONOTONIC_POLL,
        /** A consumer jumped over offsets that exist, without a new assignment. */
        POLL_SKIP,
        /** A value read that no producer ever sent. */
        UNEXPECTED,
        /**
         * A value read whose write certainly did not happen: its transaction was aborted (or never asked to
         * commit), yet a consumer saw it. Jepsen's G1a; read_committed consumers must never.
         */
        ABORTED_READ,
        /**
         * A transaction (committed, or of unknown outcome) that a reader saw in part: it read past every offset
         * the transaction wrote, in every partition, yet saw some of its values and not the others. Either all
         * of a transaction is visible or none of it.
         */
        TORN,
        /**
         * A value consumed by two committed consume-transform-produce transactions: its offset, committed
         * with the first, should have kept any later one from reading it (exactly-once processing, KIP-447).
         */
        REPROCESSED,
        /**
         * Two in-sync replicas of a partition hold different batches below their high watermarks, as
         * their logs on disk show after the run ({@link io.skein.chaos.replica.DivergenceCheck}).
         */
        DIVERGENT,
        /**
         * A replica still out of its partition's ISR a while after every fault healed: stuck
         * ({@link io.skein.chaos.replica.CatchUpCheck}).
         */
        UNDER_REPLICATED;

        /** As reports name it: "nonmonotonic-send". */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}
