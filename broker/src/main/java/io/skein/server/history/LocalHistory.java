package io.skein.server.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** This broker's own samples and timeline, as views: what it answers a broker gathering the cluster's. */
final class LocalHistory {
    private final int nodeId;
    private final long intervalMs;
    private final SampleRing node;
    private final GroupLags groups;
    private final Timeline timeline;

    LocalHistory(int nodeId, long intervalMs, SampleRing node, GroupLags groups, Timeline timeline) {
        this.nodeId = nodeId;
        this.intervalMs = intervalMs;
        this.node = node;
        this.groups = groups;
        this.timeline = timeline;
    }

    NodeAnswer answer(LocalQuery query) {
        HistoryView history = query.history() ? view(node.since(query.sinceMs()), Series.named(query.series()))
                : null;
        HistoryView group = query.group().isEmpty() ? null : groups.history(query.group())
                .map(ring -> view(ring.since(query.sinceMs()), Series.of(Series.Kind.GROUP))).orElse(null);
        return new NodeAnswer(nodeId, history, group, query.groups() ? groups.latestGroups() : null,
                query.timeline() ? timeline.events(e -> e.timeMs() > query.sinceMs()
                        && (query.topic().isEmpty() || e.topic().isEmpty() || e.topic().equals(query.topic())))
                        : null);
    }

    /** The ring's window as a view of the series {@code wanted} (a ring holds every series of its kind). */
    private HistoryView view(SampleRing.Window window, List<Series> wanted) {
        List<SeriesValues> series = new ArrayList<>();
        for (Series spec : wanted) {
            double[] values = window.values()[spec.index()];
            series.add(new SeriesValues(spec.label(), spec.unit(),
                    Arrays.stream(values).mapToObj(v -> Double.isNaN(v) ? null : v).toList()));
        }
        return new HistoryView(intervalMs, Arrays.stream(window.times()).boxed().toList(), series, List.of(nodeId),
                List.of());
    }
}
