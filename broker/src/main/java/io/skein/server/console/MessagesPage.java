package io.skein.server.console;

import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.admin.MessageBrowser;
import io.skein.broker.admin.TimeArgument;
import io.skein.broker.admin.TopicRpcs;
import io.skein.proto.admin.BrowseEnd;
import io.skein.proto.admin.BrowseMessagesRequest;
import io.skein.proto.admin.BrowseMessagesResponse;
import io.skein.proto.admin.BrowsedRecord;
import io.skein.proto.admin.RecordBytes;
import io.skein.proto.admin.RecordHeader;
import io.skein.proto.admin.TimestampType;
import io.skein.proto.admin.TopicSummary;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.http.HttpStatus;

/**
 * A page of one partition's records, through the admin API's browser: from the newest or the
 * oldest, an offset or a time; filtered by key, value or header text (substring or regular
 * expression); keys and values shown as text, JSON or hex, cut at {@link #SHOWN_BYTES} with their
 * full size said. Links lead to the next page (on in the same direction) and the previous one
 * (read the other way from the first record shown, shown in this page's order). A request the
 * browser refuses (an offset out of range, a bad regular expression) shows the form again with why.
 */
final class MessagesPage {
    /** What a key, value or header value shows at most: a huge record keeps the page small. */
    static final int SHOWN_BYTES = 10 << 10;
    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 500;

    private final Layout layout;
    private final AdminAuthorization authorization;
    private final TopicRpcs topics;
    private final MessageBrowser browser;

    MessagesPage(Layout layout, AdminAuthorization authorization, TopicRpcs topics, MessageBrowser browser) {
        this.layout = layout;
        this.authorization = authorization;
        this.topics = topics;
        this.browser = browser;
    }

    /** What the form asks for, as given, so that the page shows it again. */
    private record Query(String topic, String partition, String order, String offset, String time, String key,
                         String value, String header, boolean regex, RecordView view, String limit) {
        static Query of(Params params) {
            return new Query(params.required("topic", "a topic"), params.text("partition"),
                    params.choice("order", "newest", "oldest"), params.text("offset"), params.text("time"),
                    params.exact("key"), params.exact("value"), params.exact("header"), params.flag("regex"),
                    RecordView.of(params.text("format")), params.text("limit"));
        }

        boolean newestFirst() {
            return order.equals("newest");
        }

        /** This query's link, for a page that starts at {@code offset} and reads {@code reverse}d or not. */
        Link link(Long offset, boolean reverse) {
            return Link.to("/ui/messages").with("topic", topic).with("partition", partition).with("order", order)
                    .with("offset", offset == null ? this.offset : offset).with("time", offset == null ? time : null)
                    .with("key", key).with("value", value).with("header", header).with("regex", regex ? "1" : null)
                    .with("format", view.param).with("limit", limit).with("reverse", reverse ? "1" : null);
        }
    }

    CompletableFuture<Reply> answer(Params params) {
        Query query = Query.of(params);
        authorization.browseMessages(params.caller(), query.topic());
        TopicSummary topic = topics.summary(query.topic());
        Layout.Notice done = params.text("done").equals("produced")
                ? Layout.Notice.info("Message produced to partition " + params.text("partition") + " at offset "
                + params.text("offset") + ".") : null;
        boolean reverse = params.flag("reverse");
        BrowseMessagesRequest request;
        try {
            request = request(query, params, topic, reverse);
        } catch (BadInput e) {
            return CompletableFuture.completedFuture(refused(query, topic, e.getMessage()));
        }
        return Async.call(() -> browser.browse(request)).handle((page, failure) -> {
            if (failure != null) {
                Failures.Shown shown = Failures.shown(failure);
                if (shown.status() == HttpStatus.BAD_REQUEST_400) {
                    return refused(query, topic, shown.message());
                }
                return Reply.page(shown.status(), layout.failure(shown.title(), Layout.Section.TOPICS, shown.message()));
            }
            List<BrowsedRecord> records = new ArrayList<>(page.getRecordsList());
            if (reverse) {
                Collections.reverse(records); // read the other way: shown in this page's order
            }
            return Reply.page(layout.page("Messages of " + query.topic(), Layout.Section.TOPICS, done, html -> {
                form(html, query, topic);
                result(html, query, request, page, records, reverse);
                produceForm(html, query.topic());
            }));
        });
    }

    private Reply refused(Query query, TopicSummary topic, String why) {
        return Reply.page(HttpStatus.BAD_REQUEST_400, layout.page("Messages of " + query.topic(),
                Layout.Section.TOPICS, Layout.Notice.error(why), html -> {
                    form(html, query, topic);
                    produceForm(html, query.topic());
                }));
    }

    private static BrowseMessagesRequest request(Query query, Params params, TopicSummary topic, boolean reverse) {
        int partition = params.integer("partition", "The partition", 0, 0);
        if (partition >= topic.getPartitions()) {
            throw new BadInput("Topic '" + topic.getName() + "' has partitions 0 to " + (topic.getPartitions() - 1)
                    + ", not " + partition + ".");
        }
        BrowseMessagesRequest.Builder request = BrowseMessagesRequest.newBuilder().setTopic(query.topic())
                .setPartition(partition).setNewestFirst(query.newestFirst() != reverse)
                .setLimit(params.integer("limit", "The number of messages", DEFAULT_LIMIT, 1))
                .setMaxValueBytes(SHOWN_BYTES).setKeyFilter(query.key()).setValueFilter(query.value())
                .setHeaderFilter(query.header()).setRegex(query.regex());
        if (request.getLimit() > MAX_LIMIT) {
            throw new BadInput("Show at most " + MAX_LIMIT + " messages a page, not " + request.getLimit() + ".");
        }
        if (params.has("offset") && params.has("time")) {
            throw new BadInput("Start at an offset or at a time, not both.");
        }
        if (params.has("offset")) {
            request.setOffset(params.number("offset", "The offset", 0, 0));
        } else if (params.has("time")) {
            request.setTimestampMs(time(params.text("time")));
        }
        return request.build();
    }

    /** A time as {@link TimeArgument} reads it; {@link BadInput} saying what is expected. */
    static long time(String value) {
        try {
            return TimeArgument.parse(value);
        } catch (IllegalArgumentException e) {
            throw new BadInput(e.getMessage() + ".");
        }
    }

    private static void form(Html html, Query query, TopicSummary topic) {
        html.raw("<p>").link(TopicPage.link(query.topic()), "Topic " + query.topic()).raw(" · ")
                .text(Format.count(topic.getPartitions()) + (topic.getPartitions() == 1 ? " partition" : " partitions"))
                .raw("</p><form id=\"browse\" class=\"browse\" method=\"get\" action=\"/ui/messages\">")
                .hidden("topic", query.topic())
                .raw("<label>Partition <input name=\"partition\" size=\"6\" value=\"").text(query.partition())
                .raw("\" placeholder=\"0\"></label>")
                .raw("<label>Order <select name=\"order\">")
                .raw(option("newest", "newest first", query.order())).raw(option("oldest", "oldest first", query.order()))
                .raw("</select></label>")
                .raw("<label>From offset <input name=\"offset\" size=\"10\" value=\"").text(query.offset())
                .raw("\" placeholder=\"the end / start\"></label>")
                .raw("<label>or time <input name=\"time\" size=\"22\" value=\"").text(query.time())
                .raw("\" placeholder=\"2024-05-01T12:00:00Z\"></label>")
                .raw("<label>Key has <input name=\"key\" value=\"").text(query.key()).raw("\"></label>")
                .raw("<label>Value has <input name=\"value\" value=\"").text(query.value()).raw("\"></label>")
                .raw("<label>A header has <input name=\"header\" value=\"").text(query.header())
                .raw("\" placeholder=\"name=value\"></label>")
                .raw("<label><input type=\"checkbox\" name=\"regex\" value=\"1\"").raw(query.regex() ? " checked" : "")
                .raw("> regular expressions</label>")
                .raw("<label>Show as <select name=\"format\">");
        for (RecordView view : RecordView.values()) {
            html.raw(option(view.param, view.param, query.view().param));
        }
        html.raw("</select></label><label>Per page <input name=\"limit\" size=\"4\" value=\"").text(query.limit())
                .raw("\" placeholder=\"").text(DEFAULT_LIMIT).raw("\"></label>")
                .raw("<button type=\"submit\">Show</button></form>");
    }

    private static String option(String value, String label, String selected) {
        return "<option value=\"" + Html.escape(value) + "\"" + (value.equals(selected) ? " selected" : "") + ">"
                + Html.escape(label) + "</option>";
    }

    private static void result(Html html, Query query, BrowseMessagesRequest request, BrowseMessagesResponse page,
                               List<BrowsedRecord> records, boolean reverse) {
        html.raw("<p class=\"summary\" id=\"range\">").text("Partition " + request.getPartition() + " holds offsets "
                + Format.count(page.getLogStartOffset()) + " to " + Format.count(page.getEndOffset())
                + (page.getEndOffset() > page.getLogStartOffset() ? " (the end excluded)" : "") + "; "
                + Format.count(records.size()) + (records.size() == 1 ? " message" : " messages") + " shown, "
                + Format.bytes(page.getScannedBytes()) + " of the log read.").raw("</p>");
        navigation(html, query, page, records, reverse);
        if (records.isEmpty()) {
            html.raw("<p id=\"no-messages\">").text(page.getEnded() == BrowseEnd.SCAN_LIMIT
                    ? "No message matched in the part of the log read; go on with the next page."
                    : "No message here.").raw("</p>");
            return;
        }
        html.raw("<table id=\"messages\"><thead><tr><th>Offset</th><th>Timestamp</th><th>Key</th><th>Headers</th>")
                .raw("<th>Value</th></tr></thead><tbody>");
        for (BrowsedRecord record : records) {
            html.raw("<tr id=\"offset-").text(record.getOffset()).raw("\">")
                    .element("td class=\"num\"", record.getOffset())
                    .raw("<td class=\"time\">").text(Format.time(record.getTimestampMs()))
                    .raw(record.getTimestampType() == TimestampType.LOG_APPEND_TIME ? " <span class=\"hint\">(append time)</span>" : "")
                    .raw("</td><td class=\"key\">");
            bytes(html, record.hasKey() ? record.getKey() : null, query.view());
            html.raw("</td><td class=\"headers\">");
            for (RecordHeader header : record.getHeadersList()) {
                html.raw("<div>").element("b", header.getKey()).raw("=");
                bytes(html, header.hasValue() ? header.getValue() : null, query.view());
                html.raw("</div>");
            }
            html.raw("</td><td class=\"value\">");
            bytes(html, record.hasValue() ? record.getValue() : null, query.view());
            html.raw("</td></tr>");
        }
        html.raw("</tbody></table>");
        navigation(html, query, page, records, reverse);
    }

    private static void bytes(Html html, RecordBytes bytes, RecordView view) {
        if (bytes == null) {
            html.raw("<span class=\"null\">null</span>");
            return;
        }
        html.raw("<pre>").text(view.show(bytes)).raw("</pre>");
        if (bytes.getTruncated()) {
            html.raw("<span class=\"truncated\">").text("showing the first " + Format.bytes(bytes.getData().size())
                    + " of " + Format.bytes(bytes.getSize()) + " (" + Format.count(bytes.getSize()) + " bytes)")
                    .raw("</span>");
        }
    }

    /**
     * Links on. The next page goes on past the last record shown, in this page's order; the previous
     * page goes the other way past the first one, read the other way and shown reversed. A page that
     * was itself read the other way swaps the two: its read goes on as the previous page.
     */
    private static void navigation(Html html, Query query, BrowseMessagesResponse page, List<BrowsedRecord> shown,
                                   boolean reverse) {
        boolean newest = query.newestFirst();
        boolean readOn = page.getEnded() != BrowseEnd.END;
        Long next = null;
        Long previous = null;
        if (shown.isEmpty()) {
            next = !reverse && readOn ? page.getNextOffset() : null;
            previous = reverse && readOn ? page.getNextOffset() : null;
        } else {
            long first = shown.get(0).getOffset();
            long last = shown.get(shown.size() - 1).getOffset();
            // Newest first, a read back starts before its offset; oldest first, a read on starts at it.
            if (reverse ? newest ? last > page.getLogStartOffset() : last + 1 < page.getEndOffset() : readOn) {
                next = reverse ? newest ? last : last + 1 : page.getNextOffset();
            }
            if (reverse ? readOn : newest ? first + 1 < page.getEndOffset() : first > page.getLogStartOffset()) {
                previous = reverse ? page.getNextOffset() : newest ? first + 1 : first;
            }
        }
        html.raw("<p class=\"paging\">");
        if (previous != null) {
            html.raw("<a rel=\"prev\" href=\"").text(query.link(previous, true)).raw("\">").text(newest
                    ? "newer messages" : "older messages").raw("</a> ");
        }
        if (next != null) {
            html.raw("<a rel=\"next\" href=\"").text(query.link(next, false)).raw("\">").text(newest
                    ? "older messages" : "newer messages").raw("</a>");
        }
        html.raw("</p>");
    }

    private static void produceForm(Html html, String topic) {
        html.element("h2", "Produce a test message")
                .raw("<form id=\"produce\" class=\"action\" method=\"post\" action=\"/ui/messages/produce\">")
                .hidden("topic", topic)
                .raw("<label>Partition <input name=\"partition\" size=\"6\" placeholder=\"by key\"></label>")
                .raw("<label>Key <input name=\"key\" placeholder=\"none\"></label>")
                .raw("<label class=\"wide\">Value <textarea name=\"value\" rows=\"4\"></textarea></label>")
                .raw("<label class=\"wide\"><span>Headers, one <code>name=value</code> a line </span><textarea name=\"headers\" ")
                .raw("rows=\"2\"></textarea></label><button type=\"submit\">Produce</button></form>");
    }
}
