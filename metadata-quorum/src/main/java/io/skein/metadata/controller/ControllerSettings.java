package io.skein.metadata.controller;

import io.skein.proto.metadata.MetadataRecordBatch;

/**
 * The active controller's settings, under the Kafka broker names they come from.
 *
 * @param clusterId                 brokers of another cluster are refused
 * @param sessionTimeoutMs          {@code broker.session.timeout.ms}: a broker silent this long is fenced
 * @param disconnectGraceMs         {@code broker.session.disconnect.grace.ms}: a broker whose process may be
 *                                  gone (its metadata stream lost its connection, or the active controller
 *                                  changed) and that has not heartbeat this long after is fenced if its
 *                                  listeners refuse connections (see {@link BrokerControlManager}); at or
 *                                  above {@code sessionTimeoutMs}, only the session timeout fences
 * @param defaultPartitions         {@code num.partitions}, for topics created without a count
 * @param defaultReplicationFactor  {@code default.replication.factor}
 * @param producerIdBlockSize       producer ids handed to a broker at a time
 * @param uncleanLeaderElection     {@code unclean.leader.election.enable}, unless a topic says otherwise
 * @param leaderRebalanceIntervalMs how often preferred replicas take their leaderships back
 *                                  ({@code leader.imbalance.check.interval.seconds}); 0 when
 *                                  {@code auto.leader.rebalance.enable} is false
 * @param bootstrap                 the first records of a new cluster's metadata log, written by the
 *                                  first active controller (SCRAM users from {@code skein storage format
 *                                  --add-scram}, as Kafka's bootstrap checkpoint holds them); none by default
 */
public record ControllerSettings(String clusterId, long sessionTimeoutMs, long disconnectGraceMs,
                                 int defaultPartitions, int defaultReplicationFactor, int producerIdBlockSize,
                                 boolean uncleanLeaderElection, long leaderRebalanceIntervalMs,
                                 MetadataRecordBatch bootstrap) {
    /** The default of {@code broker.session.disconnect.grace.ms}. */
    public static final long DEFAULT_DISCONNECT_GRACE_MS = 200;

    /** Settings without bootstrap records, with the default disconnect grace. */
    public ControllerSettings(String clusterId, long sessionTimeoutMs, int defaultPartitions,
                              int defaultReplicationFactor, int producerIdBlockSize, boolean uncleanLeaderElection,
                              long leaderRebalanceIntervalMs) {
        this(clusterId, sessionTimeoutMs, DEFAULT_DISCONNECT_GRACE_MS, defaultPartitions, defaultReplicationFactor,
                producerIdBlockSize, uncleanLeaderElection, leaderRebalanceIntervalMs,
                MetadataRecordBatch.getDefaultInstance());
    }

    public static ControllerSettings defaults(String clusterId) {
        return new ControllerSettings(clusterId, 9_000, 1, 1, 1_000, false, 300_000);
    }

    /** These settings, with {@code records} as a new cluster's first. */
    public ControllerSettings withBootstrap(MetadataRecordBatch records) {
        return new ControllerSettings(clusterId, sessionTimeoutMs, disconnectGraceMs, defaultPartitions,
                defaultReplicationFactor, producerIdBlockSize, uncleanLeaderElection, leaderRebalanceIntervalMs, records);
    }
}
