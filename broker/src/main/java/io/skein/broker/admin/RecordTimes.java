package io.skein.broker.admin;

import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first records at or after given offsets, read from the partitions' leaders as a consumer reads
 * them (read uncommitted, as lag is counted to the high watermark): for a group's lag in time, the age
 * of the oldest record it has not consumed. One read per offset, one connection per leader, the
 * leaders in parallel.
 */
final class RecordTimes {
    private static final Logger log = LoggerFactory.getLogger(RecordTimes.class);
    /** How far past an offset to look for a record (past markers and the like) before giving up. */
    private static final long SCAN_BYTES = 1 << 20;
    /** A Fetch for one byte: the leader sends the first batch whole, and no more. */
    private static final int ONE_BATCH = 1;

    /** An offset of a partition. */
    record Position(TopicPartition tp, long offset) {
    }

    /** The first record at or after a position: its offset and timestamp. */
    record Found(long offset, long timestamp) {
    }

    private final AdminContext context;

    RecordTimes(AdminContext context) {
        this.context = context;
    }

    /**
     * The first record at or after each position (from the log start, if the position is before it).
     * A position is left out if its partition has no live leader, its leader does not answer, or it
     * has no record there: its lag in time is unknown, which fails no description.
     */
    CompletableFuture<Map<Position, Found>> at(Collection<Position> positions) {
        MetadataImage image = context.image();
        Map<Integer, List<Position>> byLeader = new HashMap<>();
        positions.forEach(position -> {
            try {
                byLeader.computeIfAbsent(LeaderReads.leader(image, position.tp()), id -> new ArrayList<>()).add(position);
            } catch (ApiException e) {
                log.debug("No lag in time for {}: {}", position.tp(), e.getMessage());
            }
        });
        List<CompletableFuture<Map<Position, Found>>> each = new ArrayList<>();
        byLeader.forEach((leader, wanted) -> each.add(context.reads()
                .fromBroker(image, leader, connection -> first(image, connection, wanted))
                .exceptionally(e -> {
                    log.debug("No lag in time from broker {}: {}", leader, e.toString());
                    return Map.of();
                })));
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<Position, Found> found = new HashMap<>();
            each.forEach(part -> found.putAll(part.join()));
            return found;
        });
    }

    private static Map<Position, Found> first(MetadataImage image, LeaderConnection leader, List<Position> positions)
            throws IOException {
        Map<Position, Found> found = new HashMap<>();
        for (Position position : positions) {
            TopicImage topic = image.topic(position.tp().topic());
            PartitionReader reader = leader.partition(topic, position.tp().partition(), IsolationLevel.READ_UNCOMMITTED);
            try {
                Found first;
                try {
                    first = first(reader, position.offset());
                } catch (OffsetOutOfRangeException e) {
                    long start = reader.offset(PartitionReader.EARLIEST);
                    if (position.offset() >= start) {
                        throw e;
                    }
                    first = first(reader, start); // deleted unconsumed: the oldest left is at the log start
                }
                if (first != null) {
                    found.put(position, first);
                }
            } catch (ApiException e) {
                log.debug("No lag in time for {}: {}", position.tp(), e.getMessage());
            }
        }
        return found;
    }

    /** The first record at or after {@code offset}, or null if there is none with a timestamp. */
    private static Found first(PartitionReader reader, long offset) throws IOException {
        Found[] first = {null};
        reader.scan(offset, Long.MAX_VALUE, SCAN_BYTES, ONE_BATCH, record -> {
            if (record.timestamp() >= 0) {
                first[0] = new Found(record.offset(), record.timestamp());
            }
            return false;
        });
        return first[0];
    }
}
