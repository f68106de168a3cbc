package io.skein.server.console;

import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.admin.GroupRpcs;
import io.skein.proto.admin.GroupOffset;
import io.skein.proto.admin.ResetGroupOffsetsRequest;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Resets a group's committed offsets, through the admin API's own code: first as a dry run whose new
 * offsets the user confirms, then for real. Refused, as Kafka refuses it, while the group has members.
 */
final class ResetOffsetsAction {
    private final Layout layout;
    private final AdminAuthorization authorization;
    private final GroupRpcs groups;

    ResetOffsetsAction(Layout layout, AdminAuthorization authorization, GroupRpcs groups) {
        this.layout = layout;
        this.authorization = authorization;
        this.groups = groups;
    }

    CompletableFuture<Reply> answer(Params params) {
        String id = params.required("id", "a group's id");
        Consumer<Collection<String>> mayReset = authorization.resetGroupOffsets(params.caller(), id);
        String topic = params.text("topic");
        String to = params.choice("to", "earliest", "latest", "time", "offset");
        ResetGroupOffsetsRequest.Builder request = ResetGroupOffsetsRequest.newBuilder().setGroupId(id);
        if (!topic.isEmpty()) {
            request.addTopics(topic);
        }
        switch (to) {
            case "earliest" -> request.setToEarliest(true);
            case "latest" -> request.setToLatest(true);
            case "time" -> request.setToTimestampMs(MessagesPage.time(params.required("at", "the time to reset to")));
            default -> request.setToOffset(params.number("at", "The offset to reset to", -1, 0));
        }
        if (to.equals("offset") && !params.has("at")) {
            throw new BadInput("Give the offset to reset to.");
        }
        boolean confirmed = params.flag("confirm");
        return groups.resetGroupOffsets(request.setDryRun(!confirmed).build(), mayReset).thenApply(reset -> {
            if (confirmed) {
                return Reply.seeOther(GroupPage.link(id).with("done", "reset"));
            }
            return Reply.page(layout.page("Reset offsets of group " + id + "?", Layout.Section.GROUPS, null, html -> {
                html.raw("<p>The group's committed offsets would become these; its consumers start from them when ")
                        .raw("they next join.</p><table id=\"new-offsets\"><thead><tr><th>Topic</th><th>Partition</th>")
                        .raw("<th>New offset</th><th>End offset</th><th>Lag after</th></tr></thead><tbody>");
                for (GroupOffset offset : reset.getOffsetsList()) {
                    html.raw("<tr>").element("td", offset.getTopic()).element("td class=\"num\"", offset.getPartition())
                            .element("td class=\"num\"", Format.count(offset.getCommittedOffset()))
                            .element("td class=\"num\"", Format.count(offset.getLogEndOffset()))
                            .element("td class=\"num\"", Format.count(offset.getLag())).raw("</tr>");
                }
                html.raw("</tbody></table>")
                        .raw("<form id=\"confirm\" class=\"action\" method=\"post\" action=\"/ui/group/reset\">")
                        .hidden("id", id).hidden("topic", topic).hidden("to", to).hidden("at", params.text("at"))
                        .hidden("confirm", "yes").raw("<button class=\"danger\" type=\"submit\">Reset offsets</button> ")
                        .link(GroupPage.link(id), "Cancel").raw("</form>");
            }));
        });
    }
}
