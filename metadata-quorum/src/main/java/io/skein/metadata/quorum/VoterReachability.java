package io.skein.metadata.quorum;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader, says when a voter stops answering Raft and when it answers again: one line each.
 * Ratis' appender warns several times a second for as long as a voter is down, each time with the
 * connection's causes, so Skein's log configurations keep its logger to errors and this speaks instead.
 * A voter is silent once the leader has had no answer from it for {@code silentAfter}; a node that
 * stops leading forgets what it knew, and the next leader says it again for itself.
 */
final class VoterReachability implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VoterReachability.class);
    private static final long CHECK_EVERY_MS = 1000;

    private final int nodeId;
    private final long silentAfterMs;
    private final Supplier<Map<Integer, Long>> silences;
    private final Set<Integer> silent = new HashSet<>();
    private ScheduledExecutorService timer;

    /**
     * {@code silences}: for each other voter, milliseconds since the leader last heard from it; empty
     * where this node does not lead.
     */
    VoterReachability(int nodeId, Duration silentAfter, Supplier<Map<Integer, Long>> silences) {
        this.nodeId = nodeId;
        this.silentAfterMs = silentAfter.toMillis();
        this.silences = silences;
    }

    /** Checks every second from now on, on a thread of its own. */
    VoterReachability start() {
        timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "voter-reachability-" + nodeId);
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                check();
            } catch (RuntimeException e) { // the quorum is closing; a failed run would end the schedule
                log.debug("Cannot check the voters of controller {}", nodeId, e);
            }
        }, CHECK_EVERY_MS, CHECK_EVERY_MS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Logs the voters that went silent or answered again since the last check; returns those lines. */
    synchronized List<String> check() {
        Map<Integer, Long> now = silences.get();
        if (now.isEmpty()) {
            silent.clear();
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        for (Map.Entry<Integer, Long> voter : now.entrySet()) {
            int id = voter.getKey();
            long sinceMs = voter.getValue();
            if (sinceMs >= silentAfterMs && silent.add(id)) {
                lines.add("Voter " + id + " has not answered controller " + nodeId + " for " + sinceMs
                        + " ms: the quorum goes on without it while a majority answers");
                log.warn(lines.get(lines.size() - 1));
            } else if (sinceMs < silentAfterMs && silent.remove(id)) {
                lines.add("Voter " + id + " answers controller " + nodeId + " again");
                log.info(lines.get(lines.size() - 1));
            }
        }
        silent.retainAll(now.keySet());
        return lines;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
