package io.skein.server.console;

import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.admin.ClusterRpcs;
import io.skein.broker.admin.PartitionStates;
import io.skein.metadata.image.PartitionRegistration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** The partitions in one state that needs attention (offline, under-replicated, under min ISR), a page at a time. */
final class PartitionsPage {
    static final int PAGE_SIZE = 100;

    /** The lists the overview links to. */
    enum State {
        OFFLINE("offline", "Offline partitions", PartitionStates::offline),
        UNDER_REPLICATED("under-replicated", "Under-replicated partitions", PartitionStates::underReplicated),
        UNDER_MIN_ISR("under-min-isr", "Under min ISR partitions", PartitionStates::underMinIsr);

        final String param;
        final String title;
        final Function<PartitionStates, List<PartitionStates.Partition>> list;

        State(String param, String title, Function<PartitionStates, List<PartitionStates.Partition>> list) {
            this.param = param;
            this.title = title;
            this.list = list;
        }

        static State of(String param) {
            for (State state : values()) {
                if (state.param.equals(param)) {
                    return state;
                }
            }
            throw new BadInput("There is no list of '" + param + "' partitions: offline, under-replicated or "
                    + "under-min-isr.");
        }
    }

    private final Layout layout;
    private final AdminAuthorization authorization;
    private final ClusterRpcs cluster;

    PartitionsPage(Layout layout, AdminAuthorization authorization, ClusterRpcs cluster) {
        this.layout = layout;
        this.authorization = authorization;
        this.cluster = cluster;
    }

    /** The unhealthy partitions GetOverview lists, so authorized as it is. */
    CompletableFuture<Reply> answer(Params params) {
        authorization.clusterHistory(params.caller(), "GetOverview");
        State state = State.of(params.text("state"));
        List<PartitionStates.Partition> partitions = state.list.apply(cluster.partitionStates());
        Paging paging = Paging.of(params, PAGE_SIZE, partitions.size());
        return CompletableFuture.completedFuture(Reply.page(layout.page(state.title, Layout.Section.OVERVIEW, null,
                html -> {
                    paging.write(html, "partitions", page -> Link.to("/ui/partitions").with("state", state.param)
                            .with("page", page));
                    if (paging.total() == 0) {
                        return;
                    }
                    html.raw("<table id=\"partitions\"><thead><tr><th>Topic</th><th>Partition</th><th>Leader</th>")
                            .raw("<th>Leader epoch</th><th>Replicas</th><th>ISR</th></tr></thead><tbody>");
                    for (PartitionStates.Partition p : paging.of(partitions)) {
                        PartitionRegistration r = p.registration();
                        html.raw("<tr><td>").link(TopicPage.link(p.topic(), p.partition()), p.topic()).raw("</td>")
                                .element("td class=\"num\"", p.partition())
                                .element("td class=\"num\"", r.hasLeader() ? String.valueOf(r.leader()) : "none")
                                .element("td class=\"num\"", r.leaderEpoch())
                                .element("td", Format.ids(r.replicas())).element("td", Format.ids(r.isr()))
                                .raw("</tr>");
                    }
                    html.raw("</tbody></table>");
                })));
    }
}
