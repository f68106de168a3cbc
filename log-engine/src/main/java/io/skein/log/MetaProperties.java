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

/**
 * The identity written into every log directory when storage is formatted: which cluster and which
 * node the directory belongs to. A node refuses directories that are unformatted or belong elsewhere.
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
                write(dir);
            }
        }
    }

    void write(Path dir) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("version", Integer.toString(VERSION));
        properties.setProperty("cluster.id", clusterId);
        properties.setProperty("node.id", Integer.toString(nodeId));
        StringWriter text = new StringWriter();
        properties.store(text, "Skein log directory identity: written by storage format, do not edit");
        AtomicFiles.write(dir.resolve(FILE_NAME), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The identity in {@code dir}, or empty if the directory is not formatted. */
    public static Optional<MetaProperties> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        properties.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        String version = properties.getProperty("version");
        String clusterId = properties.getProperty("cluster.id");
        String nodeId = properties.getProperty("node.id");
        if (!Integer.toString(VERSION).equals(version) || clusterId == null || nodeId == null) {
            throw new IOException(file + " is not a version " + VERSION + " meta.properties with cluster.id and node.id");
        }
        try {
            return Optional.of(new MetaProperties(clusterId, Integer.parseInt(nodeId.trim())));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is malformed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "cluster " + clusterId + ", node " + nodeId;
    }
}
