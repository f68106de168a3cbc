package io.skein.server.console;

import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.admin.AdminServer;
import io.skein.http.HttpCallers;
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
 * that the console, the gRPC admin API and {@code skein} share one implementation, and each asks
 * {@link AdminAuthorization} first, as the admin API's methods do; actions by POST from its own pages
 * only ({@link SameOrigin}). It holds the producer of its test messages, closed with it.
 */
public final class Console implements AutoCloseable {
    private final TestProducer producer;

    private Console(TestProducer producer) {
        this.producer = producer;
    }

    /**
     * Adds the console's routes to {@code http}.
     *
     * @param callers   who sends each request, as the admin API's methods authorize it
     * @param history   the cluster's history, for charts and the timeline
     * @param selfClient kafka-clients properties of a client of this broker's own Kafka listener, for test messages
     */
    public static Console serve(HttpServer http, HttpCallers callers, AdminServer admin, ClusterHistory history,
                                Clock clock, String clusterId, int nodeId, Map<String, Object> selfClient) {
        Assets assets = new Assets("console.css");
        Layout layout = new Layout(clusterId, nodeId, assets.link("console.css"));
        TestProducer producer = new TestProducer(selfClient, nodeId);
        AdminAuthorization authorization = admin.authorization();
        TopicActions topicActions = new TopicActions(layout, authorization, admin.topics());
        HistoryCharts charts = new HistoryCharts(history, clock);
        Routes routes = new Routes(http, callers, layout);
        http.route("/", redirect("/ui/"), "GET");
        http.route("/ui", redirect("/ui/"), "GET");
        routes.view("/ui/", Layout.Section.OVERVIEW,
                new OverviewPage(layout, authorization, admin.cluster(), admin.topics(), charts)::answer);
        routes.view("/ui/partitions", Layout.Section.OVERVIEW,
                new PartitionsPage(layout, authorization, admin.cluster())::answer);
        routes.view("/ui/topics", Layout.Section.TOPICS, new TopicsPage(layout, authorization, admin.topics())::answer);
        routes.action("/ui/topics/create", Layout.Section.TOPICS, topicActions::create);
        routes.view("/ui/topic", Layout.Section.TOPICS, new TopicPage(layout, authorization, admin.topics())::answer);
        routes.action("/ui/topic/partitions", Layout.Section.TOPICS, topicActions::addPartitions);
        routes.action("/ui/topic/configs", Layout.Section.TOPICS, topicActions::alterConfigs);
        routes.action("/ui/topic/delete", Layout.Section.TOPICS, topicActions::delete);
        routes.view("/ui/messages", Layout.Section.TOPICS,
                new MessagesPage(layout, authorization, admin.topics(), admin.messages())::answer);
        routes.action("/ui/messages/produce", Layout.Section.TOPICS,
                new ProduceAction(authorization, admin.topics(), producer)::answer);
        routes.view("/ui/groups", Layout.Section.GROUPS, new GroupsPage(layout, authorization, admin.groups())::answer);
        routes.view("/ui/group", Layout.Section.GROUPS,
                new GroupPage(layout, authorization, admin.groups(), charts)::answer);
        routes.view("/ui/timeline", Layout.Section.TIMELINE, new TimelinePage(layout, authorization, history)::answer);
        routes.action("/ui/group/reset", Layout.Section.GROUPS,
                new ResetOffsetsAction(layout, authorization, admin.groups())::answer);
        http.routePrefix(Assets.PREFIX, assets, "GET");
        // Any other path under /ui/: a page of the console's own that says so.
        http.routePrefix("/ui/", ConsoleHandler.view(callers, layout, Layout.Section.OVERVIEW, params ->
                CompletableFuture.completedFuture(Reply.page(HttpStatus.NOT_FOUND_404, layout.failure("Not found",
                        Layout.Section.OVERVIEW, "The console has no such page.")))), "GET", "POST");
        return new Console(producer);
    }

    /** Adds the console's pages (GET) and actions (POST) to the HTTP server. */
    private record Routes(HttpServer http, HttpCallers callers, Layout layout) {
        void view(String path, Layout.Section section, ConsoleHandler.Page page) {
            http.route(path, ConsoleHandler.view(callers, layout, section, page), "GET");
        }

        void action(String path, Layout.Section section, ConsoleHandler.Page page) {
            http.route(path, ConsoleHandler.action(callers, layout, section, page), "POST");
        }
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
