package io.skein.metadata.controller;

/**
 * The active controller's settings, under the Kafka broker names they come from.
 *
 * @param clusterId                 brokers of another cluster are refused
 * @param sessionTimeoutMs          {@code broker.session.timeout.ms}: a broker silent this long is fenced
 * @param defaultPartitions         {@code num.partitions}, for topics created without a count
 * @param defaultReplicationFactor  {@code default.replication.factor}
 * @param producerIdBlockSize       producer ids handed to a broker at a time
 * @param uncleanLeaderElection     {@code unclean.leader.election.enable}, unless a topic says otherwise
 * @param leaderRebalanceIntervalMs how often preferred replicas take their leaderships back
 *                                  ({@code leader.imbalance.check.interval.seconds}); 0 when
 *                                  {@code auto.leader.rebalance.enable} is false
 */
public record ControllerSettings(String clusterId, long sessionTimeoutMs, int defaultPartitions,
                                 int defaultReplicationFactor, int producerIdBlockSize,
                                 boolean uncleanLeaderElection, long leaderRebalanceIntervalMs) {
    public static ControllerSettings defaults(String clusterId) {
        return new ControllerSettings(clusterId, 9_000, 1, 1, 1_000, false, 300_000);
    }
}
