package io.skein.chaos.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.skein.chaos.checker.Anomaly;
import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.chaos.checker.CheckResult;
import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Type;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What a run leaves for people and scripts: {@code results.json} (the checker's result),
 * {@code summary.txt} (one screen, ending with the RESULT line) and {@code report.html}
 * (throughput and latency over time, fault windows shaded, as an embedded SVG).
 */
public final class Report {
    private static final int EXAMPLES = 3;
    private static final int WIDTH = 960;
    private static final int PANEL = 220;
    private static final int MARGIN = 50;

    private Report() {
    }

    /** Writes the three files into {@code dir} and returns the summary. */
    public static String write(Path dir, String title, List<Op> history, CheckResult result) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("results.json").toFile(),
                result);
        Timeline timeline = Timeline.of(history);
        String summary = summary(title, timeline, result);
        Files.writeString(dir.resolve("summary.txt"), summary);
        Files.writeString(dir.resolve("report.html"), html(title, timeline, summary));
        return summary;
    }

    static String summary(String title, Timeline timeline, CheckResult result) {
        StringBuilder out = new StringBuilder();
        out.append(title).append('\n');
        out.append(String.format(Locale.ROOT, "%d s; operations: %d ok, %d failed, %d indeterminate; %d writes acknowledged%n",
                timeline.seconds(), result.ok(), result.failed(), result.indeterminate(), result.acked()));
        out.append("faults: ").append(timeline.faults().size()).append('\n');
        timeline.faults().stream().limit(8).forEach(fault -> out.append(String.format(Locale.ROOT,
                "  %7.1f-%7.1f s  %s%n", fault.fromMs() / 1000, fault.toMs() / 1000, fault.what())));
        if (timeline.faults().size() > 8) {
            out.append("  ... ").append(timeline.faults().size() - 8).append(" more\n");
        }
        timeline.notes().stream().limit(8).forEach(note -> out.append("  note: ").append(note).append('\n'));
        if (timeline.notes().size() > 8) {
            out.append("  ... ").append(timeline.notes().size() - 8).append(" more notes\n");
        }
        out.append("anomalies:");
        for (Kind kind : Kind.values()) {
            out.append(' ').append(kind.label()).append('=')
                    .append(result.count(kind));
        }
        out.append('\n');
        for (Kind kind : Kind.values()) {
            for (Anomaly anomaly : result.anomalies().get(kind).stream().limit(EXAMPLES).toList()) {
                out.append(String.format(Locale.ROOT, "  %s partition %d offset %d%s%s: %s%n", kind,
                        anomaly.partition(), anomaly.offset(), anomaly.value() == null ? "" : " value " + anomaly.value(),
                        anomaly.process() == null ? "" : " (" + anomaly.process() + ")", anomaly.detail()));
            }
        }
        out.append(result.resultLine()).append('\n');
        return out.toString();
    }

    private static String html(String title, Timeline timeline, String summary) {
        StringBuilder svg = new StringBuilder();
        int height = 2 * PANEL + 3 * MARGIN;
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">%n", WIDTH, height));
        double plotWidth = WIDTH - 2 * MARGIN;
        double msToX = plotWidth / Math.max(1, timeline.seconds() * 1000.0);
        int[] tops = {MARGIN, 2 * MARGIN + PANEL};
        for (int top : tops) {
            for (Timeline.Fault fault : timeline.faults()) {
                svg.append(String.format(Locale.ROOT, "<rect class=\"fault\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                                + "fill=\"#f4b6b6\" fill-opacity=\"0.5\"><title>%s</title></rect>%n",
                        MARGIN + fault.fromMs() * msToX, top, Math.max(1, (fault.toMs() - fault.fromMs()) * msToX), PANEL,
                        escape(fault.what())));
            }
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%d\" fill=\"none\" "
                    + "stroke=\"#888\"/>%n", MARGIN, top, plotWidth, PANEL));
        }
        long maxAcked = 1;
        for (long count : timeline.ackedPerSecond()) {
            maxAcked = Math.max(maxAcked, count);
        }
        StringBuilder line = new StringBuilder();
        for (int second = 0; second < timeline.seconds(); second++) {
            line.append(String.format(Locale.ROOT, "%.1f,%.1f ", MARGIN + (second + 0.5) * 1000 * msToX,
                    tops[0] + PANEL - PANEL * (double) timeline.ackedPerSecond()[second] / maxAcked));
        }
        svg.append("<polyline fill=\"none\" stroke=\"#2a6fb0\" stroke-width=\"1.5\" points=\"").append(line)
                .append("\"/>\n");
        svg.append(label(tops[0], "acknowledged writes per second (max " + maxAcked + ")"));
        double maxLatency = timeline.latencies().stream().mapToDouble(Timeline.Latency::tookMs).max().orElse(1);
        double logMax = Math.log10(Math.max(10, maxLatency));
        for (Timeline.Latency latency : timeline.latencies()) {
            double y = tops[1] + PANEL - PANEL * Math.log10(Math.max(1, latency.tookMs())) / logMax;
            String color = latency.outcome() == Type.OK ? "#2a6fb0" : latency.outcome() == Type.FAIL ? "#c0392b" : "#e67e22";
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.2\" fill=\"%s\"/>%n",
                    MARGIN + latency.atMs() * msToX, y, color));
        }
        svg.append(label(tops[1], String.format(Locale.ROOT,
                "send or transaction latency, log scale 1 ms to %.0f ms: ok blue, indeterminate orange, failed red", maxLatency)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">0 s</text><text x=\"%d\" y=\"%d\" "
                        + "text-anchor=\"end\">%d s</text>%n", MARGIN, height - 15, WIDTH - MARGIN, height - 15,
                timeline.seconds()));
        svg.append("</svg>\n");
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title></head><body>\n"
                + "<h1>" + escape(title) + "</h1>\n" + svg + "<p>Shaded: faults in force.</p>\n<pre>" + escape(summary)
                + "</pre>\n</body></html>\n";
    }

    private static String label(int top, String text) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", MARGIN, top - 6, escape(text));
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
