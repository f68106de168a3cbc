package io.skein.broker.api;

import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Lets a request wait until this broker's metadata shows the effect of a change it asked the
 * controller for (a topic created, deleted, grown), so that the client's next request here sees it.
 */
final class MetadataWaiter implements MetadataPublisher {
    private record Waiter(Predicate<MetadataImage> condition, CompletableFuture<MetadataImage> done) {
    }

    private final Supplier<MetadataImage> images;
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();

    MetadataWaiter(Supplier<MetadataImage> images) {
        this.images = images;
    }

    /** Completes with the first image satisfying {@code condition}, or fails with a TimeoutException after {@code timeoutMs}. */
    CompletableFuture<MetadataImage> await(Predicate<MetadataImage> condition, long timeoutMs) {
        Waiter waiter = new Waiter(condition, new CompletableFuture<>());
        waiters.add(waiter);
        check(waiter, images.get()); // it may hold already, or have come true before the waiter was added
        waiter.done().orTimeout(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS)
                .whenComplete((image, error) -> waiters.remove(waiter));
        return waiter.done();
    }

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
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
