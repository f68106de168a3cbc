package io.skein.server.console;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart of sampled series over a time window, as inline SVG: written on the server, so the
 * console's pages stay without scripts. Time runs along the bottom (labels at round times, in UTC as
 * the console's every time; its pages say so), values
 * up the left from a round lower bound to a round top in the unit's scale; each series is a line
 * broken where it has no value or where samples are missing (more than one and a half intervals
 * apart: a sampler that stalled, a broker that was down), a lone sample a dot. Its title (also its
 * accessible name) and legend give each series' latest value. Every text it writes from its input
 * is escaped, as the rest of the console's.
 *
 * <p>Its size is bounded by its input: one point per sample, and the history keeps a fixed number.
 */
final class LineChart {
    static final int WIDTH = 640;
    static final int HEIGHT = 200;
    static final int LEFT = 100;
    static final int RIGHT = WIDTH - 24;
    static final int TOP = 10;
    static final int BOTTOM = HEIGHT - 26;
    /** Roughly how many steps an axis is cut into. */
    private static final int STEPS = 4;
    private static final long SECOND = 1000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long[] TIME_STEPS = {SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
            MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 6 * HOUR, 12 * HOUR,
            24 * HOUR};
    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    /**
     * One series: {@code series} names it for machines ({@code data-series}), {@code label} for people;
     * {@code values} has one value per sample time, null where it had none.
     */
    record Line(String series, String label, List<Double> values) {
    }

    /** A series' newest value and its sample time. */
    record Latest(long timeMs, double value) {
    }

    private final String id;
    private final String title;
    private final ChartUnit unit;
    private final long fromMs;
    private final long toMs;
    private final long intervalMs;

    /**
     * A chart {@code id} (its element's id) of {@code title}, with values in {@code unit}, of the samples
     * between {@code fromMs} and {@code toMs}, taken every {@code intervalMs}.
     */
    LineChart(String id, String title, ChartUnit unit, long fromMs, long toMs, long intervalMs) {
        if (toMs <= fromMs || intervalMs <= 0) {
            throw new IllegalArgumentException("A chart spans a time and its samples have an interval");
        }
        this.id = id;
        this.title = title;
        this.unit = unit;
        this.fromMs = fromMs;
        this.toMs = toMs;
        this.intervalMs = intervalMs;
    }

    /** Writes the chart of {@code lines}, whose values are at {@code times} (oldest first). */
    void write(Html html, List<Long> times, List<Line> lines) {
        List<Latest> latest = lines.stream().map(line -> latest(times, line.values())).toList();
        String described = describe(lines, latest);
        Axis axis = axis(times, lines);
        html.raw("<figure class=\"chart\" id=\"").text(id).raw("\"><figcaption>").text(title).raw("</figcaption>")
                .raw("<svg viewBox=\"0 0 " + WIDTH + " " + HEIGHT + "\" role=\"img\" aria-label=\"").text(described)
                .raw("\"><title>").text(described).raw("</title>");
        valueAxis(html, axis, unit);
        timeAxis(html);
        boolean any = false;
        for (int i = 0; i < lines.size(); i++) {
            any |= latest.get(i) != null;
            line(html, i, times, lines.get(i), latest.get(i), axis);
        }
        if (!any) {
            html.raw("<text class=\"empty\" x=\"" + (LEFT + RIGHT) / 2 + "\" y=\"" + (TOP + BOTTOM) / 2
                    + "\" text-anchor=\"middle\">no samples in this window</text>");
        }
        html.raw("</svg><ul class=\"legend\">");
        for (int i = 0; i < lines.size(); i++) {
            html.raw("<li><span class=\"key s" + i + "\"></span>").text(lines.get(i).label()).raw(": ")
                    .raw("<span class=\"latest\">").text(latest.get(i) == null ? "no value" : unit.format(latest.get(i).value()))
                    .raw("</span></li>");
        }
        html.raw("</ul></figure>");
    }

    /** The newest value of {@code values} with its time, null if it has none. */
    static Latest latest(List<Long> times, List<Double> values) {
        for (int i = values.size() - 1; i >= 0; i--) {
            if (values.get(i) != null) {
                return new Latest(times.get(i), values.get(i));
            }
        }
        return null;
    }

    /** "Bytes in and out: bytes in 1.5 KiB/s, bytes out 0 B/s at 12:04:30 UTC". */
    private String describe(List<Line> lines, List<Latest> latest) {
        long newest = latest.stream().filter(l -> l != null).mapToLong(Latest::timeMs).max().orElse(Long.MIN_VALUE);
        if (newest == Long.MIN_VALUE) {
            return title + ": no samples";
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            parts.add(lines.get(i).label() + " " + (latest.get(i) == null ? "no value" : unit.format(latest.get(i).value())));
        }
        return title + ": " + String.join(", ", parts) + " at " + SECONDS.format(Instant.ofEpochMilli(newest)) + " UTC";
    }

    /** The value axis: from a round bound at or below the lowest value (0 at most) to one at or above the highest. */
    record Axis(double low, double high, double step, ChartUnit.Scale scale) {
        double y(double value) {
            return BOTTOM - (value - low) / (high - low) * (BOTTOM - TOP);
        }
    }

    private Axis axis(List<Long> times, List<Line> lines) {
        double min = 0;
        double max = 0;
        for (Line line : lines) {
            for (int i = 0; i < line.values().size(); i++) {
                Double value = line.values().get(i);
                if (value != null && inWindow(times.get(i))) {
                    min = Math.min(min, value);
                    max = Math.max(max, value);
                }
            }
        }
        ChartUnit.Scale scale = unit.scaleOf(Math.max(Math.abs(min), Math.abs(max)));
        double range = (max - min) / scale.factor();
        double step = range == 0 ? 1 : roundStep(range / STEPS);
        double low = Math.floor(min / scale.factor() / step) * step;
        double high = Math.max(low + step, Math.ceil(max / scale.factor() / step) * step);
        return new Axis(low * scale.factor(), high * scale.factor(), step * scale.factor(), scale);
    }

    /** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least {@code raw}. */
    static double roundStep(double raw) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double factor : new double[] {1, 2, 2.5, 5, 10}) {
            if (factor * magnitude >= raw * (1 - 1e-9)) {
                return factor * magnitude;
            }
        }
        return 10 * magnitude;
    }

    /** Round values across the plot, labelled in the top's scale; 0 in the unit's first ("0 records", not "0k"). */
    private static void valueAxis(Html html, Axis axis, ChartUnit unit) {
        html.raw("<g class=\"axis values\">");
        int count = (int) Math.round((axis.high() - axis.low()) / axis.step());
        for (int i = 0; i <= count; i++) {
            double value = axis.low() + i * axis.step();
            String y = coordinate(axis.y(value));
            html.raw("<line x1=\"" + LEFT + "\" x2=\"" + RIGHT + "\" y1=\"" + y + "\" y2=\"" + y + "\"></line>")
                    .raw("<text x=\"" + (LEFT - 6) + "\" y=\"" + y + "\" text-anchor=\"end\" dominant-baseline=\"middle\">")
                    .text(value == 0 ? unit.format(0) : axis.scale().format(value)).raw("</text>");
        }
        html.raw("</g>");
    }

    private void timeAxis(Html html) {
        long step = timeStep();
        DateTimeFormatter format = step < MINUTE ? SECONDS : MINUTES;
        html.raw("<g class=\"axis times\">");
        for (long tick = Math.floorDiv(fromMs, step) * step + step; tick <= toMs; tick += step) {
            String x = coordinate(x(tick));
            html.raw("<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + TOP + "\" y2=\"" + BOTTOM + "\"></line>")
                    .raw("<text x=\"" + x + "\" y=\"" + (HEIGHT - 8) + "\" text-anchor=\"middle\">")
                    .text(format.format(Instant.ofEpochMilli(tick))).raw("</text>");
        }
        html.raw("</g>");
    }

    /** The smallest round step that cuts the window into at most six. */
    private long timeStep() {
        for (long step : TIME_STEPS) {
            if ((toMs - fromMs) / step <= 6) {
                return step;
            }
        }
        return TIME_STEPS[TIME_STEPS.length - 1];
    }

    /** One series: a polyline per run of samples without a gap, a dot for a lone one. */
    private void line(Html html, int index, List<Long> times, Line line, Latest latest, Axis axis) {
        html.raw("<g class=\"series s" + index + "\" data-series=\"").text(line.series()).raw("\"");
        if (latest != null) {
            html.raw(" data-latest=\"" + latest.value() + "\" data-latest-time=\"" + latest.timeMs() + "\"");
        }
        html.raw(">");
        List<String> run = new ArrayList<>();
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < times.size(); i++) {
            long time = times.get(i);
            Double value = line.values().get(i);
            if (value == null || !inWindow(time)) {
                flush(html, run);
                continue;
            }
            if (!run.isEmpty() && time - previous > intervalMs * 3 / 2) {
                flush(html, run);
            }
            run.add(coordinate(x(time)) + "," + coordinate(axis.y(value)));
            previous = time;
        }
        flush(html, run);
        html.raw("</g>");
    }

    /** Writes the run of points so far, and empties it. */
    private static void flush(Html html, List<String> run) {
        if (run.size() == 1) {
            String[] point = run.get(0).split(",");
            html.raw("<circle cx=\"" + point[0] + "\" cy=\"" + point[1] + "\" r=\"2\"></circle>");
        } else if (run.size() > 1) {
            html.raw("<polyline points=\"" + String.join(" ", run) + "\"></polyline>");
        }
        run.clear();
    }

    private boolean inWindow(long time) {
        return time >= fromMs && time <= toMs;
    }

    private double x(long time) {
        return LEFT + (double) (time - fromMs) / (toMs - fromMs) * (RIGHT - LEFT);
    }

    /** One decimal: finer than a pixel, and a page of charts stays small. */
    private static String coordinate(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
