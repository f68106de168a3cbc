package io.skein.broker.admin;

import io.skein.broker.admin.RecordTimes.Found;
import io.skein.broker.admin.RecordTimes.Position;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer group lag, the one definition behind DescribeGroups, {@code /metrics} and the history:
 * per partition, in offsets the high watermark minus the committed offset, and in time the age of
 * the oldest record the group has not consumed (the broker's clock minus the timestamp of the first
 * record at or after the committed offset, from the log start if retention took it), 0 when the
 * committed offset reaches the high watermark. Both come from the partition's leader, wherever it
 * is, as a consumer would see them: its log start and high watermark (ListOffsets, one request per
 * leader for each), and the first record (one Fetch of one batch per lagging partition,
 * {@link RecordTimes}).
 *
 * <p>The record at an offset does not change while it exists, so what a read found is remembered
 * ({@link #CACHED} entries at most): a group stuck at an offset costs its leader one read per
 * {@link #CACHE_MS}, not one per scrape or description. An entry is used only while the record it
 * found is still at or after the log start, and for at most {@link #CACHE_MS}, since compaction may
 * remove it too.
 */
public final class GroupLag {
    /** Remembered first records, by partition and committed offset: about 100 bytes each. */
    static final int CACHED = 20_000;
    static final long CACHE_MS = 60_000;

    /**
     * One partition of one group, each figure -1 where unknown (no committed offset; no live leader,
     * or it did not answer).
     *
     * @param end   the partition's high watermark
     * @param lagMs the age of the oldest record not consumed, in ms; 0 when the group has consumed everything
     */
    public record PartitionLag(long committed, long end, long lag, long lagMs) {
    }

    private record Remembered(Found found, long readAtMs) {
    }

    private final TopicRpcs topics;
    private final RecordTimes times;
    private final Clock clock;
    private final Map<Position, Remembered> remembered = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Position, Remembered> eldest) {
            return size() > CACHED;
        }
    };

    GroupLag(TopicRpcs topics, RecordTimes times, Clock clock) {
        this.topics = topics;
        this.times = times;
        this.clock = clock;
    }

    /**
     * The lag of each group in each of its partitions.
     *
     * @param committed by group, each partition's committed offset, or -1 where the group has none
     *                  (the partition's end is still given)
     */
    public CompletableFuture<Map<String, Map<TopicPartition, PartitionLag>>> of(
            Map<String, Map<TopicPartition, Long>> committed) {
        Set<TopicPartition> partitions = new HashSet<>();
        committed.values().forEach(offsets -> partitions.addAll(offsets.keySet()));
        List<TopicPartition> asked = new ArrayList<>(partitions);
        CompletableFuture<Map<TopicPartition, Long>> starts = topics.offsets(asked, OffsetSpec.earliest());
        CompletableFuture<Map<TopicPartition, Long>> ends = topics.offsets(asked, OffsetSpec.latest());
        return starts.thenCombine(ends, Bounds::new).thenCompose(bounds -> firstRecords(committed, bounds)
                .thenApply(first -> {
                    long now = clock.millis();
                    Map<String, Map<TopicPartition, PartitionLag>> lags = new HashMap<>();
                    committed.forEach((group, offsets) -> {
                        Map<TopicPartition, PartitionLag> each = new HashMap<>();
                        offsets.forEach((tp, offset) -> each.put(tp, lag(offset, bounds.ends().getOrDefault(tp, -1L),
                                first.get(new Position(tp, offset)), now)));
                        lags.put(group, each);
                    });
                    return lags;
                }));
    }

    private record Bounds(Map<TopicPartition, Long> starts, Map<TopicPartition, Long> ends) {
    }

    private static PartitionLag lag(long committed, long end, Found first, long now) {
        boolean known = committed >= 0 && end >= 0;
        long lagMs = !known ? -1 : committed >= end ? 0 : first == null ? -1 : Math.max(0, now - first.timestamp());
        return new PartitionLag(committed, end, known ? Math.max(0, end - committed) : -1, lagMs);
    }

    /** The first record at each committed offset below its partition's end: remembered, or read now. */
    private CompletableFuture<Map<Position, Found>> firstRecords(Map<String, Map<TopicPartition, Long>> committed,
                                                                 Bounds bounds) {
        long now = clock.millis();
        Map<Position, Found> known = new HashMap<>();
        Set<Position> unknown = new HashSet<>();
        synchronized (remembered) {
            committed.values().forEach(offsets -> offsets.forEach((tp, offset) -> {
                if (offset < 0 || offset >= bounds.ends().getOrDefault(tp, -1L)) {
                    return;
                }
                Position position = new Position(tp, offset);
                Remembered entry = remembered.get(position);
                if (entry != null && now - entry.readAtMs() < CACHE_MS
                        && entry.found().offset() >= bounds.starts().getOrDefault(tp, Long.MAX_VALUE)) {
                    known.put(position, entry.found());
                } else {
                    unknown.add(position);
                }
            }));
        }
        if (unknown.isEmpty()) {
            return CompletableFuture.completedFuture(known);
        }
        return times.at(unknown).thenApply(read -> {
            synchronized (remembered) {
                read.forEach((position, found) -> remembered.put(position, new Remembered(found, now)));
            }
            known.putAll(read);
            return known;
        });
    }
}
