package io.skein.log;

/**
 * Who a leader append comes from, as in Kafka: clients write data batches, checked against their
 * producer's sequence; a coordinator writes its own partition's records (the group coordinator's
 * transactional offsets among them, with no sequence) and has the leader write the markers that end
 * transactions.
 */
public enum AppendOrigin {
    CLIENT,
    COORDINATOR
}
