package io.skein.log;

import io.skein.log.checkpoint.CheckpointFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start offset of every leader epoch in a partition log, persisted in its
 * {@code leader-epoch-checkpoint}. Followers ask a leader for {@link #endOffsetFor} an epoch
 * (OffsetsForLeaderEpoch) to find where their logs diverge, so entries are written durably before
 * any batch of a new epoch is appended; recovery relies on that to spot a corrupted epoch field.
 *
 * <p>The log's writer changes the cache; readers see an immutable snapshot.
 */
public final class LeaderEpochCache {
    public static final String CHECKPOINT_FILE = "leader-epoch-checkpoint";
    public static final int UNDEFINED_EPOCH = -1;
    public static final long UNDEFINED_EPOCH_OFFSET = -1L;

    private static final Logger log = LoggerFactory.getLogger(LeaderEpochCache.class);
    private static final int VERSION = 0;

    /** An epoch and the offset of its first batch. */
    public record EpochEntry(int epoch, long startOffset) {
    }

    /** The answer to OffsetsForLeaderEpoch: the largest epoch at most the one asked for, and where it ended. */
    public record EpochEndOffset(int epoch, long endOffset) {
        public static final EpochEndOffset UNDEFINED = new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
    }

    private final CheckpointFile<EpochEntry> checkpoint;
    private volatile NavigableMap<Integer, EpochEntry> epochs;

    private LeaderEpochCache(CheckpointFile<EpochEntry> checkpoint, NavigableMap<Integer, EpochEntry> epochs) {
        this.checkpoint = checkpoint;
        this.epochs = Collections.unmodifiableNavigableMap(epochs);
    }

    /**
     * Loads the cache of a partition directory. Returns null if the checkpoint exists but is corrupt,
     * in which case the caller rebuilds it from the log.
     */
    static LeaderEpochCache load(Path partitionDir) {
        CheckpointFile<EpochEntry> file = checkpointFile(partitionDir);
        TreeMap<Integer, EpochEntry> entries = new TreeMap<>();
        try {
            for (EpochEntry entry : file.read()) {
                entries.put(entry.epoch(), entry);
            }
        } catch (IOException e) {
            log.warn("Ignoring unreadable {}; the cache will be rebuilt from the log", file.path(), e);
            return null;
        }
        return new LeaderEpochCache(file, entries);
    }

    /** An empty cache for a partition directory, written to disk at once. */
    static LeaderEpochCache empty(Path partitionDir) {
        LeaderEpochCache cache = new LeaderEpochCache(checkpointFile(partitionDir), new TreeMap<>());
        cache.write(cache.epochs);
        return cache;
    }

    static boolean checkpointExists(Path partitionDir) {
        return Files.exists(partitionDir.resolve(CHECKPOINT_FILE));
    }

    private static CheckpointFile<EpochEntry> checkpointFile(Path partitionDir) {
        return new CheckpointFile<>(partitionDir.resolve(CHECKPOINT_FILE), VERSION, new CheckpointFile.Format<>() {
            @Override
            public String format(EpochEntry entry) {
                return entry.epoch() + " " + entry.startOffset();
            }

            @Override
            public EpochEntry parse(String line) {
                String[] fields = line.trim().split(" ");
                if (fields.length != 2) {
                    throw new IllegalArgumentException("malformed line \"" + line + "\"");
                }
                return new EpochEntry(Integer.parseInt(fields[0]), Long.parseLong(fields[1]));
            }
        });
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}, durably, if it is newer than the
     * latest epoch; older or equal epochs are already covered. Writer only.
     */
    void assign(int epoch, long startOffset) {
        Map.Entry<Integer, EpochEntry> latest = epochs.lastEntry();
        if (epoch < 0 || (latest != null && epoch <= latest.getKey())) {
            return;
        }
        TreeMap<Integer, EpochEntry> updated = new TreeMap<>(epochs);
        updated.values().removeIf(entry -> entry.startOffset() >= startOffset);
        updated.put(epoch, new EpochEntry(epoch, startOffset));
        replace(updated);
    }

    public OptionalInt latestEpoch() {
        Map.Entry<Integer, EpochEntry> latest = epochs.lastEntry();
        return latest == null ? OptionalInt.empty() : OptionalInt.of(latest.getKey());
    }

    /** The epoch whose range holds {@code offset}, if the cache reaches back that far. */
    public OptionalInt epochForOffset(long offset) {
        EpochEntry found = null;
        for (EpochEntry entry : epochs.values()) {
            if (entry.startOffset() > offset) {
                break;
            }
            found = entry;
        }
        return found == null ? OptionalInt.empty() : OptionalInt.of(found.epoch());
    }

    /**
     * For {@code requestedEpoch}: the largest known epoch not above it, and the start offset of the
     * epoch after that one (or the log end offset if it is the latest). Undefined if the requested
     * epoch is newer than any known. As Kafka answers OffsetsForLeaderEpoch.
     */
    public EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
        NavigableMap<Integer, EpochEntry> snapshot = epochs;
        if (requestedEpoch == UNDEFINED_EPOCH || snapshot.isEmpty()) {
            return EpochEndOffset.UNDEFINED;
        }
        if (requestedEpoch == snapshot.lastKey()) {
            return new EpochEndOffset(requestedEpoch, logEndOffset);
        }
        Map.Entry<Integer, EpochEntry> higher = snapshot.higherEntry(requestedEpoch);
        if (higher == null) {
            return EpochEndOffset.UNDEFINED;
        }
        Map.Entry<Integer, EpochEntry> floor = snapshot.floorEntry(requestedEpoch);
        int epoch = floor == null ? requestedEpoch : floor.getKey();
        return new EpochEndOffset(epoch, higher.getValue().startOffset());
    }

    /** Drops epochs that start at or after {@code endOffset}, after the log was cut there. Writer only. */
    void truncateFromEnd(long endOffset) {
        TreeMap<Integer, EpochEntry> updated = new TreeMap<>(epochs);
        updated.values().removeIf(entry -> entry.startOffset() >= endOffset);
        replaceIfChanged(updated);
    }

    /**
     * Drops epochs that end before {@code startOffset}, after the log start moved there; the epoch that
     * holds it now starts there. Writer only.
     */
    void truncateFromStart(long startOffset) {
        TreeMap<Integer, EpochEntry> updated = new TreeMap<>();
        EpochEntry holding = null;
        for (EpochEntry entry : epochs.values()) {
            if (entry.startOffset() <= startOffset) {
                holding = entry;
            } else {
                updated.put(entry.epoch(), entry);
            }
        }
        if (holding != null) {
            updated.put(holding.epoch(), new EpochEntry(holding.epoch(), startOffset));
        }
        replaceIfChanged(updated);
    }

    /** Forgets every epoch, for a log that starts over. Writer only. */
    void clear() {
        replace(new TreeMap<>());
    }

    public List<EpochEntry> entries() {
        return List.copyOf(epochs.values());
    }

    private void replaceIfChanged(TreeMap<Integer, EpochEntry> updated) {
        if (!updated.equals(epochs)) {
            replace(updated);
        }
    }

    private void replace(TreeMap<Integer, EpochEntry> updated) {
        write(updated);
        epochs = Collections.unmodifiableNavigableMap(updated);
    }

    private void write(NavigableMap<Integer, EpochEntry> entries) {
        try {
            checkpoint.write(entries.values());
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot write " + checkpoint.path(), e);
        }
    }
}
