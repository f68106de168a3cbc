package io.skein.chaos.replica;

import io.skein.log.record.RecordBatchView;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One replica's copy of a partition as its directory holds it on disk: the header of every whole v2
 * batch of its segments, in offset order. Read only while the node is down (or frozen): a running
 * node may be writing the last batch.
 */
public final class ReplicaLog {
    /** Kafka's segment names: the base offset in 20 digits. */
    private static final Pattern SEGMENT = Pattern.compile("\\d{20}\\.log");

    /**
     * One batch, with what replicas must agree on (offsets, the leader epoch that wrote it and the
     * CRC of what it holds: computed, so that a corrupted copy differs even where its header does
     * not) and where it lies: its segment, its position there and its size.
     *
     * @param crcValid whether the CRC its header stores is that of what it holds
     */
    public record Batch(long baseOffset, long lastOffset, int partitionLeaderEpoch, int crc, boolean crcValid,
                        Path segment, int position, int sizeInBytes) {
        public boolean sameAs(Batch other) {
            return baseOffset == other.baseOffset && lastOffset == other.lastOffset
                    && partitionLeaderEpoch == other.partitionLeaderEpoch && crc == other.crc;
        }

        public String describe() {
            return String.format(Locale.ROOT, "offsets %d-%d epoch %d crc %08x%s", baseOffset, lastOffset,
                    partitionLeaderEpoch, crc, crcValid ? "" : " (not the one its header stores)");
        }
    }

    private final Path dir;
    private final List<Batch> batches;

    private ReplicaLog(Path dir, List<Batch> batches) {
        this.dir = dir;
        this.batches = List.copyOf(batches);
    }

    /** Reads the segments of {@code partitionDir}; a torn or garbled tail ends the log where it starts. */
    public static ReplicaLog read(Path partitionDir) throws IOException {
        List<Batch> batches = new ArrayList<>();
        RecordBatchView view = new RecordBatchView();
        for (Path segment : segments(partitionDir)) {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
            for (int position = 0; position + RecordBatchView.HEADER_SIZE <= bytes.limit(); ) {
                view.at(bytes, position);
                int size = view.sizeInBytes();
                if (view.magic() != RecordBatchView.MAGIC_V2 || size < RecordBatchView.HEADER_SIZE
                        || position + size > bytes.limit()) {
                    break;
                }
                int crc = view.computeCrc();
                batches.add(new Batch(view.baseOffset(), view.lastOffset(), view.partitionLeaderEpoch(), crc,
                        crc == view.storedCrc(), segment, position, size));
                position += size;
            }
        }
        return new ReplicaLog(partitionDir, batches);
    }

    private static List<Path> segments(Path partitionDir) throws IOException {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.filter(file -> SEGMENT.matcher(file.getFileName().toString()).matches()).sorted().toList();
        }
    }

    public List<Batch> batches() {
        return batches;
    }

    /** The offset after its last whole batch; 0 for a log without any. */
    public long logEndOffset() {
        return batches.isEmpty() ? 0 : batches.get(batches.size() - 1).lastOffset() + 1;
    }

    /** Its batches that hold an offset in [from, to), in order. */
    public List<Batch> between(long from, long to) {
        return batches.stream().filter(batch -> batch.lastOffset() >= from && batch.baseOffset() < to).toList();
    }

    /**
     * Cuts the log before the first batch that holds {@code offset} or a later one, as a disk that lost
     * what had not reached it would: that segment is cut there and later segments are removed with
     * their indexes. Only while the node is down.
     *
     * @return the bytes removed
     */
    public long truncateTo(long offset) throws IOException {
        Batch first = batches.stream().filter(batch -> batch.lastOffset() >= offset).findFirst().orElse(null);
        if (first == null) {
            return 0;
        }
        long removed = 0;
        for (Path segment : segments(dir)) {
            int order = segment.getFileName().compareTo(first.segment().getFileName());
            if (order == 0) {
                try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
                    removed += file.length() - first.position();
                    file.setLength(first.position());
                }
            } else if (order > 0) {
                removed += Files.size(segment);
                String base = segment.getFileName().toString().replace(".log", "");
                for (String suffix : List.of(".log", ".index", ".timeindex")) {
                    Files.deleteIfExists(segment.resolveSibling(base + suffix));
                }
            }
        }
        return removed;
    }
}
