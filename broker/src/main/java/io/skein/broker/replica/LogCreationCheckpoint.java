package io.skein.broker.replica;

import io.skein.log.checkpoint.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The newest metadata offset under which this broker created a log, kept in a log dir. Deleting a log
 * because the metadata no longer assigns it here needs an image at least this new: an older one may
 * predate the log (a broker restarting sees its first image before it has caught up), and its silence
 * about the log proves nothing. A directory without the file holds no log created since it existed.
 */
final class LogCreationCheckpoint {
    static final String FILE = "log-creation-metadata-offset";

    private final Path file;
    private long offset;

    private LogCreationCheckpoint(Path file, long offset) {
        this.file = file;
        this.offset = offset;
    }

    static LogCreationCheckpoint load(Path logDir) throws IOException {
        Path file = logDir.resolve(FILE);
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8).trim();
            try {
                return new LogCreationCheckpoint(file, Long.parseLong(content));
            } catch (NumberFormatException e) {
                throw new IOException("Malformed " + file + ": \"" + content + "\"", e);
            }
        } catch (NoSuchFileException e) {
            return new LogCreationCheckpoint(file, -1);
        }
    }

    long offset() {
        return offset;
    }

    /** Records, durably, that logs may now exist from the image at {@code metadataOffset}; never moves back. */
    void advanceTo(long metadataOffset) throws IOException {
        if (metadataOffset > offset) {
            AtomicFiles.write(file, Long.toString(metadataOffset).getBytes(StandardCharsets.UTF_8));
            offset = metadataOffset;
        }
    }
}
