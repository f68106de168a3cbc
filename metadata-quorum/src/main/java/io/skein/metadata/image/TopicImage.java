package io.skein.metadata.image;

import java.util.Map;
import java.util.UUID;

/** A topic: its name, its id, and its partitions by number. */
public record TopicImage(String name, UUID id, Map<Integer, PartitionRegistration> partitions) {
    public TopicImage {
        partitions = Map.copyOf(partitions);
    }

    public PartitionRegistration partition(int partitionId) {
        return partitions.get(partitionId);
    }

    /** Kafka's internal topics, which clients list apart and may not produce to. */
    public static boolean isInternal(String topic) {
        return topic.equals("__consumer_offsets") || topic.equals("__transaction_state");
    }
}
