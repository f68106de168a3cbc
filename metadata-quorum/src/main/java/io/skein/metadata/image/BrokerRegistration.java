package io.skein.metadata.image;

import io.skein.proto.metadata.Endpoint;
import java.util.List;
import java.util.UUID;

/**
 * A broker as the metadata log knows it. Its epoch changes with every registration; a fenced broker
 * may neither lead a partition nor be in an ISR. {@code shuttingDown}: fenced by its own controlled
 * shutdown, until it registers again. {@code http}: its HTTP listener, port 0 if it registered none.
 */
public record BrokerRegistration(int id, long epoch, UUID incarnationId, List<Endpoint> endpoints, Endpoint http,
                                 String rack, List<UUID> logDirIds, boolean fenced, boolean shuttingDown) {
    public BrokerRegistration {
        endpoints = List.copyOf(endpoints);
        logDirIds = List.copyOf(logDirIds);
    }

    BrokerRegistration withFenced(boolean newFenced, boolean newShuttingDown) {
        return new BrokerRegistration(id, epoch, incarnationId, endpoints, http, rack, logDirIds, newFenced,
                newShuttingDown);
    }
}
