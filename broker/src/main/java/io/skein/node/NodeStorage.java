package io.skein.node;

import io.skein.log.MetaProperties;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.Uuid;

/**
 * A node's directories, formatted once before its first start: every log dir and the metadata log
 * dir get a {@code meta.properties} naming the cluster and the node.
 */
public final class NodeStorage {
    private NodeStorage() {
    }

    /** A new cluster id, in Kafka's form (a base64 UUID), as {@code skein storage random-uuid} prints it. */
    public static String randomClusterId() {
        return Uuid.randomUuid().toString();
    }

    /**
     * Formats every directory of {@code config} for {@code clusterId}.
     *
     * @param ignoreFormatted leave directories already formatted for this cluster and node alone,
     *                        instead of refusing, as Kafka's {@code --ignore-formatted}
     * @return the directories formatted now
     * @throws IllegalArgumentException if {@code clusterId} is not a Kafka cluster id
     * @throws IOException              if a directory is already formatted (and not ignored, or for another
     *                                  cluster or node) or cannot be written
     */
    public static List<Path> format(NodeConfig config, String clusterId, boolean ignoreFormatted) throws IOException {
        checkClusterId(clusterId);
        MetaProperties identity = new MetaProperties(clusterId, config.nodeId());
        List<Path> fresh = new ArrayList<>();
        for (Path dir : config.formattedDirs()) {
            var existing = MetaProperties.read(dir);
            if (existing.isEmpty()) {
                fresh.add(dir);
            } else if (!existing.get().equals(identity)) {
                throw new IOException("Log directory " + dir + " is already formatted for " + existing.get()
                        + ", not " + identity);
            } else if (!ignoreFormatted) {
                throw new IOException("Log directory " + dir + " is already formatted. Use --ignore-formatted to "
                        + "ignore this directory and format the others.");
            }
        }
        identity.format(fresh);
        return fresh;
    }

    /**
     * The identity every directory of {@code config} was formatted with.
     *
     * @throws IOException naming the directory and the command to run, if one is unformatted or
     *                     formatted for another node or cluster
     */
    public static MetaProperties verify(NodeConfig config) throws IOException {
        return MetaProperties.verify(config.formattedDirs(), config.nodeId());
    }

    /** The {@code directory.id} of each log dir (not the metadata dir), in order. */
    public static List<UUID> logDirIds(NodeConfig config) throws IOException {
        List<UUID> ids = new ArrayList<>();
        for (Path dir : config.logDirs()) {
            ids.add(MetaProperties.directoryId(dir));
        }
        return ids;
    }

    private static void checkClusterId(String clusterId) {
        try {
            Uuid.fromString(clusterId);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Cluster ID string " + clusterId + " does not appear to be a valid "
                    + "UUID: use `skein storage random-uuid` to make one", e);
        }
    }
}
