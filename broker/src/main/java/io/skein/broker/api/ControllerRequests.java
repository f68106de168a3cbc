package io.skein.broker.api;

import io.skein.metadata.controller.ControllerClient.ControllerUnavailableException;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;

/**
 * Calls to the active controller made for clients (topic creation and the like). The controller
 * client blocks, so calls run on their own executor, never on a request or network thread.
 */
public final class ControllerRequests {
    private final Executor executor;

    public ControllerRequests(Executor executor) {
        this.executor = executor;
    }

    /** Runs {@code call} on the controller executor; an unreachable controller fails it with REQUEST_TIMED_OUT. */
    public <T> CompletableFuture<T> call(Supplier<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.get();
            } catch (ControllerUnavailableException e) {
                throw new TimeoutException("The active controller could not be reached: " + e.getMessage());
            }
        }, executor);
    }

    /** The Kafka error a controller error stands for: the controller names its errors after Kafka's. */
    static Errors kafkaError(Error error) {
        if (error.getCode() == ErrorCode.UNRECOGNIZED) {
            return Errors.UNKNOWN_SERVER_ERROR;
        }
        return Errors.valueOf(error.getCode().name());
    }

    /** Throws {@link #exception} for {@code error}, unless it is NONE. */
    public static void throwIfFailed(Error error) {
        if (error.getCode() != ErrorCode.NONE) {
            throw exception(error);
        }
    }

    /** The controller error as the exception kafka-clients would raise for it, with the controller's message. */
    public static ApiException exception(Error error) {
        return kafkaError(error).exception(error.getMessage());
    }
}
