package io.skein.server.history;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * What a broker gathering cluster-wide figures asks each broker for ({@code /api/history/local}): its
 * own figures after {@code sinceMs} ({@code series}, empty for all; none if {@code history} is false),
 * one group's samples, the latest sample of its groups, its timeline of one topic or all.
 */
record LocalQuery(long sinceMs, boolean history, List<String> series, String group, boolean groups,
                  boolean timeline, String topic) {
    static LocalQuery history(long sinceMs, List<String> series) {
        return new LocalQuery(sinceMs, true, series, "", false, false, "");
    }

    static LocalQuery group(String group, long sinceMs) {
        return new LocalQuery(sinceMs, false, List.of(), group, false, false, "");
    }

    static LocalQuery timeline(long sinceMs, String topic) {
        return new LocalQuery(sinceMs, false, List.of(), "", false, true, topic);
    }

    static LocalQuery overview(long sinceMs) {
        return new LocalQuery(sinceMs, true, List.of(), "", true, false, "");
    }

    String toQueryString() {
        return "since=" + sinceMs + "&history=" + history + "&series=" + encode(String.join(",", series))
                + "&group=" + encode(group) + "&groups=" + groups + "&timeline=" + timeline + "&topic=" + encode(topic);
    }

    /** The query {@link #toQueryString()} wrote, from the request's parameters. */
    static LocalQuery of(Map<String, String> parameters) {
        return new LocalQuery(HttpParameters.longOf(parameters, "since", 0), Boolean.parseBoolean(parameters.get("history")),
                HttpParameters.list(parameters, "series"), parameters.getOrDefault("group", ""),
                Boolean.parseBoolean(parameters.get("groups")), Boolean.parseBoolean(parameters.get("timeline")),
                parameters.getOrDefault("topic", ""));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
