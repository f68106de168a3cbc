package io.skein.metadata.image;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Changes to one topic within a {@link MetadataDelta}: a new topic, or new and changed partitions. */
public final class TopicDelta {
    private final TopicImage base;
    private final String name;
    private final UUID id;
    private final Map<Integer, PartitionRegistration> changedPartitions = new HashMap<>();

    TopicDelta(TopicImage base, String name, UUID id) {
        this.base = base;
        this.name = name;
        this.id = id;
    }

    public String name() {
        return name;
    }

    public UUID id() {
        return id;
    }

    /** Whether the topic itself was created in this delta. */
    public boolean isNew() {
        return base == null;
    }

    /** Partitions created or changed in this delta, with their new state. */
    public Map<Integer, PartitionRegistration> changedPartitions() {
        return changedPartitions;
    }

    PartitionRegistration partition(int partitionId) {
        PartitionRegistration changed = changedPartitions.get(partitionId);
        return changed != null || base == null ? changed : base.partition(partitionId);
    }

    void putPartition(int partitionId, PartitionRegistration registration) {
        changedPartitions.put(partitionId, registration);
    }

    TopicImage apply() {
        Map<Integer, PartitionRegistration> partitions = new HashMap<>(base == null ? Map.of() : base.partitions());
        partitions.putAll(changedPartitions);
        return new TopicImage(name, id, partitions);
    }
}
