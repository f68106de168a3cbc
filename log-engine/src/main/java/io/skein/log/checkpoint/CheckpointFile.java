package io.skein.log.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A text checkpoint in Kafka's layout: a version line, an entry-count line, then one line per entry.
 * Written atomically; a file that does not parse, or holds a different count than it declares, is
 * reported as corrupt rather than half-read.
 *
 * @param <T> the entry type
 */
public final class CheckpointFile<T> {
    /** Turns an entry into one line and back; {@code parse} throws on a malformed line. */
    public interface Format<T> {
        String format(T entry);

        T parse(String line);
    }

    private final Path path;
    private final int version;
    private final Format<T> format;

    public CheckpointFile(Path path, int version, Format<T> format) {
        this.path = path;
        this.version = version;
        this.format = format;
    }

    public Path path() {
        return path;
    }

    public void write(Collection<T> entries) throws IOException {
        StringBuilder text = new StringBuilder().append(version).append('\n').append(entries.size()).append('\n');
        for (T entry : entries) {
            text.append(format.format(entry)).append('\n');
        }
        AtomicFiles.write(path, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The entries, or an empty list if the file does not exist. */
    public List<T> read() throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        try {
            if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != version) {
                throw new IllegalArgumentException("expected version " + version + " and an entry count");
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (count != lines.size() - 2) {
                throw new IllegalArgumentException("declares " + count + " entries but holds " + (lines.size() - 2));
            }
            List<T> entries = new ArrayList<>(count);
            for (String line : lines.subList(2, lines.size())) {
                entries.add(format.parse(line));
            }
            return entries;
        } catch (RuntimeException e) {
            throw new CorruptCheckpointException(path, e);
        }
    }

    /** A checkpoint file whose content does not parse. */
    public static final class CorruptCheckpointException extends IOException {
        CorruptCheckpointException(Path path, RuntimeException cause) {
            super("Checkpoint file " + path + " is corrupt: " + cause.getMessage(), cause);
        }
    }
}
