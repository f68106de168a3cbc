package io.skein.chaos.checker;

import io.skein.chaos.checker.Anomaly.Kind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What the checker concluded from a history: operation counts and every anomaly found, by kind.
 *
 * @param ok            client operations that completed ok
 * @param failed        client operations that certainly did not happen
 * @param indeterminate client operations that may or may not have happened (timeouts, lost answers)
 * @param acked         acknowledged writes: sends acknowledged, sends of committed transactions
 */
public record CheckResult(long ok, long failed, long indeterminate, long acked, Map<Kind, List<Anomaly>> anomalies) {
    public CheckResult {
        Map<Kind, List<Anomaly>> all = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            all.put(kind, List.copyOf(anomalies.getOrDefault(kind, List.of())));
        }
        anomalies = Map.copyOf(all);
    }

    /** This result with {@code more} anomalies, found by a check other than the history's. */
    public CheckResult with(List<Anomaly> more) {
        Map<Kind, List<Anomaly>> all = new EnumMap<>(Kind.class);
        anomalies.forEach((kind, found) -> all.put(kind, new ArrayList<>(found)));
        more.forEach(anomaly -> all.get(anomaly.kind()).add(anomaly));
        return new CheckResult(ok, failed, indeterminate, acked, all);
    }

    public long count(Kind kind) {
        return anomalies.get(kind).size();
    }

    /** No anomaly of any kind. */
    public boolean valid() {
        return anomalies.values().stream().allMatch(List::isEmpty);
    }

    /** The report's last line, for scripts. */
    public String resultLine() {
        return "RESULT valid=" + valid() + " acked=" + acked + " lost=" + count(Kind.LOST)
                + " duplicated=" + count(Kind.DUPLICATED) + " inconsistent=" + count(Kind.INCONSISTENT)
                + " nonmonotonic=" + (count(Kind.NONMONOTONIC_SEND) + count(Kind.NONMONOTONIC_POLL))
                + " divergent=" + count(Kind.DIVERGENT) + " aborted-read=" + count(Kind.ABORTED_READ)
                + " torn=" + count(Kind.TORN);
    }
}
