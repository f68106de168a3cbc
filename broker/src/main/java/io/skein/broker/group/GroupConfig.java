package io.skein.broker.group;

/**
 * The group coordinator's settings, under the Kafka broker names they come from.
 *
 * @param offsetsTopicPartitions          {@code offsets.topic.num.partitions}
 * @param offsetsTopicReplicationFactor   {@code offsets.topic.replication.factor}, capped at the live brokers
 * @param offsetsTopicSegmentBytes        {@code offsets.topic.segment.bytes}
 * @param initialRebalanceDelayMs         {@code group.initial.rebalance.delay.ms}: how long the first rebalance of
 *                                        an empty group waits for more members
 * @param minSessionTimeoutMs             {@code group.min.session.timeout.ms}
 * @param maxSessionTimeoutMs             {@code group.max.session.timeout.ms}
 * @param maxSize                         {@code group.max.size}
 * @param offsetsRetentionMs              {@code offsets.retention.minutes}, in ms: how long an empty group's offsets live
 * @param offsetsRetentionCheckIntervalMs {@code offsets.retention.check.interval.ms}
 * @param offsetCommitTimeoutMs           {@code offsets.commit.timeout.ms}: how long a write waits for the in-sync replicas
 * @param offsetMetadataMaxBytes          {@code offset.metadata.max.bytes}
 */
public record GroupConfig(int offsetsTopicPartitions, short offsetsTopicReplicationFactor, int offsetsTopicSegmentBytes,
                          int initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs, int maxSize,
                          long offsetsRetentionMs, long offsetsRetentionCheckIntervalMs, int offsetCommitTimeoutMs,
                          int offsetMetadataMaxBytes) {
}
