package io.skein.chaos.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A voter's metadata log on disk, as Ratis lays it out under {@code __cluster_metadata/GROUP}: log
 * segments in {@code current} ({@code log_FIRST-LAST} closed, {@code log_inprogress_FIRST} open) and
 * snapshots in {@code sm} ({@code snapshot.TERM_INDEX}). Read from this machine while the node runs:
 * file names only, which Ratis changes atomically.
 */
public record MetadataLogFiles(Path root) {
    private static final Pattern SEGMENT = Pattern.compile("log_(?:inprogress_)?(\\d+)(?:-\\d+)?");
    private static final Pattern SNAPSHOT = Pattern.compile("snapshot\\.\\d+_(\\d+)");

    /** Index of the newest snapshot, if it has taken or installed one. */
    public OptionalLong snapshotIndex() throws IOException {
        return indexes("sm", SNAPSHOT).stream().mapToLong(Long::longValue).max();
    }

    /** Index of the first entry still in its log: entries before it are only in snapshots. */
    public OptionalLong logStartIndex() throws IOException {
        return indexes("current", SEGMENT).stream().mapToLong(Long::longValue).min();
    }

    /** The index each file of {@code dir} that matches {@code pattern} names. */
    private List<Long> indexes(String dir, Pattern pattern) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> groups = Files.list(root)) {
            return groups.map(group -> group.resolve(dir)).filter(Files::isDirectory).flatMap(MetadataLogFiles::list)
                    .map(file -> pattern.matcher(file.getFileName().toString())).filter(Matcher::matches)
                    .map(matcher -> Long.parseLong(matcher.group(1))).toList();
        }
    }

    private static Stream<Path> list(Path dir) {
        try {
            return Files.list(dir).toList().stream();
        } catch (IOException e) {
            return Stream.empty(); // Ratis replaced it while we looked: the next look sees the new one
        }
    }
}
