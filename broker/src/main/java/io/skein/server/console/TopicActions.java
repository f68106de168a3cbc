package io.skein.server.console;

import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.admin.TopicRpcs;
import io.skein.proto.admin.AlterTopicConfigsRequest;
import io.skein.proto.admin.CreatePartitionsRequest;
import io.skein.proto.admin.CreateTopicsRequest;
import io.skein.proto.admin.DeleteTopicsRequest;
import io.skein.proto.admin.TopicSpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The topic actions, each through the admin API's own code (so with its checks and Kafka's errors),
 * each answered once this broker's metadata shows the change. Deleting asks for confirmation first.
 */
final class TopicActions {
    private final Layout layout;
    private final AdminAuthorization authorization;
    private final TopicRpcs topics;

    TopicActions(Layout layout, AdminAuthorization authorization, TopicRpcs topics) {
        this.layout = layout;
        this.authorization = authorization;
        this.topics = topics;
    }

    CompletableFuture<Reply> create(Params params) {
        String name = params.required("name", "the new topic's name");
        authorization.createTopics(params.caller(), List.of(name));
        TopicSpec.Builder spec = TopicSpec.newBuilder().setName(name).putAllConfigs(settings(params, "configs"));
        if (params.has("partitions")) {
            spec.setPartitions(params.integer("partitions", "The number of partitions", 0, 1));
        }
        if (params.has("replication")) {
            spec.setReplicationFactor(params.integer("replication", "The replication factor", 0, 1));
        }
        return topics.createTopics(CreateTopicsRequest.newBuilder().addTopics(spec).build())
                .thenApply(created -> Reply.seeOther(TopicPage.link(name).with("done", "created")));
    }

    CompletableFuture<Reply> addPartitions(Params params) {
        String name = params.required("name", "the topic's name");
        authorization.createPartitions(params.caller(), name);
        int count = params.integer("count", "The new number of partitions", 0, 1);
        if (count == 0) {
            throw new BadInput("Give the new number of partitions.");
        }
        return topics.createPartitions(CreatePartitionsRequest.newBuilder().setTopic(name).setPartitions(count).build())
                .thenApply(grown -> Reply.seeOther(TopicPage.link(name).with("done", "partitions")));
    }

    CompletableFuture<Reply> alterConfigs(Params params) {
        String name = params.required("name", "the topic's name");
        authorization.alterTopicConfigs(params.caller(), name);
        AlterTopicConfigsRequest.Builder request = AlterTopicConfigsRequest.newBuilder().setTopic(name)
                .putAllSet(settings(params, "set"));
        Arrays.stream(params.text("delete").split("[,\\s]+")).filter(key -> !key.isEmpty())
                .forEach(request::addDelete);
        return topics.alterTopicConfigs(request.build())
                .thenApply(changed -> Reply.seeOther(TopicPage.link(name).with("done", "configs")));
    }

    /** First a page that asks to confirm; then, with {@code confirm}, the deletion. */
    CompletableFuture<Reply> delete(Params params) {
        String name = params.required("name", "the topic's name");
        authorization.deleteTopics(params.caller(), List.of(name)); // asking to confirm what it may not do is no use
        if (!params.flag("confirm")) {
            topics.summary(name); // an unknown topic is said at once, not after confirming
            return CompletableFuture.completedFuture(Reply.page(layout.page("Delete topic " + name + "?",
                    Layout.Section.TOPICS, null, html -> html
                            .raw("<p>Deleting a topic removes all its partitions and their records from every broker; ")
                            .raw("it cannot be undone. Consumer groups keep their committed offsets until they expire.</p>")
                            .raw("<form id=\"confirm\" class=\"action\" method=\"post\" action=\"/ui/topic/delete\">")
                            .hidden("name", name).hidden("confirm", "yes")
                            .raw("<button class=\"danger\" type=\"submit\">Delete ").text(name).raw("</button> ")
                            .link(TopicPage.link(name), "Cancel").raw("</form>"))));
        }
        return topics.deleteTopics(DeleteTopicsRequest.newBuilder().addNames(name).build())
                .thenApply(deleted -> Reply.seeOther(Link.to("/ui/topics").with("done", "deleted").with("topic", name)));
    }

    /** The configs of {@code name}'s lines; a key given twice takes its last value. */
    private static Map<String, String> settings(Params params, String name) {
        Map<String, String> settings = new LinkedHashMap<>();
        params.pairs(name, "config").forEach(pair -> settings.put(pair.getKey(), pair.getValue()));
        return settings;
    }
}
