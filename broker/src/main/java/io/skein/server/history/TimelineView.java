package io.skein.server.history;

import java.util.List;

/** Timeline events, newest first, with the brokers that reported them and those that did not answer. */
public record TimelineView(List<TimelineEvent> events, List<Integer> nodes, List<MissingNode> missing) {
}
