package io.skein.server.console;

import java.util.function.Consumer;

/**
 * The frame of every console page: title, navigation, the cluster and node it is served by, and a
 * message box for what an action did or why something failed. Pages hold no scripts.
 */
final class Layout {
    /** The console's sections, as the navigation shows them. */
    enum Section {
        OVERVIEW("Overview", "/ui/"),
        TOPICS("Topics", "/ui/topics"),
        GROUPS("Consumer groups", "/ui/groups"),
        TIMELINE("Timeline", "/ui/timeline");

        final String title;
        final String path;

        Section(String title, String path) {
            this.title = title;
            this.path = path;
        }
    }

    /** A message above a page's content: what an action did, or what went wrong. */
    record Notice(boolean error, String text) {
        static Notice info(String text) {
            return new Notice(false, text);
        }

        static Notice error(String text) {
            return new Notice(true, text);
        }
    }

    private final String clusterId;
    private final int nodeId;
    private final String stylesheet;

    Layout(String clusterId, int nodeId, String stylesheet) {
        this.clusterId = clusterId;
        this.nodeId = nodeId;
        this.stylesheet = stylesheet;
    }

    /** A whole page; {@code notice} may be null. */
    String page(String title, Section section, Notice notice, Consumer<Html> body) {
        Html html = new Html();
        html.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .raw("<title>").text(title).raw(" · Skein</title>")
                .raw("<link rel=\"stylesheet\" href=\"").text(stylesheet).raw("\"></head><body>")
                .raw("<header><a class=\"brand\" href=\"/ui/\">Skein</a><nav>");
        for (Section s : Section.values()) {
            html.raw(s == section ? "<a class=\"active\" href=\"" : "<a href=\"").text(s.path).raw("\">")
                    .text(s.title).raw("</a>");
        }
        html.raw("</nav><span class=\"where\">cluster ").text(clusterId).raw(" · node ").text(nodeId)
                .raw("</span></header><main>").element("h1", title);
        if (notice != null) {
            html.raw(notice.error() ? "<p class=\"notice error\" role=\"alert\">" : "<p class=\"notice info\" role=\"status\">")
                    .text(notice.text()).raw("</p>");
        }
        body.accept(html);
        return html.raw("</main></body></html>\n").toString();
    }

    /** A page that only says what went wrong, with a way back to {@code section}. */
    String failure(String title, Section section, String message) {
        return page(title, section, Notice.error(message), html -> html.raw("<p>").link(section.path,
                "Back to " + section.title.toLowerCase(java.util.Locale.ROOT)).raw("</p>"));
    }
}
