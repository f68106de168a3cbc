package io.skein.broker.txn;

/** New producer ids for the coordinator, taken on the shard's thread, which must not wait. */
@FunctionalInterface
public interface ProducerIdGenerator {
    /**
     * A producer id never handed out before.
     *
     * @throws org.apache.kafka.common.errors.ApiException a retriable error (as Kafka's
     *         COORDINATOR_LOAD_IN_PROGRESS) if none is at hand yet
     */
    long generateProducerId();
}
