package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiMessage;

/** One Kafka API: starts handling a request; completes with its response, or null when none is due. */
@FunctionalInterface
interface Api {
    CompletableFuture<ApiMessage> handle(RequestContext context);
}
