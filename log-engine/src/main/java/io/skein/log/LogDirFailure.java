package io.skein.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;

/**
 * A log directory taken offline after an I/O error on its files, or because it was gone: the logs it
 * held ({@code partitions}), closed and no longer among the manager's, and whether any directory is
 * left online.
 */
public record LogDirFailure(Path dir, UUID directoryId, Set<TopicPartition> partitions, boolean anyDirOnline,
                            IOException cause) {
}
