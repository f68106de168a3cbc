package io.skein.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.skein.broker.group.CommittedOffset;
import io.skein.broker.group.GroupCoordinator;
import io.skein.broker.replica.Partition;
import io.skein.broker.replica.ReplicaManager;
import io.skein.log.FetchIsolation;
import io.skein.log.FileSlice;
import io.skein.log.PartitionLog;
import io.skein.log.record.RecordBatchView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer group lag, reported by each group's coordinator when scraped, under the names
 * danielqsj/kafka_exporter gives it (so its dashboards work): {@code kafka_consumergroup_current_offset},
 * {@code kafka_consumergroup_lag} (the partition's high watermark minus the committed offset) and
 * {@code kafka_consumergroup_lag_sum} by topic, labelled {@code consumergroup}, {@code topic},
 * {@code partition}; and Skein's {@code skein_consumergroup_lag_seconds}: how old the oldest record
 * the group has not consumed is (0 when it has consumed everything).
 *
 * <p>Cheap and bounded: committed offsets are read from this broker's own shards; a partition's
 * end is its replica's high watermark here, or else asked of its leader in one ListOffsets per
 * leader; the age reads the header of one batch, so it is known only where this broker holds a
 * replica. Whatever has not answered within {@link #WAIT_MS} is left out of this scrape.
 */
public final class GroupLagCollector implements MultiCollector {
    private static final Logger log = LoggerFactory.getLogger(GroupLagCollector.class);
    /** Within Prometheus' default scrape timeout (10 s), with room for the rest of the scrape. */
    static final long WAIT_MS = 5_000;

    /** The high watermarks of partitions this broker holds no replica of, from their leaders. */
    @FunctionalInterface
    public interface RemoteEnds {
        CompletableFuture<Map<TopicPartition, Long>> highWatermarks(Set<TopicPartition> partitions);
    }

    private final GroupCoordinator groups;
    private final ReplicaManager replicaManager;
    private final RemoteEnds remoteEnds;
    private final Clock clock;

    public GroupLagCollector(GroupCoordinator groups, ReplicaManager replicaManager, RemoteEnds remoteEnds,
                             Clock clock) {
        this.groups = groups;
        this.replicaManager = replicaManager;
        this.remoteEnds = remoteEnds;
        this.clock = clock;
    }

    @Override
    public MetricSnapshots collect() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        Map<String, Map<TopicPartition, CommittedOffset>> committed = committedOffsets(deadline);
        Set<TopicPartition> remote = new HashSet<>();
        committed.values().forEach(offsets -> offsets.keySet().stream()
                .filter(tp -> replicaManager.partition(tp).isEmpty()).forEach(remote::add));
        Map<TopicPartition, Long> remoteEnds = remote.isEmpty() ? Map.of()
                : await(this.remoteEnds.highWatermarks(remote), deadline, "the leaders' high watermarks")
                .orElse(Map.of());

        GaugeSnapshot.Builder current = gauge("kafka_consumergroup_current_offset",
                "Offset the group committed for the partition");
        GaugeSnapshot.Builder lag = gauge("kafka_consumergroup_lag",
                "The partition's high watermark minus the group's committed offset");
        GaugeSnapshot.Builder seconds = gauge("skein_consumergroup_lag_seconds",
                "Age of the oldest record the group has not consumed in the partition, 0 when it is caught up");
        long now = clock.millis();
        committed.forEach((group, offsets) -> offsets.forEach((tp, offset) -> {
            Labels labels = Labels.of("consumergroup", group, "topic", tp.topic(),
                    "partition", Integer.toString(tp.partition()));
            current.dataPoint(point(labels, offset.offset()));
            Optional<PartitionLog> local = replicaManager.partition(tp).map(Partition::log);
            Long end = local.map(PartitionLog::highWatermark).orElse(remoteEnds.get(tp));
            if (end == null) {
                return;
            }
            lag.dataPoint(point(labels, Math.max(0, end - offset.offset())));
            local.ifPresent(partitionLog -> ageOfOldestUnconsumed(partitionLog, offset.offset(), now)
                    .ifPresent(age -> seconds.dataPoint(point(labels, age / 1000.0))));
        }));
        return new MetricSnapshots(current.build(), lag.build(), seconds.build());
    }

    /** Every group this broker coordinates, with the offsets it committed (those that answered in time). */
    private Map<String, Map<TopicPartition, CommittedOffset>> committedOffsets(long deadline) {
        Map<String, Map<TopicPartition, CommittedOffset>> committed = new TreeMap<>();
        Optional<GroupCoordinator.ListResult> listed = await(groups.listGroups(), deadline, "the groups");
        if (listed.isEmpty()) {
            return committed;
        }
        Map<String, CompletableFuture<GroupCoordinator.FetchResult>> fetches = new LinkedHashMap<>();
        for (ListedGroup group : listed.get().groups()) {
            fetches.put(group.groupId(), groups.fetchOffsets(group.groupId(), null, false));
        }
        fetches.forEach((group, fetch) -> await(fetch, deadline, "the offsets of group " + group)
                .filter(result -> !result.fetched().offsets().isEmpty())
                .ifPresent(result -> committed.put(group, new HashMap<>(result.fetched().offsets()))));
        return committed;
    }

    /**
     * How long ago the record at {@code offset} was written (its batch's first timestamp, or its
     * append time): empty if it cannot be read here, 0 if there is nothing left to consume.
     */
    private static OptionalLong ageOfOldestUnconsumed(PartitionLog partitionLog, long offset, long now) {
        if (offset >= partitionLog.highWatermark()) {
            return OptionalLong.of(0);
        }
        try {
            FileSlice slice = partitionLog.read(offset, 1, FetchIsolation.HIGH_WATERMARK, true);
            if (slice.length() < RecordBatchView.HEADER_SIZE) {
                return OptionalLong.empty();
            }
            ByteBuffer header = ByteBuffer.allocate(RecordBatchView.HEADER_SIZE);
            while (header.hasRemaining()) {
                if (slice.channel().read(header, slice.position() + header.position()) < 0) {
                    return OptionalLong.empty();
                }
            }
            RecordBatchView batch = new RecordBatchView().at(header.flip(), 0);
            long written = batch.isLogAppendTime() ? batch.maxTimestamp() : batch.baseTimestamp();
            return written < 0 ? OptionalLong.empty() : OptionalLong.of(Math.max(0, now - written));
        } catch (IOException | RuntimeException e) { // deleted, moved or cut meanwhile: no age this scrape
            return OptionalLong.empty();
        }
    }

    private static <T> Optional<T> await(CompletableFuture<T> future, long deadline, String what) {
        try {
            return Optional.of(future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException | ExecutionException e) {
            log.debug("Group lag without {}: {}", what, e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static GaugeSnapshot.Builder gauge(String name, String help) {
        return GaugeSnapshot.builder().name(name).help(help);
    }

    private static GaugeDataPointSnapshot point(Labels labels, double value) {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
