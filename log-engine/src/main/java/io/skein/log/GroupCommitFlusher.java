package io.skein.log;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.errors.KafkaStorageException;

/**
 * Group commit for one partition log: appends that must be on disk before they are answered wait
 * here, by the offset they must be durable up to, and fsyncs run on the log's scheduler, one at a
 * time, for as long as anyone waits. Each fsync covers everything appended before it started, so the
 * waiters that came meanwhile share the next one rather than each paying for its own.
 *
 * <p>Threads: appenders add waiters; the log's flushes complete the waiters they cover
 * ({@link #flushed}), whichever thread runs them; a truncation or the close fails those that will
 * never be covered. At most one flusher task is queued or running.
 */
final class GroupCommitFlusher {
    private final LocalLog log;
    private final ScheduledExecutorService scheduler;
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiters = new ConcurrentSkipListMap<>();
    private final AtomicBoolean flusherScheduled = new AtomicBoolean();

    GroupCommitFlusher(LocalLog log, ScheduledExecutorService scheduler) {
        this.log = log;
        this.scheduler = scheduler;
    }

    /** Completes once the log is durable up to {@code offset} (exclusive). */
    CompletableFuture<Void> await(long offset) {
        if (offset <= log.recoveryPoint()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> flushed = waiters.computeIfAbsent(offset, key -> new CompletableFuture<>());
        // Checked after registering: a truncation publishes the new end, then fails the waiters above it.
        if (offset > log.logEndOffset() && waiters.remove(offset, flushed)) {
            flushed.completeExceptionally(truncatedBeforeFlush(offset - 1));
            return flushed;
        }
        scheduleFlusher();
        return flushed;
    }

    /**
     * Completes once the offsets below {@code offset} are as durable as their appends asked: when the
     * flush already awaited for them, if any, is done; at once if none is.
     */
    CompletableFuture<Void> pending(long offset) {
        if (offset <= log.recoveryPoint()) {
            return CompletableFuture.completedFuture(null);
        }
        Map.Entry<Long, CompletableFuture<Void>> covering = waiters.ceilingEntry(offset);
        return covering == null ? CompletableFuture.completedFuture(null) : covering.getValue();
    }

    /** A flush made the log durable up to {@code durableOffset}: its waiters up to there are done. */
    void flushed(long durableOffset) {
        complete(waiters.headMap(durableOffset, true), null);
    }

    /** Appends cut off before reaching the disk will never be flushed. Call after moving the log end. */
    void truncated(long newEnd) {
        complete(waiters.tailMap(newEnd, false), truncatedBeforeFlush(newEnd));
    }

    /** The log takes no more appends and will not be flushed: nobody may wait any longer. */
    void closed() {
        complete(waiters, new KafkaStorageException(log.topicPartition() + " was closed before a flush"));
    }

    private KafkaStorageException truncatedBeforeFlush(long end) {
        return new KafkaStorageException("Offsets above " + end + " of " + log.topicPartition()
                + " were truncated before they were flushed");
    }

    /** Makes sure a flusher task is coming if anyone waits; at most one is queued or running. */
    private void scheduleFlusher() {
        if (!waiters.isEmpty() && flusherScheduled.compareAndSet(false, true)) {
            try {
                scheduler.execute(this::flushForWaiters);
            } catch (RejectedExecutionException e) {
                flushForWaiters(); // the scheduler has stopped: the log is closing
            }
        }
    }

    /**
     * One fsync for the waiters (the log's flush completes those it covers), then back to the
     * scheduler's queue if more wait, so a busy log does not hold a scheduler thread for good.
     */
    private void flushForWaiters() {
        try {
            log.flush(log.logEndOffset());
            flushed(log.recoveryPoint()); // covered by an earlier fsync
        } catch (RuntimeException e) {
            complete(waiters, e);
        }
        flusherScheduled.set(false);
        scheduleFlusher(); // for waiters that came after the fsync started
    }

    private static void complete(Map<Long, CompletableFuture<Void>> waiters, RuntimeException failure) {
        for (var it = waiters.values().iterator(); it.hasNext(); ) {
            CompletableFuture<Void> waiter = it.next();
            it.remove();
            if (failure == null) {
                waiter.complete(null);
            } else {
                waiter.completeExceptionally(failure);
            }
        }
    }
}
