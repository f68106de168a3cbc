package io.skein.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** A replica's log as its files hold it, read from outside the node. */
public final class SegmentFiles {
    private SegmentFiles() {
    }

    /**
     * The bytes of the segments of {@code topic}-{@code partition} under {@code logDir}, in offset
     * order. Two replicas of the same history hold the same bytes, batch for batch.
     */
    public static byte[] bytes(Path logDir, String topic, int partition) throws IOException {
        Path partitionDir = logDir.resolve(topic + "-" + partition);
        try (Stream<Path> files = Files.list(partitionDir)) {
            List<Path> segments = files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (Path segment : segments) {
                all.write(Files.readAllBytes(segment));
            }
            return all.toByteArray();
        }
    }

    /** The lines of the partition's {@code leader-epoch-checkpoint} after its header: "epoch startOffset". */
    public static List<String> epochEntries(Path logDir, String topic, int partition) throws IOException {
        List<String> lines = Files.readAllLines(logDir.resolve(topic + "-" + partition).resolve("leader-epoch-checkpoint"));
        return lines.subList(Math.min(2, lines.size()), lines.size());
    }
}
