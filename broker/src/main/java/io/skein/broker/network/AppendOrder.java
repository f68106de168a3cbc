package io.skein.broker.network;

import java.util.concurrent.CompletableFuture;

/**
 * Keeps a connection's produce appends in the order its requests came. Requests are handled as
 * they arrive, without waiting for earlier answers, and most append at once; but one whose
 * transactional batches wait for their coordinator (KIP-890) appends later, and the requests after
 * it must not append before it: a producer's next batch would overtake its earlier one and be
 * refused as out of sequence, or start its transaction first. Kafka gets the same order by handling
 * one request of a connection at a time.
 *
 * <p>Threads: {@link #submit} is called by the connection's requests, one at a time (they are
 * handled serially); appends that wait run on the thread that completes what they wait for.
 */
public final class AppendOrder {
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    /**
     * Runs {@code append} once {@code ready} has completed (normally) and every append submitted
     * before it has run: at once, on this thread, when nothing is waiting.
     */
    public void submit(CompletableFuture<Void> ready, Runnable append) {
        CompletableFuture<Void> previous;
        CompletableFuture<Void> done;
        synchronized (this) {
            if (tail.isDone() && ready.isDone()) {
                previous = null;
                done = null;
            } else { // only a request that must wait pays for a future of its own
                previous = tail;
                done = new CompletableFuture<>();
                tail = done;
            }
        }
        if (previous == null) {
            append.run();
            return;
        }
        previous.thenCombine(ready, (a, b) -> b).whenComplete((v, e) -> {
            try {
                append.run();
            } finally {
                done.complete(null);
            }
        });
    }
}
