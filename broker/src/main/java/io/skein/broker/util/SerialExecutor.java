package io.skein.broker.util;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in submission order, on a shared pool: a connection's requests start in
 * the order they arrived, so a producer's pipelined batches reach the log in order; a group
 * coordinator's state has a single writer. Tasks must not throw.
 */
public final class SerialExecutor implements Executor {
    /** Tasks run in one go before the pool thread is handed back, so busy connections share the pool. */
    private static final int BATCH = 16;

    private final Executor pool;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean scheduled;

    public SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (queue) {
            queue.add(task);
            if (scheduled) {
                return;
            }
            scheduled = true;
        }
        pool.execute(this::drain);
    }

    private void drain() {
        for (int i = 0; i < BATCH; i++) {
            Runnable next;
            synchronized (queue) {
                next = queue.poll();
                if (next == null) {
                    scheduled = false;
                    return;
                }
            }
            next.run();
        }
        pool.execute(this::drain);
    }
}
