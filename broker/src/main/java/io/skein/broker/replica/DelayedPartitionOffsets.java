package io.skein.broker.replica;

import io.skein.broker.purgatory.DelayedOperation;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A request that waits until an offset of each of its partitions reaches the one it awaits there
 * (acks=all: the high watermark passes the append; DeleteRecords: the low watermark reaches the new
 * log start), then answers with every partition's result; partitions still waiting at the timeout
 * get {@link #timedOut}.
 *
 * @param <R> a partition's result
 */
abstract class DelayedPartitionOffsets<R> extends DelayedOperation {
    private final Map<TopicPartition, Long> awaited;
    private final Map<TopicPartition, R> results;
    private final Consumer<Map<TopicPartition, R>> callback;

    /** @param results each partition's result so far, completed as partitions are done */
    DelayedPartitionOffsets(long timeoutMs, Map<TopicPartition, Long> awaited, Map<TopicPartition, R> results,
                            Consumer<Map<TopicPartition, R>> callback) {
        super(timeoutMs);
        this.awaited = new HashMap<>(awaited);
        this.results = results;
        this.callback = callback;
    }

    /**
     * The partition's final result if it has reached {@code offset} (or can no longer: a failure),
     * else null to keep waiting.
     */
    abstract R check(TopicPartition tp, long offset, R current);

    /** The result of a partition still waiting when the request times out. */
    abstract R timedOut(TopicPartition tp, R current);

    @Override
    protected final boolean tryComplete() {
        synchronized (results) { // the timer may be completing it at the same time
            awaited.entrySet().removeIf(wanted -> {
                R done = check(wanted.getKey(), wanted.getValue(), results.get(wanted.getKey()));
                if (done == null) {
                    return false;
                }
                results.put(wanted.getKey(), done);
                return true;
            });
        }
        return awaited.isEmpty() && forceComplete();
    }

    @Override
    protected final void onComplete() {
        synchronized (results) {
            awaited.keySet().forEach(tp -> results.put(tp, timedOut(tp, results.get(tp))));
        }
        callback.accept(results);
    }
}
