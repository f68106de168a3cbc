package io.skein.broker.replica;

import io.skein.metadata.controller.ControllerClient;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What a broker's reports to the active controller share, those that are sent again until the
 * controller takes them (ISR changes, offline replicas): the broker's id and current epoch, which
 * name it, the client, and the thread that schedules the next attempt.
 */
public record ControllerReports(int brokerId, LongSupplier brokerEpoch, ControllerClient controller,
                                ScheduledExecutorService retries) {
    static final long RETRY_BACKOFF_MS = 500;

    /**
     * Runs {@code attempt} again after {@link #RETRY_BACKOFF_MS}.
     *
     * @return false if the broker is shutting down: nothing is left to report
     */
    boolean retryLater(Runnable attempt) {
        try {
            retries.schedule(attempt, RETRY_BACKOFF_MS, TimeUnit.MILLISECONDS);
            return true;
        } catch (RejectedExecutionException closed) {
            return false;
        }
    }
}
