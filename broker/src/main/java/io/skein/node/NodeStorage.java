package io.skein.node;

import io.skein.log.MetaProperties;
import io.skein.proto.metadata.MetadataRecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.Uuid;

/**
 * A node's directories, formatted once before its first start: every log dir and the metadata log
 * dir get a {@code meta.properties} naming the cluster and the node; a controller's metadata log dir
 * may also get the records a new cluster's metadata log starts with ({@value #BOOTSTRAP_FILE}, as
 * Kafka's {@code bootstrap.checkpoint}: SCRAM users that must exist before brokers can log in to each
 * other).
 */
public final class NodeStorage {
    /** The bootstrap records, a {@code MetadataRecordBatch}, in the metadata log dir. */
    static final String BOOTSTRAP_FILE = "bootstrap.checkpoint";

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
        return format(config, clusterId, ignoreFormatted, MetadataRecordBatch.getDefaultInstance());
    }

    /**
     * {@link #format(NodeConfig, String, boolean)}, giving a controller whose metadata log dir is
     * formatted now the records a new cluster's metadata log starts with; the first active
     * controller writes its own. Nodes without the controller role ignore them, as Kafka's brokers do.
     */
    public static List<Path> format(NodeConfig config, String clusterId, boolean ignoreFormatted,
                                    MetadataRecordBatch bootstrap) throws IOException {
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
        if (bootstrap.getRecordsCount() > 0 && config.hasRole(NodeConfig.Role.CONTROLLER)
                && fresh.contains(config.metadataLogDir())) {
            Path file = config.metadataLogDir().resolve(BOOTSTRAP_FILE);
            Path temp = file.resolveSibling(BOOTSTRAP_FILE + ".tmp");
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(bootstrap.toByteArray()));
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        }
        return fresh;
    }

    /** The records {@link #format} gave this controller for a new cluster's metadata log; none if it gave none. */
    public static MetadataRecordBatch bootstrap(NodeConfig config) throws IOException {
        Path file = config.metadataLogDir().resolve(BOOTSTRAP_FILE);
        return Files.exists(file) ? MetadataRecordBatch.parseFrom(Files.readAllBytes(file))
                : MetadataRecordBatch.getDefaultInstance();
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
