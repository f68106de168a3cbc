package io.skein.server.console;

import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.admin.GroupRpcs;
import io.skein.proto.admin.DescribeGroupsRequest;
import io.skein.proto.admin.GroupDescription;
import io.skein.proto.admin.GroupMember;
import io.skein.proto.admin.GroupOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One consumer group: its state, protocol, members and their assignments, charts of its lag and
 * consume rate over the history's span, and per partition its committed offset and lag in offsets
 * and in time (a page at a time), with the form that resets its offsets.
 */
final class GroupPage {
    static final int PAGE_SIZE = 100;
    private static final List<HistoryCharts.Chart> CHARTS = List.of(
            new HistoryCharts.Chart("chart-lag", "Total lag", List.of(
                    new HistoryCharts.Plotted("lag", "records not consumed"))),
            new HistoryCharts.Chart("chart-lag-time", "Lag in time", List.of(
                    new HistoryCharts.Plotted("lag_seconds", "age of the oldest record not consumed"))),
            new HistoryCharts.Chart("chart-consume-rate", "Consume rate", List.of(
                    new HistoryCharts.Plotted("consume_rate", "committed offsets' advance"))));

    private final Layout layout;
    private final AdminAuthorization authorization;
    private final GroupRpcs groups;
    private final HistoryCharts charts;

    GroupPage(Layout layout, AdminAuthorization authorization, GroupRpcs groups, HistoryCharts charts) {
        this.layout = layout;
        this.authorization = authorization;
        this.groups = groups;
        this.charts = charts;
    }

    static Link link(String groupId) {
        return Link.to("/ui/group").with("id", groupId);
    }

    CompletableFuture<Reply> answer(Params params) {
        String id = params.required("id", "a group's id");
        int page = Paging.requested(params);
        Layout.Notice notice = params.text("done").equals("reset") ? Layout.Notice.info("Offsets reset.") : null;
        Predicate<String> visibleTopics = authorization.describeGroups(params.caller(), List.of(id));
        authorization.groupHistory(params.caller(), id);
        CompletableFuture<HistoryCharts.Sampled> history = charts.group(id);
        return groups.describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds(id).build(), visibleTopics)
                .thenCombine(history, (described, sampled) -> page(id, described.getGroups(0), sampled, page, notice));
    }

    private Reply page(String id, GroupDescription group, HistoryCharts.Sampled history, int page,
                       Layout.Notice notice) {
        Paging paging = Paging.of(page, PAGE_SIZE, group.getOffsetsCount());
        return Reply.page(layout.page("Group " + id, Layout.Section.GROUPS, notice, html -> {
            facts(html, group);
            html.element("h2", charts.heading());
            HistoryCharts.write(html, history, CHARTS);
            members(html, group);
            html.element("h2", "Offsets and lag");
            paging.write(html, "partitions", p -> link(id).with("page", p));
            offsets(html, group, paging);
            resetForm(html, group);
        }));
    }

    private static void facts(Html html, GroupDescription group) {
        html.raw("<dl class=\"facts\">").element("dt", "State").raw("<dd id=\"group-state\">").text(group.getState())
                .raw("</dd>").element("dt", "Protocol type")
                .element("dd", group.getProtocolType().isEmpty() ? "—" : group.getProtocolType())
                .element("dt", "Assignor").element("dd", group.getProtocol().isEmpty() ? "—" : group.getProtocol())
                .element("dt", "Coordinator").element("dd", "node " + group.getCoordinator())
                .element("dt", "Total lag").raw("<dd id=\"total-lag\">").text(Format.count(group.getTotalLag()))
                .raw(group.getTotalLag() == 1 ? " message" : " messages").raw("</dd>")
                .element("dt", "Largest lag in time").raw("<dd id=\"max-lag-time\">")
                .text(group.getMaxLagMs() < 0 ? "unknown" : Format.duration(group.getMaxLagMs())).raw("</dd></dl>");
    }

    private static void members(Html html, GroupDescription group) {
        html.element("h2", "Members");
        if (group.getMembersCount() == 0) {
            html.element("p id=\"no-members\"", "No members: no consumer of this group is running.");
            return;
        }
        html.raw("<table id=\"members\"><thead><tr><th>Client id</th><th>Host</th><th>Member id</th>")
                .raw("<th>Instance id</th><th>Assignment</th></tr></thead><tbody>");
        for (GroupMember member : group.getMembersList()) {
            html.raw("<tr>").element("td", member.getClientId()).element("td", member.getHost())
                    .element("td class=\"id\"", member.getMemberId())
                    .element("td", member.getGroupInstanceId().isEmpty() ? "—" : member.getGroupInstanceId())
                    .element("td", member.getAssignmentList().stream()
                            .map(a -> a.getTopic() + ": " + a.getPartitionsList().stream().map(String::valueOf)
                                    .collect(Collectors.joining(", ")))
                            .collect(Collectors.joining("; ")))
                    .raw("</tr>");
        }
        html.raw("</tbody></table>");
    }

    private static void offsets(Html html, GroupDescription group, Paging paging) {
        if (paging.total() == 0) {
            return;
        }
        Map<String, String> clients = new HashMap<>();
        group.getMembersList().forEach(m -> clients.put(m.getMemberId(), m.getClientId()));
        html.raw("<table id=\"offsets\"><thead><tr><th>Topic</th><th>Partition</th><th>Committed offset</th>")
                .raw("<th>End offset</th><th>Lag</th><th>Lag in time</th><th>Consumer</th></tr></thead><tbody>");
        for (GroupOffset offset : paging.of(group.getOffsetsList())) {
            html.raw("<tr id=\"lag-").text(offset.getTopic() + "-" + offset.getPartition()).raw("\"><td>")
                    .link(TopicPage.link(offset.getTopic(), offset.getPartition()), offset.getTopic())
                    .raw("</td>").element("td class=\"num\"", offset.getPartition())
                    .element("td class=\"num\"", offset.getCommittedOffset() < 0 ? "none" : Format.count(offset.getCommittedOffset()))
                    .element("td class=\"num\"", offset.getLogEndOffset() < 0 ? "unknown" : Format.count(offset.getLogEndOffset()))
                    .element("td class=\"num lag\"", offset.getLag() < 0 ? "unknown" : Format.count(offset.getLag()))
                    .element("td class=\"num\"", offset.getLagMs() < 0 ? "unknown" : Format.duration(offset.getLagMs()))
                    .element("td", offset.getMemberId().isEmpty() ? "—"
                            : clients.getOrDefault(offset.getMemberId(), offset.getMemberId()))
                    .raw("</tr>");
        }
        html.raw("</tbody></table>");
    }

    private static void resetForm(Html html, GroupDescription group) {
        html.element("h2", "Reset offsets")
                .raw("<form id=\"reset-offsets\" class=\"action\" method=\"post\" action=\"/ui/group/reset\">")
                .hidden("id", group.getGroupId())
                .raw("<label>Topic <select name=\"topic\"><option value=\"\">every topic it has offsets for</option>");
        group.getOffsetsList().stream().map(GroupOffset::getTopic).distinct()
                .forEach(topic -> html.raw("<option value=\"").text(topic).raw("\">").text(topic).raw("</option>"));
        html.raw("</select></label><label>To <select name=\"to\"><option value=\"earliest\">the earliest offset</option>")
                .raw("<option value=\"latest\">the latest offset</option><option value=\"time\">a time</option>")
                .raw("<option value=\"offset\">an offset</option></select></label>")
                .raw("<label>Time or offset <input name=\"at\" placeholder=\"2024-05-01T12:00:00Z or 42\"></label>")
                .raw("<button type=\"submit\">Reset offsets…</button> <span class=\"hint\">")
                .text(group.getMembersCount() == 0 ? "You will see the new offsets and be asked to confirm."
                        : "Only a group without members can be reset: stop its consumers first.")
                .raw("</span></form>");
    }
}
