package io.skein.broker.api;

import io.skein.broker.metadata.MetadataWaiter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.util.Futures;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Waiting until this broker's metadata has reached the offset a change committed at, and no longer. */
@Timeout(60)
class MetadataWaiterTest {
    private static void publish(MetadataWaiter waiter, long offset) {
        MetadataImage image = MetadataImage.EMPTY.withOffset(offset);
        waiter.onMetadataUpdate(new MetadataDelta(image), image);
    }

    @Test
    void answersWithTheFirstImageAtOrPastTheOffset() throws Exception {
        MetadataWaiter waiter = new MetadataWaiter();
        publish(waiter, 5);
        assertEquals(5, waiter.await(5, 1_000).get(10, TimeUnit.SECONDS).offset(), "reached already");

        CompletableFuture<MetadataImage> later = waiter.await(8, 30_000);
        publish(waiter, 7);
        assertFalse(later.isDone(), "offset 7 does not show a change committed at 8");
        publish(waiter, 9);
        assertEquals(9, later.get(10, TimeUnit.SECONDS).offset());
        assertSame(waiter.image(), later.get());
    }

    @Test
    void failsWithRequestTimedOutRatherThanAnsweringFromAnImageThatDoesNotShowTheChange() {
        MetadataWaiter waiter = new MetadataWaiter();
        publish(waiter, 3);
        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> waiter.await(4, 50).get(10, TimeUnit.SECONDS));
        Throwable cause = Futures.cause(failed);
        assertTrue(cause instanceof TimeoutException, cause.toString());
        assertEquals(Errors.REQUEST_TIMED_OUT, Errors.forException(cause));
        assertTrue(cause.getMessage().contains("committed at metadata offset 4")
                && cause.getMessage().contains("reached only offset 3"), cause.getMessage());
    }
}
