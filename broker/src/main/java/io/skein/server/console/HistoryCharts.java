package io.skein.server.console;

import io.skein.server.history.ClusterHistory;
import io.skein.server.history.HistoryView;
import io.skein.server.history.MissingNode;
import io.skein.server.history.SeriesValues;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The console's charts of the node's history ({@link ClusterHistory}, as the JSON endpoints and the
 * admin API answer): the cluster's figures or a group's over the whole span the brokers keep (the
 * last hour at the default interval), drawn as {@link LineChart}s. The history is an extra on a
 * page: when it cannot be had, the page says why where its charts would be, and shows the rest.
 */
final class HistoryCharts {
    private static final long MINUTE_MS = 60_000;
    private static final long HOUR_MS = 60 * MINUTE_MS;

    /** A series a chart draws, and what its legend calls it. */
    record Plotted(String series, String label) {
    }

    /** A chart ({@code id} its element's) of some of a view's series, which share a unit. */
    record Chart(String id, String title, List<Plotted> series) {
    }

    /** The history's answer, or why there is none ({@code view} null). */
    record Sampled(HistoryView view, String unavailable, long fromMs, long toMs) {
        Optional<SeriesValues> series(String name) {
            return view.series().stream().filter(s -> s.name().equals(name)).findFirst();
        }
    }

    private final ClusterHistory history;
    private final Clock clock;

    HistoryCharts(ClusterHistory history, Clock clock) {
        this.history = history;
        this.clock = clock;
    }

    /** The cluster's {@code series} over the span. */
    CompletableFuture<Sampled> cluster(List<String> series) {
        return sampled(since -> history.history(since, series, null));
    }

    /** Group {@code id}'s lag and consume rate over the span. */
    CompletableFuture<Sampled> group(String id) {
        return sampled(since -> history.groupHistory(id, since));
    }

    private CompletableFuture<Sampled> sampled(Function<Long, CompletableFuture<HistoryView>> ask) {
        long to = clock.millis();
        long from = to - history.spanMs();
        return Async.call(() -> ask.apply(from)).handle((view, failure) -> failure == null
                ? new Sampled(view, null, from, Math.max(to, view.timestamps().isEmpty() ? to
                        : view.timestamps().get(view.timestamps().size() - 1)))
                : new Sampled(null, Failures.shown(failure).message(), from, to));
    }

    /** A heading for charts: "Over the last hour (UTC)", or as far as the samples go back: "the last 3 minutes". */
    String heading() {
        return "Over " + span() + " (UTC)";
    }

    private String span() {
        long span = history.spanMs();
        if (span == HOUR_MS) {
            return "the last hour";
        }
        return "the last " + (span % HOUR_MS == 0 ? span / HOUR_MS + " hours"
                : span % MINUTE_MS == 0 ? span / MINUTE_MS + " minutes" : Format.duration(span));
    }

    /** Writes {@code charts} of the sampled series, or why there are none. */
    static void write(Html html, Sampled sampled, List<Chart> charts) {
        if (sampled.view() == null) {
            html.raw("<p class=\"hint charts-unavailable\">").text("No charts: " + sampled.unavailable()).raw("</p>");
            return;
        }
        html.raw("<div class=\"charts\">");
        for (Chart chart : charts) {
            List<LineChart.Line> lines = chart.series().stream().map(p -> new LineChart.Line(p.series(), p.label(),
                    sampled.series(p.series()).orElseThrow(() -> new IllegalArgumentException(
                            "The history answered no series " + p.series())).values())).toList();
            ChartUnit unit = ChartUnit.of(sampled.series(chart.series().get(0).series()).orElseThrow().unit());
            new LineChart(chart.id(), chart.title(), unit, sampled.fromMs(), sampled.toMs(), sampled.view().intervalMs())
                    .write(html, sampled.view().timestamps(), lines);
        }
        html.raw("</div>");
    }

    /** Whose {@code what} (samples, timelines) an answer holds, and each broker missing from it with the reason. */
    static void sources(Html html, String what, List<Integer> nodes, List<MissingNode> missing) {
        html.raw("<p class=\"hint\" id=\"history-nodes\">").text(nodes.isEmpty() ? "No broker answered."
                : "From the " + what + " of broker" + (nodes.size() == 1 ? " " : "s ") + Format.ids(nodes) + ".")
                .raw("</p>");
        if (missing.isEmpty()) {
            return;
        }
        html.raw("<ul class=\"missing\" id=\"history-missing\">");
        for (MissingNode node : missing) {
            html.raw("<li id=\"missing-").text(node.nodeId()).raw("\">").text("Broker " + node.nodeId()
                    + " is missing: " + node.reason()).raw("</li>");
        }
        html.raw("</ul>");
    }
}
