package io.skein.chaos.workload;

import java.util.Map;

/**
 * Which workload a run drives: Jepsen's {@code queue} (sends of their own, acknowledged one by one) or
 * {@code queue --txn} (transactions of sends, committed or aborted, and read_committed consumers).
 *
 * @param transactional           transactional producers instead of plain ones
 * @param readUncommitted         a negative control: the live consumers read uncommitted records, so
 *                                aborted transactions' values must show as aborted reads (the final read
 *                                stays read_committed)
 * @param consumeTransformProduce besides, consumers of a group that turn what they poll into new values
 *                                in transactions, committing their offsets with them (TxnOffsetCommit);
 *                                part of the transactional workload unless left out
 */
public record WorkloadMode(boolean transactional, boolean readUncommitted, boolean consumeTransformProduce) {
    public static final WorkloadMode QUEUE = new WorkloadMode(false, false, false);
    public static final WorkloadMode TXN = new WorkloadMode(true, false, true);

    public WorkloadMode {
        if (!transactional && (readUncommitted || consumeTransformProduce)) {
            throw new IllegalArgumentException("read_uncommitted readers and consume-transform-produce are for the "
                    + "transactional workload");
        }
    }

    public WorkloadMode withReadUncommitted() {
        return new WorkloadMode(transactional, true, consumeTransformProduce);
    }

    public WorkloadMode withoutConsumeTransformProduce() {
        return new WorkloadMode(transactional, readUncommitted, false);
    }

    /** The live consumers' {@code isolation.level}. */
    String consumerIsolation() {
        return transactional && !readUncommitted ? "read_committed" : "read_uncommitted";
    }

    /** The final read's: it judges what was committed. */
    String finalReadIsolation() {
        return transactional ? "read_committed" : "read_uncommitted";
    }

    /**
     * What the nodes need for it: few {@code __transaction_state} partitions spare busy cores; a transaction left open by an abandoned
     * producer is aborted within a second of its timeout, so that the final read's wait for the last
     * stable offset ends soon.
     */
    public Map<String, String> brokerConfig() {
        return transactional ? Map.of("transaction.state.log.num.partitions", "10",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000") : Map.of();
    }

    @Override
    public String toString() {
        return !transactional ? "queue" : "txn" + (readUncommitted ? ", readers read_uncommitted" : "")
                + (consumeTransformProduce ? ", consume-transform-produce" : "");
    }
}
