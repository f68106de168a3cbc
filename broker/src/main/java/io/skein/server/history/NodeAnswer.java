package io.skein.server.history;

import java.util.List;

/**
 * One broker's own samples, as it answers another gathering the cluster's ({@code /api/history/local}):
 * the parts asked for, the others null.
 *
 * @param history its own figures
 * @param group   one group's samples, if it has any
 * @param groups  the latest sample of each group it coordinates
 */
public record NodeAnswer(int nodeId, HistoryView history, HistoryView group, List<GroupNow> groups,
                         List<TimelineEvent> timeline) {
}
