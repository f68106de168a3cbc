package io.skein.server.console;

import java.util.List;
import java.util.Locale;

/**
 * How a chart writes the values of one unit: each unit a ladder of scales (B/s, KiB/s, MiB/s...;
 * counts as 12.5k, short enough for an axis), a value written in the largest scale it reaches. An
 * axis writes all its labels in the scale of its top, so that they read alike (0, 0.5, 1, 1.5 KiB/s).
 */
enum ChartUnit {
    BYTES_PER_SECOND(List.of(new Scale(1, " B/s"), new Scale(1024, " KiB/s"), new Scale(1 << 20, " MiB/s"),
            new Scale(1 << 30, " GiB/s"))),
    MESSAGES_PER_SECOND(thousands("msg/s")),
    RECORDS_PER_SECOND(thousands("records/s")),
    REQUESTS_PER_SECOND(thousands("req/s")),
    RECORDS(thousands("records")),
    PARTITIONS(thousands("partitions")),
    MILLISECONDS(List.of(new Scale(1, " ms"), new Scale(1000, " s"), new Scale(60_000, " min"))),
    SECONDS(List.of(new Scale(1, " s"), new Scale(60, " min"), new Scale(3600, " h"), new Scale(86_400, " d")));

    /** Values written as {@code value / factor} followed by {@code suffix} (with its space, if any). */
    record Scale(double factor, String suffix) {
        String format(double value) {
            return number(value / factor) + suffix;
        }
    }

    private final List<Scale> scales;

    ChartUnit(List<Scale> scales) {
        this.scales = scales;
    }

    private static List<Scale> thousands(String unit) {
        return List.of(new Scale(1, " " + unit), new Scale(1e3, "k " + unit), new Scale(1e6, "M " + unit),
                new Scale(1e9, "G " + unit));
    }

    /** The unit of a history series, by the unit its answer names (docs/metrics.md). */
    static ChartUnit of(String historyUnit) {
        return switch (historyUnit) {
            case "bytes/s" -> BYTES_PER_SECOND;
            case "messages/s" -> MESSAGES_PER_SECOND;
            case "records/s" -> RECORDS_PER_SECOND;
            case "requests/s" -> REQUESTS_PER_SECOND;
            case "records" -> RECORDS;
            case "partitions" -> PARTITIONS;
            case "ms" -> MILLISECONDS;
            case "s" -> SECONDS;
            default -> throw new IllegalArgumentException("No chart unit for '" + historyUnit + "'");
        };
    }

    /** The largest scale {@code value} (its size) reaches, the first for anything below it. */
    Scale scaleOf(double value) {
        Scale chosen = scales.get(0);
        for (Scale scale : scales) {
            if (Math.abs(value) >= scale.factor()) {
                chosen = scale;
            }
        }
        return chosen;
    }

    /** The value in its own scale: 1.5 KiB/s, 250 ms, 3 min. */
    String format(double value) {
        return scaleOf(value).format(value);
    }

    /** Three significant figures at most, no trailing zeros: 0.25, 1.5, 12.5, 250. */
    static String number(double value) {
        double size = Math.abs(value);
        String written = String.format(Locale.ROOT, size >= 100 ? "%.0f" : size >= 10 ? "%.1f" : "%.2f", value);
        if (written.contains(".")) {
            written = written.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return written.equals("-0") ? "0" : written;
    }
}
