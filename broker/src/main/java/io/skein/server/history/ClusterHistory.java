package io.skein.server.history;

import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.MetadataImage;
import io.skein.server.history.Overview.BrokerView;
import io.skein.server.history.Overview.PartitionHealth;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.BrokerNotAvailableException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.InvalidRequestException;

/**
 * The history as the console, the HTTP endpoints, the admin API and {@code skein top} ask for it: the
 * cluster's figures, a group's, the timeline and the overview. Each broker samples its own; this one
 * gathers every registered broker's samples (its own directly, the others' over HTTP, all at once)
 * and adds them up by sample time: rates and counts of what each leads are summed, latencies and
 * cluster-wide counts take the largest. A broker that does not answer is named in the answer as
 * missing, and its samples are absent from the sums, rather than failing it.
 *
 * <p>Sample times are on a grid of the sampling interval, which every broker shares when they are
 * configured alike and their clocks agree within half an interval.
 */
public final class ClusterHistory {
    /** Samples an overview shows. */
    static final int RECENT_SAMPLES = 30;
    static final int DEFAULT_GROUPS = 10;
    static final int DEFAULT_PARTITIONS = 20;

    private final int nodeId;
    private final long intervalMs;
    private final LocalHistory local;
    private final Peers peers;
    private final Supplier<MetadataImage> image;
    private final Clock clock;

    ClusterHistory(int nodeId, long intervalMs, LocalHistory local, Peers peers, Supplier<MetadataImage> image,
                   Clock clock) {
        this.nodeId = nodeId;
        this.intervalMs = intervalMs;
        this.local = local;
        this.peers = peers;
        this.image = image;
        this.clock = clock;
    }

    /** How far back a broker's samples go: {@link History#SAMPLES} intervals, an hour at the default interval. */
    public long spanMs() {
        return History.SAMPLES * intervalMs;
    }

    /**
     * The cluster's figures after {@code sinceMs}, or broker {@code onlyNode}'s (null for the cluster);
     * INVALID_REQUEST for an unknown series or broker.
     */
    public CompletableFuture<HistoryView> history(long sinceMs, List<String> series, Integer onlyNode) {
        List<Series> wanted = Series.named(series);
        List<String> labels = wanted.stream().map(Series::label).toList();
        if (onlyNode != null && image.get().broker(onlyNode) == null) {
            throw new InvalidRequestException("No broker " + onlyNode + " is registered");
        }
        return gather(LocalQuery.history(sinceMs, labels), onlyNode)
                .thenApply(gathered -> merge(gathered, NodeAnswer::history, wanted));
    }

    /** A group's samples after {@code sinceMs}; GROUP_ID_NOT_FOUND if no broker that answered has any. */
    public CompletableFuture<HistoryView> groupHistory(String group, long sinceMs) {
        if (group == null || group.isEmpty()) {
            throw new InvalidRequestException("Name the group");
        }
        return gather(LocalQuery.group(group, sinceMs), null).thenApply(gathered -> {
            if (gathered.answers().stream().allMatch(a -> a.group() == null)) {
                throw new GroupIdNotFoundException("No broker has samples of group '" + group + "': it does not "
                        + "exist, or has committed no offsets in the last hour" + (gathered.missing().isEmpty() ? ""
                        : " (brokers " + gathered.missing().stream().map(MissingNode::nodeId).toList()
                        + " did not answer)"));
            }
            return merge(gathered, NodeAnswer::group, Series.of(Series.Kind.GROUP));
        });
    }

    /** Timeline events after {@code sinceMs}, of {@code topic} (empty: all), the newest {@code limit} (0: all kept). */
    public CompletableFuture<TimelineView> timeline(long sinceMs, int limit, String topic) {
        if (limit < 0) {
            throw new InvalidRequestException("A limit is 0 (all) or more, not " + limit);
        }
        return gather(LocalQuery.timeline(sinceMs, topic == null ? "" : topic), null).thenApply(gathered -> {
            Map<TimelineEvent.Key, TimelineEvent> earliest = new HashMap<>();
            gathered.answers().forEach(answer -> answer.timeline().forEach(event -> earliest.merge(event.key(), event,
                    (a, b) -> a.timeMs() <= b.timeMs() ? a : b)));
            List<TimelineEvent> events = earliest.values().stream()
                    .sorted(Comparator.comparingLong(TimelineEvent::metadataOffset).reversed()
                            .thenComparing(TimelineEvent::type).thenComparing(TimelineEvent::topic)
                            .thenComparingInt(TimelineEvent::partition).thenComparingInt(TimelineEvent::broker))
                    .limit(limit == 0 ? Long.MAX_VALUE : limit).toList();
            return new TimelineView(events, nodes(gathered), gathered.missing());
        });
    }

    /** The overview, with at most {@code groups} groups and {@code partitions} partitions listed (0: the defaults). */
    public CompletableFuture<Overview> overview(int groups, int partitions) {
        if (groups < 0 || partitions < 0) {
            throw new InvalidRequestException("Counts of groups and partitions are 0 (the default) or more");
        }
        int groupLimit = groups == 0 ? DEFAULT_GROUPS : groups;
        int partitionLimit = partitions == 0 ? DEFAULT_PARTITIONS : partitions;
        MetadataImage metadata = image.get();
        long since = clock.millis() - RECENT_SAMPLES * intervalMs;
        return gather(LocalQuery.overview(since), null).thenApply(gathered -> {
            Map<String, GroupNow> latest = new HashMap<>();
            gathered.answers().forEach(answer -> answer.groups().forEach(group -> latest.merge(group.groupId(), group,
                    (a, b) -> a.timeMs() >= b.timeMs() ? a : b)));
            List<GroupNow> laggiest = latest.values().stream()
                    .sorted(Comparator.comparingLong(GroupNow::lagMs).thenComparingLong(GroupNow::lag).reversed()
                            .thenComparing(GroupNow::groupId))
                    .limit(groupLimit).toList();
            List<PartitionHealth> unhealthy = ClusterHealth.unhealthy(metadata);
            int offline = (int) unhealthy.stream().filter(PartitionHealth::offline).count();
            return new Overview(merge(gathered, NodeAnswer::history, Series.of(Series.Kind.BROKER)), brokers(metadata),
                    unhealthy.size() - offline, offline, unhealthy.stream().limit(partitionLimit).toList(), laggiest);
        });
    }

    private static List<BrokerView> brokers(MetadataImage metadata) {
        return metadata.brokers().values().stream().sorted(Comparator.comparingInt(BrokerRegistration::id))
                .map(b -> new BrokerView(b.id(), b.endpoints().isEmpty() ? "" : b.endpoints().get(0).getHost(),
                        b.endpoints().isEmpty() ? -1 : b.endpoints().get(0).getPort(), b.rack(),
                        !b.fenced() ? "UNFENCED" : b.shuttingDown() ? "SHUTTING_DOWN" : "FENCED"))
                .toList();
    }

    private record Gathered(List<NodeAnswer> answers, List<MissingNode> missing) {
    }

    /** Every registered broker's answer (or only {@code onlyNode}'s), this one's among them if registered. */
    private CompletableFuture<Gathered> gather(LocalQuery query, Integer onlyNode) {
        List<BrokerRegistration> brokers = image.get().brokers().values().stream()
                .filter(b -> onlyNode == null || b.id() == onlyNode)
                .sorted(Comparator.comparingInt(BrokerRegistration::id)).toList();
        if (brokers.isEmpty()) {
            throw new BrokerNotAvailableException("This broker's metadata shows no broker yet");
        }
        Map<Integer, CompletableFuture<NodeAnswer>> asked = new LinkedHashMap<>();
        for (BrokerRegistration broker : brokers) {
            asked.put(broker.id(), broker.id() == nodeId ? CompletableFuture.completedFuture(local.answer(query))
                    : peers.ask(broker, query));
        }
        return CompletableFuture.allOf(asked.values().stream().map(f -> f.exceptionally(e -> null))
                .toArray(CompletableFuture[]::new)).thenApply(v -> {
                    List<NodeAnswer> answers = new ArrayList<>();
                    List<MissingNode> missing = new ArrayList<>();
                    asked.forEach((id, answer) -> {
                        if (answer.isCompletedExceptionally()) {
                            missing.add(new MissingNode(id, reason(answer)));
                        } else {
                            answers.add(answer.join());
                        }
                    });
                    return new Gathered(answers, missing);
                });
    }

    private static String reason(CompletableFuture<NodeAnswer> failed) {
        try {
            failed.join();
            return "";
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return cause instanceof Peers.PeerException ? cause.getMessage() : cause.toString();
        }
    }

    private static List<Integer> nodes(Gathered gathered) {
        return gathered.answers().stream().map(NodeAnswer::nodeId).toList();
    }

    /**
     * The brokers' views of one kind as one: every sample time any has, and per series at each time
     * the sum or the largest ({@link Series#summed()}) of the brokers' values there, null if none
     * has one. Views are those of the answers that hold one.
     */
    private HistoryView merge(Gathered gathered, Function<NodeAnswer, HistoryView> part,
                              List<Series> wanted) {
        List<HistoryView> views = gathered.answers().stream().map(part).filter(Objects::nonNull).toList();
        TreeSet<Long> times = new TreeSet<>();
        views.forEach(view -> times.addAll(view.timestamps()));
        List<Long> timestamps = List.copyOf(times);
        Map<Long, Integer> index = new HashMap<>();
        for (int i = 0; i < timestamps.size(); i++) {
            index.put(timestamps.get(i), i);
        }
        List<SeriesValues> series = new ArrayList<>();
        for (Series spec : wanted) {
            Double[] values = new Double[timestamps.size()];
            for (HistoryView view : views) {
                view.series().stream().filter(s -> s.name().equals(spec.label())).findFirst().ifPresent(s -> {
                    for (int i = 0; i < s.values().size(); i++) {
                        Double value = s.values().get(i);
                        if (value != null) {
                            int at = index.get(view.timestamps().get(i));
                            values[at] = values[at] == null ? value
                                    : spec.summed() ? values[at] + value : Math.max(values[at], value);
                        }
                    }
                });
            }
            series.add(new SeriesValues(spec.label(), spec.unit(), Arrays.asList(values)));
        }
        return new HistoryView(intervalMs, timestamps, series, nodes(gathered), gathered.missing());
    }
}
