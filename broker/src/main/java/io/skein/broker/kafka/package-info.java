/**
 * The one place Skein touches kafka-clients' internal protocol classes: request headers and parsing
 * ({@code org.apache.kafka.common.requests}), response serialisation ({@code SendBuilder}, {@code Send}),
 * the record containers ({@code org.apache.kafka.common.record.internal}), the consumer protocol's
 * subscription format ({@code org.apache.kafka.clients.consumer.internals}); the TLS engines and the SASL servers, clients
 * and JAAS parsing of {@code org.apache.kafka.common.security} (its {@code .internals} packages among them:
 * {@code ScramMessages}, {@code PlainSaslServer}, {@code ScramFormatter}). Those packages move
 * between kafka-clients releases (4.3 moved the record classes, 4.1 changed the parse signatures), so
 * an upgrade touches only this package.
 *
 * <p>Everything else speaks in the generated message classes ({@code org.apache.kafka.common.message}),
 * {@code Errors} and {@code ApiKeys}, which have kept their names since Kafka 2.x, and in Skein's own
 * log types. {@code ArchitectureTest} keeps it so.
 */
package io.skein.broker.kafka;
