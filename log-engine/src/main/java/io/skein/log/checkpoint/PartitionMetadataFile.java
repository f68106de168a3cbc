package io.skein.log.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.common.Uuid;

/**
 * A partition directory's {@code partition.metadata} file, in Kafka's layout: it names the id of the
 * topic the log was created for, so that a log left from a deleted topic of the same name is
 * recognised as stale. Written atomically.
 */
public final class PartitionMetadataFile {
    public static final String FILE_NAME = "partition.metadata";

    private static final String TOPIC_ID = "topic_id:";

    private PartitionMetadataFile() {
    }

    /** Records, durably, that the log in {@code dir} belongs to topic {@code id}. */
    public static void write(Path dir, UUID id) throws IOException {
        Uuid kafkaId = new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
        AtomicFiles.write(dir.resolve(FILE_NAME), ("version: 0\n" + TOPIC_ID + " " + kafkaId + "\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The topic id the file in {@code dir} names; empty if there is no file.
     *
     * @throws IOException also for a file that names no topic id or a malformed one
     */
    public static Optional<UUID> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith(TOPIC_ID)) {
                try {
                    Uuid id = Uuid.fromString(line.substring(TOPIC_ID.length()).trim());
                    return Optional.of(new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits()));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + " holds a malformed topic id: " + line, e);
                }
            }
        }
        throw new IOException(file + " holds no topic_id");
    }
}
