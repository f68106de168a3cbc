package io.skein.broker.purgatory;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timer;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where delayed operations wait: each is watched under one or more keys (partitions) and checked
 * again whenever something happens to a key it watches ({@link #checkAndComplete}), until it
 * completes or its delay expires on a shared timer wheel. Thread-safe; operations complete on the
 * thread that found their condition true, or on the timer's thread.
 */
public final class DelayedOperationPurgatory<K> implements AutoCloseable {
    /** Completed operations are swept from the watch lists of their other keys every this many parkings. */
    private static final int PURGE_INTERVAL = 1_000;

    private final Map<K, ConcurrentLinkedQueue<DelayedOperation>> watchers = new ConcurrentHashMap<>();
    private final Timer timer;
    private final AtomicInteger parkedSincePurge = new AtomicInteger();

    public DelayedOperationPurgatory(String name) {
        this.timer = new HashedWheelTimer(runnable -> {
            Thread thread = new Thread(runnable, name + "-timer");
            thread.setDaemon(true);
            return thread;
        }, 5, TimeUnit.MILLISECONDS, 512);
    }

    /**
     * Completes {@code operation} now if it can; otherwise watches it under {@code keys} and starts
     * its timeout.
     *
     * @return whether it completed now
     */
    public boolean tryCompleteElseWatch(DelayedOperation operation, Collection<K> keys) {
        if (operation.safeTryComplete()) {
            return true;
        }
        for (K key : keys) {
            if (operation.isCompleted()) {
                return false;
            }
            watchers.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(operation);
        }
        // A key may have changed between the first check and the watching: check once more.
        if (operation.safeTryComplete()) {
            return true;
        }
        if (!operation.isCompleted()) {
            operation.setTimeout(timer.newTimeout(t -> operation.forceComplete(), operation.delayMs(),
                    TimeUnit.MILLISECONDS));
        }
        if (parkedSincePurge.incrementAndGet() >= PURGE_INTERVAL) {
            parkedSincePurge.set(0);
            purgeCompleted();
        }
        return false;
    }

    /** Checks the operations watching {@code key}; returns how many completed. */
    public int checkAndComplete(K key) {
        ConcurrentLinkedQueue<DelayedOperation> watching = watchers.get(key);
        if (watching == null) {
            return 0;
        }
        int completed = 0;
        for (Iterator<DelayedOperation> it = watching.iterator(); it.hasNext(); ) {
            DelayedOperation operation = it.next();
            if (operation.isCompleted()) {
                it.remove();
            } else if (operation.safeTryComplete()) {
                it.remove();
                completed++;
            }
        }
        return completed;
    }

    /** Checks the operations watching any key, for a change that may concern them all. */
    public void checkAndCompleteAll() {
        watchers.keySet().forEach(this::checkAndComplete);
    }

    /** Operations waiting (or completed but not yet swept) under any key. */
    public int watched() {
        return watchers.values().stream().mapToInt(ConcurrentLinkedQueue::size).sum();
    }

    private void purgeCompleted() {
        watchers.values().forEach(watching -> watching.removeIf(DelayedOperation::isCompleted));
    }

    /** Completes every waiting operation at once (their answers say what was not reached) and stops the timer. */
    @Override
    public void close() {
        watchers.values().forEach(watching -> watching.forEach(DelayedOperation::forceComplete));
        watchers.clear();
        timer.stop();
    }
}
