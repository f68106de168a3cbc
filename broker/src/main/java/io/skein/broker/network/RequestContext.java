package io.skein.broker.network;

import io.skein.broker.kafka.KafkaRequest;
import java.net.SocketAddress;

/**
 * A request with where it came from.
 *
 * @param listenerName    the listener the client connected to: its Metadata answers name brokers by it
 * @param closeConnection closes the client's connection, for errors that have no response (acks=0)
 * @param appendOrder     the connection's produce appends, in the order of its requests
 */
public record RequestContext(KafkaRequest request, String listenerName, SocketAddress clientAddress,
                             Runnable closeConnection, AppendOrder appendOrder) {
}
