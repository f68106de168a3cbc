package io.skein.broker.metadata;

import io.skein.proto.controller.AlterUserScramCredentialsRequest;
import io.skein.proto.controller.AlterUserScramCredentialsResponse;
import java.util.concurrent.CompletableFuture;

/**
 * Users' SCRAM credentials, changed by the active controller, for the Kafka API and the admin API
 * alike. A change is answered once this broker's metadata shows it (within {@code waitMs}), so that
 * the client's next request here, a describe or a login, sees it.
 */
public final class ScramAdmin {
    private final ControllerRequests controller;
    private final MetadataWaiter waiter;
    private final long waitMs;

    /** @param waitMs how long an answer waits for this broker's metadata to show the change */
    public ScramAdmin(ControllerRequests controller, MetadataWaiter waiter, long waitMs) {
        this.controller = controller;
        this.waiter = waiter;
        this.waitMs = waitMs;
    }

    public CompletableFuture<AlterUserScramCredentialsResponse> alter(AlterUserScramCredentialsRequest request) {
        return controller.call(client -> client.alterUserScramCredentials(request))
                .thenCompose(response -> waiter.answerWhenShown(response.getMetadataOffset(), waitMs, response));
    }
}
