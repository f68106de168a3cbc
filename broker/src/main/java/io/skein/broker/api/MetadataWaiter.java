package io.skein.broker.api;

import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The metadata image requests are answered from, and the means to wait until it shows the effect of
 * a change asked of the controller (a topic created, deleted, grown), so that the client's next
 * request here sees it.
 *
 * <p>It is the last publisher of the broker's metadata: by the time an image reaches it, the replica
 * manager and the group coordinator have applied that image, so a Metadata response never names this
 * broker leader of a partition whose log it has not opened yet.
 */
public final class MetadataWaiter implements MetadataPublisher {
    private record Waiter(Predicate<MetadataImage> condition, CompletableFuture<MetadataImage> done) {
    }

    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;

    /** The latest image every other part of the broker has applied. */
    public MetadataImage image() {
        return image;
    }

    /**
     * Completes with the first image satisfying {@code condition}, or with the latest image after
     * {@code timeoutMs}: a change that is committed but not yet applied here is still made.
     */
    public CompletableFuture<MetadataImage> await(Predicate<MetadataImage> condition, long timeoutMs) {
        Waiter waiter = new Waiter(condition, new CompletableFuture<>());
        waiters.add(waiter);
        check(waiter, image); // it may hold already, or have come true before the waiter was added
        return waiter.done().orTimeout(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS)
                .handle((applied, timedOut) -> {
                    waiters.remove(waiter);
                    return applied != null ? applied : image;
                });
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
        return waiter.condition().test(image) && waiter.done().complete(image);
    }
}
