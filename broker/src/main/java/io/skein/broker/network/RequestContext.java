package io.skein.broker.network;

import io.skein.broker.kafka.KafkaRequest;
import java.net.SocketAddress;
import java.util.function.IntConsumer;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * A request with where it came from.
 *
 * @param listenerName    the listener the client connected to: its Metadata answers name brokers by it
 * @param principal       who the connection authenticated as: {@code User:ANONYMOUS} on a PLAINTEXT listener
 * @param closeConnection closes the client's connection, for errors that have no response (acks=0)
 * @param appendOrder     the connection's produce appends, in the order of its requests
 * @param throttle        a client over its quota: nothing more is read from its connection for this many
 *                        ms once this request's response is written (KIP-219); call before completing
 */
public record RequestContext(KafkaRequest request, String listenerName, KafkaPrincipal principal,
                             SocketAddress clientAddress,
                             Runnable closeConnection, AppendOrder appendOrder, IntConsumer throttle) {
}
