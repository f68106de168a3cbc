package io.skein.server.history;

import java.util.List;

/** A series over time: one value per timestamp of its {@link HistoryView}, null where it had none. */
public record SeriesValues(String name, String unit, List<Double> values) {
}
