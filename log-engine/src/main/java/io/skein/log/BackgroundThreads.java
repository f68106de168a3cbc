package io.skein.log;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The log engine's background threads (cleaner, scheduler). */
final class BackgroundThreads {
    private static final Logger log = LoggerFactory.getLogger(BackgroundThreads.class);

    private BackgroundThreads() {
    }

    /** Stops {@code executor} once its running task is done, waiting up to 30 s for that. */
    static void shutdownAndAwait(ExecutorService executor, String what) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("{} did not stop within 30 s", what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
