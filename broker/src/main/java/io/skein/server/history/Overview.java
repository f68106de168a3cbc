package io.skein.server.history;

import java.util.List;

/**
 * The cluster at a glance, as {@code skein top} and the console's overview show it: its recent
 * figures, brokers, unhealthy partitions (offline first) and the groups furthest behind.
 */
public record Overview(HistoryView recent, List<BrokerView> brokers, int underReplicatedCount, int offlineCount,
                       List<PartitionHealth> partitions, List<GroupNow> groups) {
    /** A registered broker; {@code state} is UNFENCED, FENCED or SHUTTING_DOWN. */
    public record BrokerView(int id, String host, int port, String rack, String state) {
    }

    /** An offline or under-replicated partition; {@code leader} -1 for none. */
    public record PartitionHealth(String topic, int partition, int leader, List<Integer> replicas, List<Integer> isr,
                                  boolean offline) {
    }
}
