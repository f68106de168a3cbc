package io.skein.server.history;

import java.util.List;

/**
 * Samples as a chart library takes them: the sample times (ms since the epoch, oldest first, on the
 * grid of {@code intervalMs} every broker shares) and, per series, one value per time. {@code nodes}
 * are the brokers whose samples are in it, {@code missing} those that did not answer.
 */
public record HistoryView(long intervalMs, List<Long> timestamps, List<SeriesValues> series, List<Integer> nodes,
                          List<MissingNode> missing) {
}
