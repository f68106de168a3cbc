package io.skein.server.console;

import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.admin.GroupRpcs;
import io.skein.proto.admin.GroupSummary;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/** The consumer groups, filtered by id and a page at a time. */
final class GroupsPage {
    static final int PAGE_SIZE = 50;

    private final Layout layout;
    private final AdminAuthorization authorization;
    private final GroupRpcs groups;

    GroupsPage(Layout layout, AdminAuthorization authorization, GroupRpcs groups) {
        this.layout = layout;
        this.authorization = authorization;
        this.groups = groups;
    }

    CompletableFuture<Reply> answer(Params params) {
        String filter = params.text("q");
        String needle = filter.toLowerCase(Locale.ROOT);
        int page = Paging.requested(params);
        return groups.listGroups().thenApply(all -> {
            List<GroupSummary> matching = authorization.listGroups(params.caller(), all).getGroupsList().stream()
                    .filter(g -> g.getGroupId().toLowerCase(Locale.ROOT).contains(needle)).toList();
            Paging paging = Paging.of(page, PAGE_SIZE, matching.size());
            return Reply.page(layout.page("Consumer groups", Layout.Section.GROUPS, null, html -> {
                html.raw("<form class=\"filter\" method=\"get\" action=\"/ui/groups\">")
                        .raw("<label>Id contains <input type=\"search\" name=\"q\" value=\"").text(filter)
                        .raw("\"></label><button type=\"submit\">Filter</button></form>");
                paging.write(html, "groups", p -> Link.to("/ui/groups").with("q", filter).with("page", p));
                if (paging.total() == 0) {
                    return;
                }
                html.raw("<table id=\"groups\"><thead><tr><th>Group</th><th>State</th><th>Protocol type</th></tr>")
                        .raw("</thead><tbody>");
                for (GroupSummary group : paging.of(matching)) {
                    html.raw("<tr><td>").link(GroupPage.link(group.getGroupId()), group.getGroupId())
                            .raw("</td>").element("td", group.getState())
                            .element("td", group.getProtocolType().isEmpty() ? "—" : group.getProtocolType())
                            .raw("</tr>");
                }
                html.raw("</tbody></table>");
            }));
        });
    }
}
