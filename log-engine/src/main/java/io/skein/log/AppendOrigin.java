package io.skein.log;

/**
 * Who a leader append comes from, as in Kafka: clients write data batches only; the leader writes the
 * markers that end transactions on behalf of the transaction coordinator.
 */
enum AppendOrigin {
    CLIENT,
    COORDINATOR
}
