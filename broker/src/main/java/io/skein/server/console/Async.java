package io.skein.server.console;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** The admin calls check their input before they return a future: a failure either way is one future. */
final class Async {
    private Async() {
    }

    static <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
