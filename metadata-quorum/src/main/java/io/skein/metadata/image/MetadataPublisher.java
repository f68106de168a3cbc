package io.skein.metadata.image;

/**
 * Reacts to metadata as it is applied: the replica manager becomes leader or follower, the group
 * coordinator loads offsets partitions. Called on the thread that applies the log, in log order.
 * A delta whose {@link MetadataDelta#image()} is {@link MetadataImage#EMPTY} replaces everything
 * before it (a snapshot, or the first update a publisher gets).
 */
@FunctionalInterface
public interface MetadataPublisher {
    void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage);
}
