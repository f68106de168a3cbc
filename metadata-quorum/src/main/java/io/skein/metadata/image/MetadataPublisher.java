package io.skein.metadata.image;

/**
 * Reacts to metadata as it is applied: the replica manager becomes leader or follower, the group
 * coordinator loads offsets partitions. Called on the thread that applies the log, in log order.
 */
@FunctionalInterface
public interface MetadataPublisher {
    void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage);
}
