package io.skein.log;

import io.skein.log.checkpoint.AtomicFiles;
import io.skein.log.index.CorruptIndexException;
import io.skein.log.record.RecordBatchView;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the segments of a partition directory and makes them trustworthy.
 *
 * <p>After a clean shutdown the segments are taken as they are, once their indexes pass a check.
 * After an unclean one, every batch from the segment holding the recovery point onwards is
 * re-validated (framing, CRC, offsets going up, leader epoch against the checkpointed epoch cache)
 * and the log is cut at the first bad byte; later segments are removed. Missing or corrupt indexes
 * are rebuilt, and an unreadable epoch checkpoint is rebuilt from every batch. The transaction indexes
 * from the first segment recovered on are emptied: rebuilding them needs the producer state, which
 * {@link PartitionLog} loads next ({@link LoadedLog#txnIndexRebuildFrom}). A cleaning that a crash
 * interrupted is finished or discarded first: a {@code .cleaned} segment was not complete and goes,
 * a {@code .swap} segment was (see {@link PartitionLog#replaceSegments}) and replaces the segments it
 * covers.
 */
final class LogLoader {
    private static final Logger log = LoggerFactory.getLogger(LogLoader.class);

    /** What the directory's checkpoints say about this partition; -1 where they say nothing. */
    record Checkpoints(long recoveryPoint, long logStartOffset, long highWatermark) {
        static final Checkpoints NONE = new Checkpoints(-1, -1, -1);
    }

    /**
     * A loaded log, ready for {@link PartitionLog}. The transaction indexes of the segments from
     * {@code txnIndexRebuildFrom} on ({@link Long#MAX_VALUE} if none) are empty, to be rebuilt.
     */
    record LoadedLog(ConcurrentSkipListMap<Long, LogSegment> segments, LeaderEpochCache leaderEpochCache,
                     long logStartOffset, long recoveryPoint, long logEndOffset, long highWatermark,
                     long txnIndexRebuildFrom) {
    }

    private LogLoader() {
    }

    static LoadedLog load(Path dir, LogConfig config, Checkpoints checkpoints, boolean hadCleanShutdown, long nowMs)
            throws IOException {
        completeSwaps(dir, config, nowMs);
        TreeMap<Long, Path> logFiles = scanDirectory(dir);
        LeaderEpochCache epochs = LeaderEpochCache.load(dir);
        boolean rebuildEpochs = epochs == null || (!LeaderEpochCache.checkpointExists(dir) && hasData(logFiles));
        if (rebuildEpochs) {
            epochs = LeaderEpochCache.empty(dir);
        }

        ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
        Set<Long> missingIndexes = new HashSet<>();
        long txnIndexRebuildFrom;
        try {
            for (Map.Entry<Long, Path> entry : logFiles.entrySet()) {
                long baseOffset = entry.getKey();
                if (!Files.exists(LogSegment.file(dir, baseOffset, LogSegment.INDEX_SUFFIX))
                        || !Files.exists(LogSegment.file(dir, baseOffset, LogSegment.TIME_INDEX_SUFFIX))) {
                    missingIndexes.add(baseOffset); // opening creates them empty: remember to rebuild
                }
                segments.put(baseOffset, LogSegment.open(dir, baseOffset, config, nowMs));
            }
            if (segments.isEmpty()) {
                long start = Math.max(0, checkpoints.logStartOffset());
                segments.put(start, LogSegment.create(dir, start, config, nowMs));
            }
            Long recoverFrom = hadCleanShutdown ? null : floorOrFirst(segments, checkpoints.recoveryPoint());
            if (rebuildEpochs) {
                recoverFrom = segments.firstKey();
            }
            txnIndexRebuildFrom = validate(segments, recoverFrom, missingIndexes, epochs, rebuildEpochs,
                    checkpoints.logStartOffset());
            for (LogSegment segment : segments.tailMap(txnIndexRebuildFrom).values()) {
                segment.txnIndex().reset();
            }
        } catch (IOException | RuntimeException e) {
            for (LogSegment segment : segments.values()) {
                closeQuietly(segment);
            }
            throw e;
        }

        LogSegment active = segments.lastEntry().getValue();
        active.resizeIndexes(config.segmentIndexBytes());
        long logEndOffset = active.readNextOffset();
        epochs.truncateFromEnd(logEndOffset);
        long logStartOffset = Math.min(Math.max(checkpoints.logStartOffset(), segments.firstKey()), logEndOffset);
        epochs.truncateFromStart(logStartOffset);
        long recoveryPoint = hadCleanShutdown ? logEndOffset : Math.min(Math.max(0, checkpoints.recoveryPoint()), logEndOffset);
        long highWatermark = Math.min(Math.max(checkpoints.highWatermark(), logStartOffset), logEndOffset);
        return new LoadedLog(segments, epochs, logStartOffset, recoveryPoint, logEndOffset, highWatermark,
                txnIndexRebuildFrom);
    }

    /**
     * Recovers the segments from {@code recoverFrom} on (none if null) and any whose indexes are
     * missing or corrupt; once a segment is cut short, the segments after it are removed.
     *
     * @return the base offset of the first segment recovered, {@link Long#MAX_VALUE} if none
     */
    private static long validate(ConcurrentSkipListMap<Long, LogSegment> segments, Long recoverFrom,
                                 Set<Long> missingIndexes, LeaderEpochCache epochs, boolean rebuildEpochs,
                                 long logStartOffset) throws IOException {
        LogSegment.BatchCheck epochCheck = batch -> checkEpoch(batch, epochs, rebuildEpochs, logStartOffset);
        List<LogSegment> ordered = new ArrayList<>(segments.values());
        long firstRecovered = Long.MAX_VALUE;
        for (int i = 0; i < ordered.size(); i++) {
            LogSegment segment = ordered.get(i);
            boolean unflushed = recoverFrom != null && segment.baseOffset() >= recoverFrom;
            if (!unflushed && !missingIndexes.contains(segment.baseOffset()) && indexesUsable(segment)) {
                continue;
            }
            firstRecovered = Math.min(firstRecovered, segment.baseOffset());
            segment.recover(epochCheck);
            boolean last = i == ordered.size() - 1;
            if (!last && segment.readNextOffset() != ordered.get(i + 1).baseOffset()) {
                for (LogSegment later : ordered.subList(i + 1, ordered.size())) {
                    log.warn("Removing {}: the segment before it was cut short by recovery", later.logFile());
                    segments.remove(later.baseOffset());
                    later.delete();
                }
                return firstRecovered;
            }
        }
        return firstRecovered;
    }

    /**
     * A batch's leader epoch must be the one the checkpointed cache gives its offset, since the cache
     * is made durable before any batch of a new epoch is written; a batch wholly below the log start
     * offset is beyond the cache's reach (its entries go as the log start moves, and a truncation may
     * take the rest). When rebuilding the cache instead, epochs must not go down.
     */
    private static String checkEpoch(RecordBatchView batch, LeaderEpochCache epochs, boolean rebuild,
                                     long logStartOffset) {
        int epoch = batch.partitionLeaderEpoch();
        if (rebuild) {
            OptionalInt latest = epochs.latestEpoch();
            if (latest.isPresent() && epoch < latest.getAsInt()) {
                return "leader epoch " + epoch + " after epoch " + latest.getAsInt();
            }
            epochs.assign(epoch, batch.baseOffset());
            return null;
        }
        if (batch.lastOffset() < logStartOffset) {
            return null;
        }
        OptionalInt expected = epochs.epochForOffset(batch.baseOffset());
        if (expected.isPresent()) {
            return expected.getAsInt() == epoch ? null
                    : "leader epoch " + epoch + " where " + LeaderEpochCache.CHECKPOINT_FILE + " has " + expected.getAsInt();
        }
        if (epochs.latestEpoch().isPresent()) {
            return null; // below the cache's reach: the log start offset has moved past this batch
        }
        return epoch < 0 ? null : "leader epoch " + epoch + " missing from " + LeaderEpochCache.CHECKPOINT_FILE;
    }

    private static boolean indexesUsable(LogSegment segment) {
        try {
            segment.offsetIndex().sanityCheck(segment.size());
            segment.timeIndex().sanityCheck(segment.size());
            segment.txnIndex().sanityCheck();
            return true;
        } catch (CorruptIndexException e) {
            log.warn("Rebuilding the indexes of {}: {}", segment.logFile(), e.getMessage());
            return false;
        } catch (IOException e) {
            log.warn("Rebuilding the indexes of {}", segment.logFile(), e);
            return false;
        }
    }

    /**
     * Puts each {@code .swap} segment in place of the segments whose offsets it covers, deleting them.
     * The indexes under its base offset go too, whichever they are (the replaced segment's, the
     * swap's, or the swapped-in log file's after a crash between its renames): the load finds them
     * missing and rebuilds them from the log file.
     */
    private static void completeSwaps(Path dir, LogConfig config, long nowMs) throws IOException {
        TreeSet<Long> swapped = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + LogSegment.SWAP_SUFFIX)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                swapped.add(baseOffsetOf(file, name.substring(name.indexOf('.'))));
            }
        }
        if (swapped.isEmpty()) {
            return;
        }
        TreeMap<Long, Path> logFiles = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + LogSegment.LOG_SUFFIX)) {
            for (Path file : files) {
                logFiles.put(baseOffsetOf(file, LogSegment.LOG_SUFFIX), file);
            }
        }
        for (long baseOffset : swapped) {
            Path swap = LogSegment.file(dir, baseOffset, LogSegment.LOG_SUFFIX + LogSegment.SWAP_SUFFIX);
            boolean logFileSwapped = !Files.exists(swap);
            if (!logFileSwapped) {
                long end;
                try (LogSegment segment = LogSegment.open(dir, baseOffset, LogSegment.SWAP_SUFFIX, config, nowMs)) {
                    end = segment.readNextOffset();
                }
                for (long replaced : logFiles.subMap(baseOffset, true, end, false).keySet()) {
                    log.info("Replacing segment {} of {} with the cleaned segment {}", replaced, dir, swap);
                    Files.delete(logFiles.get(replaced));
                    deleteIndexes(dir, replaced, "");
                }
            }
            deleteIndexes(dir, baseOffset, "");
            deleteIndexes(dir, baseOffset, LogSegment.SWAP_SUFFIX);
            if (!logFileSwapped) {
                Files.move(swap, LogSegment.file(dir, baseOffset, LogSegment.LOG_SUFFIX), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        AtomicFiles.fsyncDirectory(dir);
    }

    private static void deleteIndexes(Path dir, long baseOffset, String fileSuffix) throws IOException {
        Files.deleteIfExists(LogSegment.file(dir, baseOffset, LogSegment.INDEX_SUFFIX + fileSuffix));
        Files.deleteIfExists(LogSegment.file(dir, baseOffset, LogSegment.TIME_INDEX_SUFFIX + fileSuffix));
        Files.deleteIfExists(LogSegment.file(dir, baseOffset, LogSegment.TXN_INDEX_SUFFIX + fileSuffix));
    }

    /**
     * The base offsets of the directory's {@code .log} files. Leftovers of earlier runs go: files
     * already marked for deletion, temp files, segments the cleaner had not finished, and indexes
     * without a log file.
     */
    private static TreeMap<Long, Path> scanDirectory(Path dir) throws IOException {
        TreeMap<Long, Path> logFiles = new TreeMap<>();
        List<Path> indexes = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(LogSegment.DELETED_SUFFIX) || name.endsWith(LogSegment.CLEANED_SUFFIX)
                        || name.endsWith(".tmp")) {
                    Files.deleteIfExists(file);
                } else if (name.endsWith(LogSegment.LOG_SUFFIX)) {
                    logFiles.put(baseOffsetOf(file, LogSegment.LOG_SUFFIX), file);
                } else if (name.endsWith(LogSegment.INDEX_SUFFIX) || name.endsWith(LogSegment.TIME_INDEX_SUFFIX)
                        || name.endsWith(LogSegment.TXN_INDEX_SUFFIX)) {
                    indexes.add(file);
                }
            }
        }
        for (Path index : indexes) {
            String name = index.getFileName().toString();
            String suffix = name.substring(name.indexOf('.'));
            if (!logFiles.containsKey(baseOffsetOf(index, suffix))) {
                log.warn("Deleting {}: its segment's log file is gone", index);
                Files.delete(index);
            }
        }
        return logFiles;
    }

    private static long baseOffsetOf(Path file, String suffix) throws IOException {
        String name = file.getFileName().toString();
        String digits = name.substring(0, name.length() - suffix.length());
        if (digits.length() != 20 || !digits.chars().allMatch(Character::isDigit)) {
            throw new IOException("Unexpected file " + file + ": segment files are named by a 20-digit offset");
        }
        return Long.parseLong(digits);
    }

    private static boolean hasData(TreeMap<Long, Path> logFiles) throws IOException {
        for (Path file : logFiles.values()) {
            if (Files.size(file) > 0) {
                return true;
            }
        }
        return false;
    }

    private static Long floorOrFirst(ConcurrentSkipListMap<Long, LogSegment> segments, long offset) {
        Long floor = segments.floorKey(Math.max(0, offset));
        return floor == null ? segments.firstKey() : floor;
    }

    private static void closeQuietly(LogSegment segment) {
        try {
            segment.close();
        } catch (IOException e) {
            log.warn("Cannot close {}", segment, e);
        }
    }
}
