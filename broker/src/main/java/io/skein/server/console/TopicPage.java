package io.skein.server.console;

import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.admin.TopicRpcs;
import io.skein.proto.admin.ConfigEntry;
import io.skein.proto.admin.DescribeTopicConfigsRequest;
import io.skein.proto.admin.DescribeTopicConfigsResponse;
import io.skein.proto.admin.DescribeTopicsRequest;
import io.skein.proto.admin.PartitionDescription;
import io.skein.proto.admin.TopicDescription;
import io.skein.proto.admin.TopicSummary;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * One topic: a page of its partitions (leader, epoch, replicas, ISR, offsets), its configs with
 * where each comes from, and the forms that add partitions, change configs and delete it.
 */
final class TopicPage {
    static final int PAGE_SIZE = 100;

    private final Layout layout;
    private final AdminAuthorization authorization;
    private final TopicRpcs topics;

    TopicPage(Layout layout, AdminAuthorization authorization, TopicRpcs topics) {
        this.layout = layout;
        this.authorization = authorization;
        this.topics = topics;
    }

    static Link link(String topic) {
        return Link.to("/ui/topic").with("name", topic);
    }

    /** The page of the topic that shows {@code partition}. */
    static Link link(String topic, int partition) {
        return link(topic).with("page", partition / PAGE_SIZE + 1);
    }

    CompletableFuture<Reply> answer(Params params) {
        String name = params.required("name", "a topic's name");
        authorization.describeTopics(params.caller(), List.of(name));
        authorization.describeTopicConfigs(params.caller(), name);
        TopicSummary summary = topics.summary(name);
        Paging paging = Paging.of(params, PAGE_SIZE, summary.getPartitions());
        DescribeTopicConfigsResponse configs = topics.describeTopicConfigs(DescribeTopicConfigsRequest.newBuilder()
                .setTopic(name).build());
        DescribeTopicsRequest.Builder request = DescribeTopicsRequest.newBuilder().addNames(name);
        IntStream.range(paging.from(), paging.to()).forEach(request::addPartitions);
        if (request.getPartitionsCount() == 0) {
            request.addPartitions(0); // a topic has one at least; asking for none would ask for all
        }
        Layout.Notice notice = notice(params.text("done"));
        return topics.describeTopics(request.build()).thenApply(described -> {
            TopicDescription topic = described.getTopics(0);
            return Reply.page(layout.page("Topic " + name, Layout.Section.TOPICS, notice, html -> {
                facts(html, summary);
                html.element("h2", "Partitions");
                paging.write(html, "partitions", page -> link(name).with("page", page));
                partitions(html, topic);
                configs(html, name, configs);
                actions(html, name, summary);
            }));
        });
    }

    private static Layout.Notice notice(String done) {
        return switch (done) {
            case "created" -> Layout.Notice.info("Topic created.");
            case "partitions" -> Layout.Notice.info("Partitions added.");
            case "configs" -> Layout.Notice.info("Configs changed.");
            default -> null;
        };
    }

    private static void facts(Html html, TopicSummary summary) {
        html.raw("<dl class=\"facts\">").element("dt", "Topic id").element("dd", summary.getTopicId())
                .element("dt", "Partitions").raw("<dd id=\"partition-count\">").text(summary.getPartitions())
                .raw("</dd>").element("dt", "Replication factor").element("dd", summary.getReplicationFactor());
        if (summary.getInternal()) {
            html.element("dt", "Internal").element("dd", "yes: the cluster's own, written by its coordinators");
        }
        html.raw("</dl><p>").link(Link.to("/ui/messages").with("topic", summary.getName()),
                "Browse messages").raw("</p>");
    }

    private static void partitions(Html html, TopicDescription topic) {
        html.raw("<table id=\"partitions\"><thead><tr><th>Partition</th><th>Leader</th><th>Leader epoch</th>")
                .raw("<th>Replicas</th><th>ISR</th><th>Start offset</th><th>End offset</th><th>Size</th><th>State</th>")
                .raw("<th></th></tr></thead><tbody>");
        for (PartitionDescription p : topic.getPartitionsList()) {
            String state = p.getOffline() ? "offline" : p.getUnderReplicated() ? "under-replicated" : "in sync";
            html.raw("<tr id=\"p-").text(p.getPartition()).raw("\">").element("td class=\"num\"", p.getPartition())
                    .element("td class=\"num\"", p.getLeader() < 0 ? "none" : String.valueOf(p.getLeader()))
                    .element("td class=\"num\"", p.getLeaderEpoch())
                    .element("td", Format.ids(p.getReplicasList())).element("td", Format.ids(p.getIsrList()))
                    .element("td class=\"num\"", p.getLogStartOffset() < 0 ? "—" : Format.count(p.getLogStartOffset()))
                    .element("td class=\"num\"", p.getLogEndOffset() < 0 ? "—" : Format.count(p.getLogEndOffset()))
                    .element("td class=\"num\"", p.getSizeBytes() < 0 ? "unknown" : Format.bytes(p.getSizeBytes()))
                    .raw(p.getOffline() || p.getUnderReplicated() ? "<td class=\"state bad\">" : "<td class=\"state good\">")
                    .text(state).raw("</td><td>")
                    .link(Link.to("/ui/messages").with("topic", topic.getName()).with("partition", p.getPartition()),
                            "messages")
                    .raw("</td></tr>");
        }
        html.raw("</tbody></table>");
    }

    private static void configs(Html html, String name, DescribeTopicConfigsResponse configs) {
        html.element("h2", "Configs").raw("<table id=\"configs\"><thead><tr><th>Name</th><th>Value</th>")
                .raw("<th>Set by</th></tr></thead><tbody>");
        for (ConfigEntry entry : configs.getConfigsList()) {
            String source = switch (entry.getSource()) {
                case DYNAMIC_TOPIC_CONFIG -> "this topic";
                case DYNAMIC_BROKER_CONFIG -> "this broker's dynamic config";
                case DYNAMIC_DEFAULT_BROKER_CONFIG -> "the cluster's dynamic default";
                case STATIC_BROKER_CONFIG -> "the broker's config file";
                default -> "default";
            };
            html.raw(entry.getSource() == io.skein.proto.admin.ConfigSource.DYNAMIC_TOPIC_CONFIG
                            ? "<tr class=\"own\">" : "<tr>")
                    .element("td", entry.getName()).element("td class=\"value\"", entry.getValue())
                    .element("td", source).raw("</tr>");
        }
        html.raw("</tbody></table>")
                .raw("<form id=\"alter-configs\" class=\"action\" method=\"post\" action=\"/ui/topic/configs\">")
                .hidden("name", name)
                .raw("<label class=\"wide\"><span>Set, one <code>key=value</code> a line </span><textarea name=\"set\" rows=\"3\"")
                .raw(" placeholder=\"retention.ms=86400000\"></textarea></label>")
                .raw("<label>Back to the default <input name=\"delete\" placeholder=\"cleanup.policy, retention.ms\">")
                .raw("</label><button type=\"submit\">Change configs</button></form>");
    }

    private static void actions(Html html, String name, TopicSummary summary) {
        html.element("h2", "Add partitions")
                .raw("<form id=\"add-partitions\" class=\"action\" method=\"post\" action=\"/ui/topic/partitions\">")
                .hidden("name", name)
                .raw("<label>New number of partitions <input name=\"count\" type=\"number\" required min=\"")
                .text(summary.getPartitions() + 1).raw("\"></label><button type=\"submit\">Add partitions</button></form>")
                .element("h2", "Delete")
                .raw("<form id=\"delete-topic\" class=\"action\" method=\"post\" action=\"/ui/topic/delete\">")
                .hidden("name", name)
                .raw("<button class=\"danger\" type=\"submit\">Delete topic…</button> ")
                .raw("<span class=\"hint\">You will be asked to confirm.</span></form>");
    }
}
