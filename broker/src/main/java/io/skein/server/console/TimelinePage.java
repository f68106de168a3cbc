package io.skein.server.console;

import io.skein.broker.admin.AdminAuthorization;
import io.skein.server.history.ClusterHistory;
import io.skein.server.history.TimelineEvent;
import io.skein.server.history.TimelineView;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The cluster's timeline, newest first and a page at a time: leader elections, ISR shrinks and
 * expands, brokers registered, fenced and unfenced, each with its time, partition, old and new
 * leader and ISR, and the reason read from the metadata; filtered by topic (a topic's events and the
 * brokers'). The brokers keep a bounded number of events each, so a page costs the same on any cluster.
 */
final class TimelinePage {
    static final int PAGE_SIZE = 50;

    private final Layout layout;
    private final AdminAuthorization authorization;
    private final ClusterHistory history;

    TimelinePage(Layout layout, AdminAuthorization authorization, ClusterHistory history) {
        this.layout = layout;
        this.authorization = authorization;
        this.history = history;
    }

    CompletableFuture<Reply> answer(Params params) {
        authorization.clusterHistory(params.caller(), "GetTimeline");
        String topic = params.text("topic");
        int page = Paging.requested(params);
        return history.timeline(0, 0, topic).thenApply(view -> {
            Paging paging = Paging.of(page, PAGE_SIZE, view.events().size());
            return Reply.page(layout.page("Timeline", Layout.Section.TIMELINE, null, html -> {
                html.raw("<form class=\"filter\" method=\"get\" action=\"/ui/timeline\">")
                        .raw("<label>Topic <input type=\"search\" name=\"topic\" value=\"").text(topic)
                        .raw("\" placeholder=\"every topic\"></label><button type=\"submit\">Filter</button>")
                        .raw("<span class=\"hint\">")
                        .text(topic.isEmpty() ? "Every partition's and broker's events."
                                : "Events of topic " + topic + ", and of brokers.")
                        .raw("</span></form>");
                HistoryCharts.sources(html, "timelines", view.nodes(), view.missing());
                paging.write(html, "events", p -> Link.to("/ui/timeline").with("topic", topic).with("page", p));
                if (paging.total() > 0) {
                    table(html, paging.of(view.events()));
                }
            }));
        });
    }

    private static void table(Html html, List<TimelineEvent> events) {
        html.raw("<table id=\"timeline\"><thead><tr><th>Time</th><th>Event</th><th>Partition or broker</th>")
                .raw("<th>Leader</th><th>ISR</th><th>Leader epoch</th><th>Reason</th></tr></thead><tbody>");
        for (TimelineEvent event : events) {
            boolean partition = event.partition() >= 0;
            html.raw("<tr class=\"").text(event.type().name().toLowerCase(Locale.ROOT).replace('_', '-')).raw("\">")
                    .element("td class=\"time\"", Format.time(event.timeMs()))
                    .element("td", what(event)).raw("<td>");
            if (partition) {
                html.link(TopicPage.link(event.topic(), event.partition()) + "#p-" + event.partition(),
                        event.topic() + "-" + event.partition());
            } else {
                html.text("broker " + event.broker());
            }
            html.raw("</td>")
                    .element("td class=\"change\"", partition ? leader(event) : "")
                    .element("td class=\"change\"", partition ? isr(event.oldIsr()) + " → " + isr(event.newIsr()) : "")
                    .element("td class=\"num\"", partition ? String.valueOf(event.leaderEpoch()) : "")
                    .element("td", event.reason()).raw("</tr>");
        }
        html.raw("</tbody></table>");
    }

    /** The event in words; an ISR change says which way it went. */
    private static String what(TimelineEvent event) {
        return switch (event.type()) {
            case LEADER_ELECTED -> "leader elected";
            case ISR_CHANGED -> event.newIsr().containsAll(event.oldIsr()) ? "ISR expanded"
                    : event.oldIsr().containsAll(event.newIsr()) ? "ISR shrunk" : "ISR changed";
            case BROKER_REGISTERED -> "broker registered";
            case BROKER_FENCED -> "broker fenced";
            case BROKER_UNFENCED -> "broker unfenced";
        };
    }

    /** Old → new for an election; the leader alone for an ISR change, which keeps it. */
    private static String leader(TimelineEvent event) {
        return event.oldLeader() == event.newLeader() ? broker(event.newLeader())
                : broker(event.oldLeader()) + " → " + broker(event.newLeader());
    }

    private static String broker(int id) {
        return id < 0 ? "none" : String.valueOf(id);
    }

    private static String isr(List<Integer> isr) {
        return isr.isEmpty() ? "none" : Format.ids(isr);
    }
}
