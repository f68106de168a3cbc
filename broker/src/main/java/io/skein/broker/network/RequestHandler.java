package io.skein.broker.network;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/** Answers requests: the broker's APIs. Called on request threads, one request per connection at a time. */
public interface RequestHandler {
    /** Whether requests of {@code apiKey} at {@code version} are served; any other request closes its connection. */
    boolean supports(ApiKeys apiKey, short version);

    /**
     * Starts handling a request; must not block for long (waits belong in futures).
     *
     * @return the response, which completes with null when none is due (acks=0 produce)
     */
    CompletableFuture<ApiMessage> handle(RequestContext context);
}
