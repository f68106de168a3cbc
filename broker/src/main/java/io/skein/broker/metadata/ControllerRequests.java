package io.skein.broker.metadata;

import io.skein.metadata.controller.ControllerClient;
import io.skein.metadata.controller.ControllerClient.ControllerUnavailableException;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;

/**
 * The one route by which the Kafka API and the admin API reach the active controller for clients
 * (topic creation and the like), with the controller's answers in Kafka's terms. Nothing blocks: the
 * controller client is asynchronous.
 */
public final class ControllerRequests {
    private final ControllerClient controller;

    public ControllerRequests(ControllerClient controller) {
        this.controller = controller;
    }

    /** {@code call}'s answer; an unreachable controller fails it with REQUEST_TIMED_OUT. */
    public <T> CompletableFuture<T> call(Function<ControllerClient, CompletableFuture<T>> call) {
        return call.apply(controller).handle((answer, failure) -> {
            if (failure == null) {
                return answer;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof ControllerUnavailableException) {
                throw new TimeoutException("The active controller could not be reached: " + cause.getMessage());
            }
            throw failure instanceof CompletionException completion ? completion : new CompletionException(cause);
        });
    }

    /** The Kafka error a controller error stands for: the controller names its errors after Kafka's. */
    public static Errors kafkaError(Error error) {
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
