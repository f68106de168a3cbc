package io.skein.log;

import io.skein.log.checkpoint.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * The identity written into every log directory when storage is formatted: which cluster and which
 * node the directory belongs to. A node refuses directories that are unformatted or belong elsewhere.
 * Each directory also gets its own {@code directory.id}, as in Kafka, so that the controller can tell
 * a restarted node on the same disks from another process claiming the same node id.
 */
public record MetaProperties(String clusterId, int nodeId) {
    public static final String FILE_NAME = "meta.properties";
    static final int VERSION = 1;

    public MetaProperties {
        if (clusterId == null || clusterId.isBlank()) {
            throw new IllegalArgumentException("A cluster id is required");
        }
        if (nodeId < 0) {
            throw new IllegalArgumentException("A node id is never negative: " + nodeId);
        }
    }

    /**
     * Formats {@code dirs} for this identity, creating them if needed. A directory already formatted
     * with the same identity is left alone; one formatted with another is refused.
     */
    public void format(List<Path> dirs) throws IOException {
        for (Path dir : dirs) {
            Optional<MetaProperties> existing = read(dir);
            if (existing.isPresent() && !existing.get().equals(this)) {
                throw new IOException("Log directory " + dir + " is already formatted for " + existing.get()
                        + ", not " + this);
            }
            if (existing.isEmpty()) {
                Files.createDirectories(dir);
                write(dir, UUID.randomUUID());
            }
        }
    }

    private void write(Path dir, UUID directoryId) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("version", Integer.toString(VERSION));
        properties.setProperty("cluster.id", clusterId);
        properties.setProperty("node.id", Integer.toString(nodeId));
        properties.setProperty("directory.id", directoryId.toString());
        StringWriter text = new StringWriter();
        properties.store(text, "Skein log directory identity: written by storage format, do not edit");
        AtomicFiles.write(dir.resolve(FILE_NAME), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The identity all of {@code dirs} share, which must be node {@code nodeId}'s.
     *
     * @throws IOException naming the directory and what to do, if one is unformatted, belongs to
     *                     another node, or the directories disagree on their cluster
     */
    public static MetaProperties verify(List<Path> dirs, int nodeId) throws IOException {
        MetaProperties identity = null;
        for (Path dir : dirs) {
            MetaProperties found = read(dir).orElseThrow(() -> new IOException("Log directory " + dir
                    + " is not formatted: run `skein storage format --cluster-id ID --config FILE` first"));
            if (found.nodeId() != nodeId) {
                throw new IOException("Log directory " + dir + " belongs to node " + found.nodeId()
                        + ", but this is node " + nodeId + ": check node.id and log.dirs");
            }
            if (identity != null && !identity.equals(found)) {
                throw new IOException("Log directories disagree on their cluster: " + identity + " vs " + found
                        + " in " + dir);
            }
            identity = found;
        }
        return identity;
    }

    /** The identity in {@code dir}, or empty if the directory is not formatted. */
    public static Optional<MetaProperties> read(Path dir) throws IOException {
        return load(dir).map(Contents::identity);
    }

    /** The id of the formatted directory {@code dir}. */
    public static UUID directoryId(Path dir) throws IOException {
        return load(dir).orElseThrow(() -> new IOException(dir + " is not formatted")).directoryId();
    }

    private record Contents(MetaProperties identity, UUID directoryId) {
    }

    private static Optional<Contents> load(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        properties.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        String version = properties.getProperty("version");
        String clusterId = properties.getProperty("cluster.id");
        String nodeId = properties.getProperty("node.id");
        String directoryId = properties.getProperty("directory.id");
        if (!Integer.toString(VERSION).equals(version) || clusterId == null || nodeId == null || directoryId == null) {
            throw new IOException(file + " is not a version " + VERSION
                    + " meta.properties with cluster.id, node.id and directory.id");
        }
        try {
            return Optional.of(new Contents(new MetaProperties(clusterId, Integer.parseInt(nodeId.trim())),
                    UUID.fromString(directoryId.trim())));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is malformed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "cluster " + clusterId + ", node " + nodeId;
    }
}
