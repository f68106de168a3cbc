package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.protocol.ApiMessage;

/** Answers to requests refused whole, as Kafka answers them: the request's own error response. */
final class Refusals {
    private Refusals() {
    }

    /** The response kafka-clients builds for the request failing with {@code error}, every part of it with that error. */
    static CompletableFuture<ApiMessage> refused(RequestContext context, Throwable error) {
        return CompletableFuture.completedFuture(context.request().errorResponse(error));
    }

    /** A request that needs an operation on the cluster the client may not do. */
    static CompletableFuture<ApiMessage> clusterAuthorizationFailed(RequestContext context) {
        return refused(context, new ClusterAuthorizationException("Request " + context.request()
                + " is not authorized."));
    }
}
