package io.skein.broker.txn;

/**
 * The transaction coordinator's settings, under the Kafka broker names they come from.
 *
 * @param transactionStateLogNumPartitions   {@code transaction.state.log.num.partitions}
 * @param transactionStateLogReplicationFactor {@code transaction.state.log.replication.factor}, capped at the live brokers
 * @param transactionStateLogMinIsr          {@code transaction.state.log.min.isr}: the topic's {@code min.insync.replicas}
 * @param transactionStateLogSegmentBytes    {@code transaction.state.log.segment.bytes}
 * @param transactionMaxTimeoutMs            {@code transaction.max.timeout.ms}: the longest timeout a producer may ask for
 * @param transactionalIdExpirationMs        {@code transactional.id.expiration.ms}: how long an idle transactional id is kept
 * @param abortTimedOutTransactionsIntervalMs {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}
 * @param removeExpiredTransactionalIdsIntervalMs {@code transaction.remove.expired.transaction.cleanup.interval.ms}
 * @param requestTimeoutMs                   {@code request.timeout.ms}: how long a write waits for the in-sync
 *                                           replicas, and a marker request for its answer
 */
public record TransactionConfig(int transactionStateLogNumPartitions, short transactionStateLogReplicationFactor,
                                int transactionStateLogMinIsr, int transactionStateLogSegmentBytes,
                                int transactionMaxTimeoutMs, long transactionalIdExpirationMs,
                                long abortTimedOutTransactionsIntervalMs, long removeExpiredTransactionalIdsIntervalMs,
                                int requestTimeoutMs) {
}
