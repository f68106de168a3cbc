package io.skein.server.history;

import java.util.List;

/**
 * A change of the cluster's metadata worth a line in its timeline: a partition's leader or ISR, or a
 * broker's registration and fencing. Fields that do not apply are -1, empty or "".
 *
 * @param timeMs         when the broker reporting it applied it
 * @param metadataOffset the offset of the metadata it applied it at: the same on every broker
 */
public record TimelineEvent(long timeMs, long metadataOffset, Type type, String topic, int partition, int broker,
                            int oldLeader, int newLeader, List<Integer> oldIsr, List<Integer> newIsr, int leaderEpoch,
                            String reason) {
    public enum Type { LEADER_ELECTED, ISR_CHANGED, BROKER_REGISTERED, BROKER_FENCED, BROKER_UNFENCED }

    static TimelineEvent partition(long timeMs, long offset, Type type, String topic, int partition, int oldLeader,
                                   int newLeader, List<Integer> oldIsr, List<Integer> newIsr, int leaderEpoch,
                                   String reason) {
        return new TimelineEvent(timeMs, offset, type, topic, partition, -1, oldLeader, newLeader, oldIsr, newIsr,
                leaderEpoch, reason);
    }

    static TimelineEvent broker(long timeMs, long offset, Type type, int broker, String reason) {
        return new TimelineEvent(timeMs, offset, type, "", -1, broker, -1, -1, List.of(), List.of(), -1, reason);
    }

    /** What makes two brokers' reports of it the same event. */
    record Key(long metadataOffset, Type type, String topic, int partition, int broker) {
    }

    Key key() {
        return new Key(metadataOffset, type, topic, partition, broker);
    }
}
