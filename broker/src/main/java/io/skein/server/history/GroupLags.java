package io.skein.server.history;

import io.skein.broker.admin.GroupLag;
import io.skein.broker.admin.GroupLag.PartitionLag;
import io.skein.broker.group.GroupCoordinator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the lag of the groups this broker coordinates ({@link Series.Kind#GROUP}), with {@link GroupLag}:
 * committed offsets from the broker's own group shards, ends and record times from the partitions'
 * leaders. Keeps each group's ring (at most {@link #MAX_GROUPS}; a group's ring goes once its newest
 * sample has left the window) and the latest lag of every partition, which {@code /metrics} serves.
 *
 * <p>One sample at a time: while the leaders have not answered the last one (each wait is bounded by
 * the sampler), the next tick samples no groups rather than pile up reads.
 */
final class GroupLags {
    private static final Logger log = LoggerFactory.getLogger(GroupLags.class);
    /** Rings kept at most: with 360 samples of 3 series, about 11.5 KB each, so 11.5 MB in all. */
    static final int MAX_GROUPS = 1_000;

    private final int nodeId;
    private final GroupCoordinator coordinator;
    private final GroupLag lag;
    private final int capacity;
    private final Map<String, SampleRing> rings = new ConcurrentHashMap<>();
    /** Each group's committed offsets at its previous sample, and that sample's time: for the consume rate. */
    private final Map<String, Map<TopicPartition, Long>> previousOffsets = new HashMap<>();
    private final Map<String, Long> previousTimes = new HashMap<>();
    private volatile Map<String, Map<TopicPartition, PartitionLag>> latest = Map.of();
    private volatile List<GroupNow> latestGroups = List.of();
    private CompletableFuture<?> inFlight = CompletableFuture.completedFuture(null);
    private boolean warnedFull;

    GroupLags(int nodeId, GroupCoordinator coordinator, GroupLag lag, int capacity) {
        this.nodeId = nodeId;
        this.coordinator = coordinator;
        this.lag = lag;
        this.capacity = capacity;
    }

    /** Samples every group coordinated here as of grid time {@code time}, waiting for answers until {@code deadline} (nanoTime). */
    void sample(long time, long deadline, long windowMs) {
        rings.entrySet().removeIf(e -> e.getValue().newest() <= time - windowMs);
        previousOffsets.keySet().retainAll(rings.keySet());
        previousTimes.keySet().retainAll(rings.keySet());
        if (!inFlight.isDone()) {
            log.debug("The leaders have not answered the last group sample: skipping the one of {}", time);
            return;
        }
        Map<String, Map<TopicPartition, Long>> committed = committedOffsets(deadline);
        CompletableFuture<Map<String, Map<TopicPartition, PartitionLag>>> lags = lag.of(committed);
        inFlight = lags;
        await(lags, deadline, "the group lag").ifPresent(found -> record(time, committed, found));
    }

    private void record(long time, Map<String, Map<TopicPartition, Long>> committed,
                        Map<String, Map<TopicPartition, PartitionLag>> found) {
        List<GroupNow> groups = new ArrayList<>();
        found.forEach((group, partitions) -> {
            long records = partitions.values().stream().mapToLong(PartitionLag::lag).filter(l -> l >= 0).sum();
            boolean anyKnown = partitions.values().stream().anyMatch(p -> p.lag() >= 0);
            long lagMs = partitions.values().stream().mapToLong(PartitionLag::lagMs).max().orElse(-1);
            double rate = consumeRate(group, committed.get(group), time);
            double[] sample = new double[Series.of(Series.Kind.GROUP).size()];
            sample[Series.LAG.index()] = anyKnown ? records : Double.NaN;
            sample[Series.LAG_SECONDS.index()] = lagMs >= 0 ? lagMs / 1000.0 : Double.NaN;
            sample[Series.CONSUME_RATE.index()] = rate;
            SampleRing ring = ring(group);
            if (ring != null) {
                ring.add(time, sample);
            }
            groups.add(new GroupNow(group, nodeId, time, anyKnown ? records : -1, lagMs, Double.isNaN(rate) ? null : rate));
        });
        latest = Map.copyOf(found);
        latestGroups = List.copyOf(groups);
    }

    /** The committed offsets' advance per second since the group's previous sample (never negative per partition). */
    private double consumeRate(String group, Map<TopicPartition, Long> offsets, long time) {
        Map<TopicPartition, Long> before = previousOffsets.put(group, offsets);
        Long beforeTime = previousTimes.put(group, time);
        if (before == null || beforeTime == null) {
            return Double.NaN;
        }
        long advanced = 0;
        for (Map.Entry<TopicPartition, Long> offset : offsets.entrySet()) {
            Long was = before.get(offset.getKey());
            if (was != null && was >= 0 && offset.getValue() > was) {
                advanced += offset.getValue() - was;
            }
        }
        return advanced / ((time - beforeTime) / 1000.0);
    }

    private SampleRing ring(String group) {
        SampleRing ring = rings.get(group);
        if (ring == null && rings.size() < MAX_GROUPS) {
            ring = new SampleRing(capacity, Series.of(Series.Kind.GROUP).size());
            rings.put(group, ring);
        } else if (ring == null && !warnedFull) {
            warnedFull = true;
            log.warn("Keeping the history of {} groups already: group {} and any others have none", MAX_GROUPS, group);
        }
        return ring;
    }

    /** The group's samples here, if it has any. */
    Optional<SampleRing> history(String group) {
        return Optional.ofNullable(rings.get(group));
    }

    /** Every partition's lag of every group coordinated here, at the latest sample. */
    Map<String, Map<TopicPartition, PartitionLag>> latest() {
        return latest;
    }

    /** The latest sample of each group coordinated here. */
    List<GroupNow> latestGroups() {
        return latestGroups;
    }

    /** Every group this broker coordinates, with the offsets it committed (those that answered in time). */
    private Map<String, Map<TopicPartition, Long>> committedOffsets(long deadline) {
        Map<String, Map<TopicPartition, Long>> committed = new LinkedHashMap<>();
        Optional<GroupCoordinator.ListResult> listed = await(coordinator.listGroups(), deadline, "the groups");
        if (listed.isEmpty()) {
            return committed;
        }
        Map<String, CompletableFuture<GroupCoordinator.FetchResult>> fetches = new LinkedHashMap<>();
        for (ListedGroup group : listed.get().groups()) {
            fetches.put(group.groupId(), coordinator.fetchOffsets(group.groupId(), null, false));
        }
        fetches.forEach((group, fetch) -> await(fetch, deadline, "the offsets of group " + group)
                .filter(result -> !result.fetched().offsets().isEmpty())
                .ifPresent(result -> {
                    Map<TopicPartition, Long> offsets = new HashMap<>();
                    result.fetched().offsets().forEach((tp, offset) -> offsets.put(tp, offset.offset()));
                    committed.put(group, offsets);
                }));
        return committed;
    }

    private static <T> Optional<T> await(CompletableFuture<T> future, long deadline, String what) {
        try {
            return Optional.of(future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException | ExecutionException e) {
            log.debug("Group sample without {}: {}", what, e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
