package io.skein.server.console;

import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.admin.ClusterRpcs;
import io.skein.broker.admin.PartitionStates;
import io.skein.broker.admin.TopicRpcs;
import io.skein.proto.admin.Broker;
import io.skein.proto.admin.DescribeClusterResponse;
import io.skein.proto.admin.DescribeQuorumResponse;
import io.skein.proto.admin.ListTopicsRequest;
import io.skein.proto.admin.ListTopicsResponse;
import io.skein.proto.admin.QuorumMember;
import io.skein.proto.admin.TopicSummary;
import io.skein.server.history.SeriesValues;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The cluster at a glance: its brokers and their states, the active controller, the metadata
 * quorum's voters and how far each is behind, how many partitions need attention, each count
 * linking to its list, and its rates now and as charts over the history's span, with the brokers
 * missing from them.
 */
final class OverviewPage {
    /** The figures shown now, in this order, and their names. */
    private static final List<HistoryCharts.Plotted> NOW = List.of(new HistoryCharts.Plotted("bytes_in", "bytes in"),
            new HistoryCharts.Plotted("bytes_out", "bytes out"), new HistoryCharts.Plotted("messages_in", "messages in"),
            new HistoryCharts.Plotted("requests", "requests"),
            new HistoryCharts.Plotted("produce_p99_ms", "produce latency (p99)"),
            new HistoryCharts.Plotted("fetch_p99_ms", "consumer fetch latency (p99)"));
    private static final List<HistoryCharts.Chart> CHARTS = List.of(
            new HistoryCharts.Chart("chart-bytes", "Bytes in and out", List.of(
                    new HistoryCharts.Plotted("bytes_in", "in"), new HistoryCharts.Plotted("bytes_out", "out"))),
            new HistoryCharts.Chart("chart-messages", "Messages in", List.of(
                    new HistoryCharts.Plotted("messages_in", "messages in"))),
            new HistoryCharts.Chart("chart-latency", "Request latency, 99th percentile", List.of(
                    new HistoryCharts.Plotted("produce_p99_ms", "produce"),
                    new HistoryCharts.Plotted("fetch_p99_ms", "consumer fetch"))));

    private final Layout layout;
    private final AdminAuthorization authorization;
    private final ClusterRpcs cluster;
    private final TopicRpcs topics;
    private final HistoryCharts charts;

    OverviewPage(Layout layout, AdminAuthorization authorization, ClusterRpcs cluster, TopicRpcs topics,
                 HistoryCharts charts) {
        this.layout = layout;
        this.authorization = authorization;
        this.cluster = cluster;
        this.topics = topics;
        this.charts = charts;
    }

    /** What GetOverview shows, so authorized as it is. */
    CompletableFuture<Reply> answer(Params params) {
        authorization.clusterHistory(params.caller(), "GetOverview");
        PartitionStates states = cluster.partitionStates();
        ListTopicsResponse all = authorization.listTopics(params.caller(), topics.listTopics(
                ListTopicsRequest.newBuilder().setIncludeInternal(true).build()));
        CompletableFuture<HistoryCharts.Sampled> sampled = charts.cluster(
                NOW.stream().map(HistoryCharts.Plotted::series).toList());
        return cluster.describeCluster().thenCombine(cluster.describeQuorum(), (brokers, quorum) ->
                sampled.thenApply(history -> Reply.page(layout.page("Overview", Layout.Section.OVERVIEW, null, html -> {
                    summary(html, brokers, all);
                    health(html, states);
                    rates(html, history);
                    brokers(html, brokers);
                    quorum(html, quorum);
                })))).thenCompose(page -> page);
    }

    /** The cluster's latest rates and latencies, their charts, and whose samples they are. */
    private void rates(Html html, HistoryCharts.Sampled history) {
        html.element("h2", "Cluster rates");
        if (history.view() != null) {
            html.raw("<ul class=\"figures\" id=\"rates\">");
            for (HistoryCharts.Plotted figure : NOW) {
                SeriesValues series = history.series(figure.series()).orElseThrow();
                LineChart.Latest latest = LineChart.latest(history.view().timestamps(), series.values());
                html.raw("<li id=\"now-").text(figure.series()).raw("\"><span class=\"figure\">")
                        .text(latest == null ? "—" : ChartUnit.of(series.unit()).format(latest.value()))
                        .raw("</span> ").text(figure.label()).raw("</li>");
            }
            html.raw("</ul>");
        }
        html.element("h3", charts.heading());
        HistoryCharts.write(html, history, CHARTS);
        if (history.view() != null) {
            HistoryCharts.sources(html, "samples", history.view().nodes(), history.view().missing());
        }
    }

    private static void summary(Html html, DescribeClusterResponse brokers, ListTopicsResponse all) {
        long partitions = all.getTopicsList().stream().mapToLong(TopicSummary::getPartitions).sum();
        html.raw("<dl class=\"facts\">")
                .element("dt", "Active controller").raw("<dd id=\"active-controller\">")
                .text(brokers.getActiveController() < 0 ? "none elected" : "node " + brokers.getActiveController())
                .raw("</dd>").element("dt", "Topics").raw("<dd>").link("/ui/topics", Format.count(all.getTopicsCount()))
                .raw("</dd>").element("dt", "Partitions").element("dd", Format.count(partitions))
                .raw("</dl>");
    }

    private static void health(Html html, PartitionStates states) {
        html.element("h2", "Partitions needing attention").raw("<ul class=\"tiles\">");
        tile(html, PartitionsPage.State.OFFLINE, states.offline().size());
        tile(html, PartitionsPage.State.UNDER_REPLICATED, states.underReplicated().size());
        tile(html, PartitionsPage.State.UNDER_MIN_ISR, states.underMinIsr().size());
        html.raw("</ul>");
    }

    private static void tile(Html html, PartitionsPage.State state, int count) {
        html.raw(count == 0 ? "<li class=\"ok\">" : "<li class=\"bad\">")
                .raw("<a id=\"").text(state.param + "-count").raw("\" href=\"")
                .text(Link.to("/ui/partitions").with("state", state.param)).raw("\"><span class=\"count\">")
                .text(Format.count(count)).raw("</span> ").text(state.title.toLowerCase(Locale.ROOT)).raw("</a></li>");
    }

    private static void brokers(Html html, DescribeClusterResponse cluster) {
        html.element("h2", "Brokers").raw("<table id=\"brokers\"><thead><tr><th>Id</th><th>Endpoint</th><th>Rack</th>")
                .raw("<th>State</th></tr></thead><tbody>");
        for (Broker broker : cluster.getBrokersList()) {
            String state = switch (broker.getState()) {
                case UNFENCED -> "unfenced";
                case FENCED -> "fenced";
                case SHUTTING_DOWN -> "shutting down";
                case UNRECOGNIZED -> "unknown";
            };
            html.raw("<tr id=\"broker-").text(broker.getId()).raw("\">").element("td class=\"num\"", broker.getId())
                    .element("td", broker.getHost() + ":" + broker.getPort())
                    .element("td", broker.getRack().isEmpty() ? "—" : broker.getRack())
                    .raw("<td class=\"state ").text(broker.getState() == io.skein.proto.admin.BrokerState.UNFENCED
                            ? "good" : "bad").raw("\">").text(state).raw("</td></tr>");
        }
        html.raw("</tbody></table>");
    }

    private static void quorum(Html html, DescribeQuorumResponse quorum) {
        html.element("h2", "Metadata quorum").raw("<dl class=\"facts\">").element("dt", "Leader")
                .element("dd", quorum.getLeaderId() < 0 ? "none elected" : "node " + quorum.getLeaderId())
                .element("dt", "Term").element("dd", quorum.getTerm())
                .element("dt", "Commit index").element("dd", quorum.getCommitIndex()).raw("</dl>")
                .raw("<table id=\"voters\"><thead><tr><th>Voter</th><th>Address</th><th>Role</th><th>Term</th>")
                .raw("<th>Commit index</th><th>Applied index</th><th>Lag</th></tr></thead><tbody>");
        for (QuorumMember voter : quorum.getVotersList()) {
            boolean reachable = !voter.getRole().equals("UNREACHABLE");
            html.raw("<tr id=\"voter-").text(voter.getId()).raw("\">").element("td class=\"num\"", voter.getId())
                    .element("td", voter.getHost() + ":" + voter.getPort())
                    .raw(reachable ? "<td class=\"state good\">" : "<td class=\"state bad\">")
                    .text(voter.getRole().toLowerCase(Locale.ROOT)).raw("</td>")
                    .element("td class=\"num\"", reachable ? voter.getTerm() : "—")
                    .element("td class=\"num\"", reachable ? voter.getCommitIndex() : "—")
                    .element("td class=\"num\"", reachable ? voter.getAppliedIndex() : "—")
                    .element("td class=\"num\"", voter.getLag() < 0 ? "unknown" : voter.getLag() + " entries")
                    .raw("</tr>");
        }
        html.raw("</tbody></table>");
    }
}
