package io.skein.broker.metadata;

import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * The metadata image requests are answered from, and the means to wait until it shows a change
 * asked of the controller (a topic created, deleted, grown), so that the client's next request here
 * sees it.
 *
 * <p>It is the last publisher of the broker's metadata: by the time an image reaches it, the replica
 * manager and the group coordinator have applied that image, so a Metadata response never names this
 * broker leader of a partition whose log it has not opened yet.
 */
public final class MetadataWaiter implements MetadataPublisher {
    private record Waiter(long offset, CompletableFuture<MetadataImage> done) {
    }

    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;

    /** The latest image every other part of the broker has applied. */
    public MetadataImage image() {
        return image;
    }

    /**
     * Completes with the first image at or past {@code offset}, the offset a change committed at as
     * the controller answers it; fails with a {@link TimeoutException} (REQUEST_TIMED_OUT) if this
     * broker has not applied it within {@code timeoutMs}.
     */
    public CompletableFuture<MetadataImage> await(long offset, long timeoutMs) {
        Waiter waiter = new Waiter(offset, new CompletableFuture<>());
        waiters.add(waiter);
        check(waiter, image); // it may hold already, or have come true before the waiter was added
        return waiter.done().orTimeout(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS)
                .handle((applied, timedOut) -> {
                    waiters.remove(waiter);
                    if (applied == null) {
                        throw new TimeoutException("The change is committed at metadata offset " + offset
                                + ", but this broker's metadata has reached only offset " + image.offset()
                                + " after " + timeoutMs + " ms");
                    }
                    return applied;
                });
    }

    /**
     * {@code response} to a change committed at {@code offset}, once this broker's metadata reaches it,
     * or after {@code waitMs} regardless (0: at once): the change is committed, which is all a Kafka
     * answer says.
     */
    public <T> CompletableFuture<T> shown(long offset, long waitMs, T response) {
        if (waitMs <= 0) {
            return CompletableFuture.completedFuture(response);
        }
        return await(offset, waitMs).handle((applied, notYetShown) -> response);
    }

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        image = newImage;
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            if (check(waiter, newImage)) {
                it.remove();
            }
        }
    }

    private static boolean check(Waiter waiter, MetadataImage image) {
        return image.offset() >= waiter.offset() && waiter.done().complete(image);
    }
}
