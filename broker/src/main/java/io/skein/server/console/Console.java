package io.skein.server.console;

import io.skein.broker.admin.AdminServer;
import io.skein.http.HttpServer;
import io.skein.server.history.ClusterHistory;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * The web console a broker serves on its HTTP listener under {@code /ui/} ({@code /} leads there):
 * pages rendered on the server from the admin API's own Java services and the node's history, so
 * that the console, the gRPC admin API and {@code skein} share one implementation; actions by POST
 * from its own pages only ({@link SameOrigin}). It holds the producer of its test messages, closed
 * with it.
 */
public final class Console implements AutoCloseable {
    private final TestProducer producer;

    private Console(TestProducer producer) {
        this.producer = producer;
    }

    /**
     * Adds the console's routes to {@code http}.
     *
     * @param history   the cluster's history, for charts and the timeline
     * @param selfClient kafka-clients properties of a client of this broker's own Kafka listener, for test messages
     */
    public static Console serve(HttpServer http, AdminServer admin, ClusterHistory history, Clock clock,
                                String clusterId, int nodeId, Map<String, Object> selfClient) {
        Assets assets = new Assets("console.css");
        Layout layout = new Layout(clusterId, nodeId, assets.link("console.css"));
        TestProducer producer = new TestProducer(selfClient, nodeId);
        TopicActions topicActions = new TopicActions(layout, admin.topics());
        HistoryCharts charts = new HistoryCharts(history, clock);
        http.route("/", redirect("/ui/"), "GET");
        http.route("/ui", redirect("/ui/"), "GET");
        view(http, "/ui/", layout, Layout.Section.OVERVIEW, new OverviewPage(layout, admin.cluster(), admin.topics(), charts)::answer);
        view(http, "/ui/partitions", layout, Layout.Section.OVERVIEW, new PartitionsPage(layout, admin.cluster())::answer);
        view(http, "/ui/topics", layout, Layout.Section.TOPICS, new TopicsPage(layout, admin.topics())::answer);
        action(http, "/ui/topics/create", layout, Layout.Section.TOPICS, topicActions::create);
        view(http, "/ui/topic", layout, Layout.Section.TOPICS, new TopicPage(layout, admin.topics())::answer);
        action(http, "/ui/topic/partitions", layout, Layout.Section.TOPICS, topicActions::addPartitions);
        action(http, "/ui/topic/configs", layout, Layout.Section.TOPICS, topicActions::alterConfigs);
        action(http, "/ui/topic/delete", layout, Layout.Section.TOPICS, topicActions::delete);
        view(http, "/ui/messages", layout, Layout.Section.TOPICS,
                new MessagesPage(layout, admin.topics(), admin.messages())::answer);
        action(http, "/ui/messages/produce", layout, Layout.Section.TOPICS,
                new ProduceAction(admin.topics(), producer)::answer);
        view(http, "/ui/groups", layout, Layout.Section.GROUPS, new GroupsPage(layout, admin.groups())::answer);
        view(http, "/ui/group", layout, Layout.Section.GROUPS, new GroupPage(layout, admin.groups(), charts)::answer);
        view(http, "/ui/timeline", layout, Layout.Section.TIMELINE, new TimelinePage(layout, history)::answer);
        action(http, "/ui/group/reset", layout, Layout.Section.GROUPS, new ResetOffsetsAction(layout, admin.groups())::answer);
        http.routePrefix(Assets.PREFIX, assets, "GET");
        // Any other path under /ui/: a page of the console's own that says so.
        http.routePrefix("/ui/", ConsoleHandler.view(layout, Layout.Section.OVERVIEW, params ->
                CompletableFuture.completedFuture(Reply.page(HttpStatus.NOT_FOUND_404, layout.failure("Not found",
                        Layout.Section.OVERVIEW, "The console has no such page.")))), "GET", "POST");
        return new Console(producer);
    }

    private static void view(HttpServer http, String path, Layout layout, Layout.Section section,
                             ConsoleHandler.Page page) {
        http.route(path, ConsoleHandler.view(layout, section, page), "GET");
    }

    private static void action(HttpServer http, String path, Layout layout, Layout.Section section,
                               ConsoleHandler.Page page) {
        http.route(path, ConsoleHandler.action(layout, section, page), "POST");
    }

    private static Request.Handler redirect(String location) {
        return (request, response, callback) -> {
            Response.sendRedirect(request, response, callback, HttpStatus.FOUND_302, location, true);
            return true;
        };
    }

    @Override
    public void close() {
        producer.close();
    }
}
