package io.skein.broker.admin;

import io.skein.metadata.image.PartitionRegistration;
import java.util.List;

/**
 * The partitions that need attention, each list sorted by topic and partition; an offline partition
 * is in no other list (Kafka counts under-replicated and under-min-ISR partitions on their leaders).
 *
 * @param offline         no live leader: neither written nor read
 * @param underReplicated an ISR smaller than the assigned replicas
 * @param underMinIsr     an ISR smaller than the topic's {@code min.insync.replicas}: acks=all writes fail
 */
public record PartitionStates(List<Partition> offline, List<Partition> underReplicated, List<Partition> underMinIsr) {
    public PartitionStates {
        offline = List.copyOf(offline);
        underReplicated = List.copyOf(underReplicated);
        underMinIsr = List.copyOf(underMinIsr);
    }

    /** A partition as the metadata registers it: leader, epoch, replicas and ISR. */
    public record Partition(String topic, int partition, PartitionRegistration registration) {
    }
}
