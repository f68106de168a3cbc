package io.skein.server.console;

import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.admin.TopicRpcs;
import io.skein.proto.admin.ListTopicsRequest;
import io.skein.proto.admin.TopicSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;

/** The topics, filtered by name and a page at a time, with the form that creates one. */
final class TopicsPage {
    static final int PAGE_SIZE = 50;

    private final Layout layout;
    private final AdminAuthorization authorization;
    private final TopicRpcs topics;

    TopicsPage(Layout layout, AdminAuthorization authorization, TopicRpcs topics) {
        this.layout = layout;
        this.authorization = authorization;
        this.topics = topics;
    }

    CompletableFuture<Reply> answer(Params params) {
        String filter = params.text("q");
        boolean internal = params.flag("internal");
        String needle = filter.toLowerCase(Locale.ROOT);
        List<TopicSummary> matching = authorization.listTopics(params.caller(), topics.listTopics(
                ListTopicsRequest.newBuilder().setIncludeInternal(internal).build())).getTopicsList().stream()
                .filter(t -> t.getName().toLowerCase(Locale.ROOT).contains(needle)).toList();
        Paging paging = Paging.of(params, PAGE_SIZE, matching.size());
        Layout.Notice notice = params.text("done").equals("deleted")
                ? Layout.Notice.info("Topic '" + params.text("topic") + "' deleted.") : null;
        List<TopicSummary> shown = paging.of(matching);
        List<TopicPartition> partitions = new ArrayList<>();
        shown.forEach(t -> IntStream.range(0, t.getPartitions()).forEach(p -> partitions.add(new TopicPartition(t.getName(), p))));
        return topics.sizes(partitions).thenApply(sizes -> Reply.page(layout.page("Topics", Layout.Section.TOPICS, notice,
                html -> {
                    html.raw("<form class=\"filter\" method=\"get\" action=\"/ui/topics\">")
                            .raw("<label>Name contains <input type=\"search\" name=\"q\" value=\"").text(filter)
                            .raw("\"></label><label><input type=\"checkbox\" name=\"internal\" value=\"1\"")
                            .raw(internal ? " checked" : "").raw("> internal topics too</label>")
                            .raw("<button type=\"submit\">Filter</button></form>");
                    paging.write(html, "topics", page -> Link.to("/ui/topics").with("q", filter)
                            .with("internal", internal ? "1" : null).with("page", page));
                    if (paging.total() > 0) {
                        table(html, shown, sizes);
                    }
                    createForm(html);
                })));
    }

    /** A topic's size: its partitions' leader replicas, at least that much if some did not answer. */
    private static void table(Html html, List<TopicSummary> shown, Map<TopicPartition, Long> sizes) {
        html.raw("<table id=\"topics\"><thead><tr><th>Name</th><th>Partitions</th><th>Replication factor</th>")
                .raw("<th>Size</th></tr></thead><tbody>");
        for (TopicSummary topic : shown) {
            html.raw("<tr><td>").link(TopicPage.link(topic.getName()), topic.getName());
            if (topic.getInternal()) {
                html.raw(" <span class=\"badge\">internal</span>");
            }
            html.raw("</td>").element("td class=\"num\"", Format.count(topic.getPartitions()))
                    .element("td class=\"num\"", topic.getReplicationFactor());
            long known = 0;
            int unknown = 0;
            for (int p = 0; p < topic.getPartitions(); p++) {
                Long size = sizes.get(new TopicPartition(topic.getName(), p));
                known += size == null ? 0 : size;
                unknown += size == null ? 1 : 0;
            }
            html.element("td class=\"num\"", unknown == 0 ? Format.bytes(known)
                    : unknown == topic.getPartitions() ? "unknown" : "at least " + Format.bytes(known)).raw("</tr>");
        }
        html.raw("</tbody></table>");
    }

    private static void createForm(Html html) {
        html.element("h2", "Create a topic")
                .raw("<form id=\"create-topic\" class=\"action\" method=\"post\" action=\"/ui/topics/create\">")
                .raw("<label>Name <input name=\"name\" required maxlength=\"249\"></label>")
                .raw("<label>Partitions <input name=\"partitions\" type=\"number\" min=\"1\" placeholder=\"cluster default\"></label>")
                .raw("<label>Replication factor <input name=\"replication\" type=\"number\" min=\"1\" ")
                .raw("placeholder=\"cluster default\"></label>")
                .raw("<label class=\"wide\"><span>Configs, one <code>key=value</code> a line </span><textarea name=\"configs\" rows=\"3\" ")
                .raw("placeholder=\"retention.ms=604800000\"></textarea></label>")
                .raw("<button type=\"submit\">Create topic</button></form>");
    }
}
