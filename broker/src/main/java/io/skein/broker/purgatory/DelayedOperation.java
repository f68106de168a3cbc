package io.skein.broker.purgatory;

import io.netty.util.Timeout;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A request that waits for a condition (a high watermark passing an offset, enough bytes to fetch)
 * or its timeout, whichever comes first, and then completes exactly once. Parked in a
 * {@link DelayedOperationPurgatory} under the keys whose changes may complete it.
 */
public abstract class DelayedOperation {
    private final long delayMs;
    private final AtomicBoolean completed = new AtomicBoolean();
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Timeout timeout;

    protected DelayedOperation(long delayMs) {
        this.delayMs = delayMs;
    }

    public long delayMs() {
        return delayMs;
    }

    /** Checks the condition; if it holds, calls {@link #forceComplete()} and returns its result. */
    protected abstract boolean tryComplete();

    /** Answers the request: called once, on completion or expiry, by whichever thread got there first. */
    protected abstract void onComplete();

    /** Completes it now, condition or not. Returns whether this call was the one that completed it. */
    public final boolean forceComplete() {
        if (!completed.compareAndSet(false, true)) {
            return false;
        }
        Timeout pending = timeout;
        if (pending != null) {
            pending.cancel();
        }
        onComplete();
        return true;
    }

    public final boolean isCompleted() {
        return completed.get();
    }

    /** {@link #tryComplete()} under the operation's lock, so that two threads never check it at once. */
    final boolean safeTryComplete() {
        lock.lock();
        try {
            return !isCompleted() && tryComplete();
        } finally {
            lock.unlock();
        }
    }

    final void setTimeout(Timeout newTimeout) {
        timeout = newTimeout;
        if (isCompleted()) {
            newTimeout.cancel();
        }
    }
}
