package io.skein.broker.admin;

import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import java.io.IOException;
import java.util.ArrayList;
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
 * The timestamps of the first records at or after given offsets, read from the partitions' leaders
 * as a consumer reads them (read uncommitted, as lag is counted to the high watermark): for a group's
 * lag in time, the age of the oldest record it has not consumed. One read per partition, one
 * connection per leader, the leaders in parallel.
 */
final class RecordTimes {
    private static final Logger log = LoggerFactory.getLogger(RecordTimes.class);
    /** How far past an offset to look for a record (past markers and the like) before giving up. */
    private static final long SCAN_BYTES = 1 << 20;
    /** A Fetch for one byte: the leader sends the first batch whole, and no more. */
    private static final int ONE_BATCH = 1;

    private final AdminContext context;

    RecordTimes(AdminContext context) {
        this.context = context;
    }

    /**
     * The timestamp of the first record at or after each offset (from the log start, if the offset
     * is before it). A partition is left out if it has no live leader, its leader does not answer,
     * or it has no record there: its lag in time is unknown, which fails no description.
     */
    CompletableFuture<Map<TopicPartition, Long>> at(Map<TopicPartition, Long> offsets) {
        MetadataImage image = context.image();
        Map<Integer, List<TopicPartition>> byLeader = new HashMap<>();
        offsets.keySet().forEach(tp -> {
            try {
                byLeader.computeIfAbsent(LeaderReads.leader(image, tp), id -> new ArrayList<>()).add(tp);
            } catch (ApiException e) {
                log.debug("No lag in time for {}: {}", tp, e.getMessage());
            }
        });
        List<CompletableFuture<Map<TopicPartition, Long>>> each = new ArrayList<>();
        byLeader.forEach((leader, partitions) -> each.add(context.reads()
                .fromBroker(image, leader, connection -> timestamps(image, connection, partitions, offsets))
                .exceptionally(e -> {
                    log.debug("No lag in time from broker {}: {}", leader, e.toString());
                    return Map.of();
                })));
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<TopicPartition, Long> found = new HashMap<>();
            each.forEach(part -> found.putAll(part.join()));
            return found;
        });
    }

    private static Map<TopicPartition, Long> timestamps(MetadataImage image, LeaderConnection leader,
                                                        List<TopicPartition> partitions, Map<TopicPartition, Long> offsets)
            throws IOException {
        Map<TopicPartition, Long> found = new HashMap<>();
        for (TopicPartition tp : partitions) {
            TopicImage topic = image.topic(tp.topic());
            PartitionReader reader = leader.partition(topic, tp.partition(), IsolationLevel.READ_UNCOMMITTED);
            try {
                long offset = offsets.get(tp);
                long[] timestamp = {-1};
                try {
                    first(reader, offset, timestamp);
                } catch (OffsetOutOfRangeException e) {
                    long start = reader.offset(PartitionReader.EARLIEST);
                    if (offset >= start) {
                        throw e;
                    }
                    first(reader, start, timestamp); // deleted unconsumed: the oldest left is at the log start
                }
                if (timestamp[0] >= 0) {
                    found.put(tp, timestamp[0]);
                }
            } catch (ApiException e) {
                log.debug("No lag in time for {}: {}", tp, e.getMessage());
            }
        }
        return found;
    }

    private static void first(PartitionReader reader, long offset, long[] timestamp) throws IOException {
        reader.scan(offset, Long.MAX_VALUE, SCAN_BYTES, ONE_BATCH, record -> {
            timestamp[0] = record.timestamp();
            return false;
        });
    }
}
