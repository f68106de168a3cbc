package io.skein.chaos.liveness;

import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.chaos.history.History;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.nemesis.ProtocolWatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Watches, for the whole run, that every node answers: as a broker, a request addressed to it (its
 * own configs, which only it serves); as a voter, its controller service (what it has applied). A
 * node that answers nothing for {@link #STUCK_AFTER} while no fault explains it (its container runs,
 * its JVM is not frozen, and it has answered since its container last started, so it is not still
 * starting) is stuck: its threads are dumped then ({@link ThreadDumps}), while it still is, and a note
 * in the history names the file. One dump per spell of silence.
 */
public final class LivenessWatch implements AutoCloseable {
    /** Longer than any freeze's aftermath on busy cores; far shorter than a run. */
    static final Duration STUCK_AFTER = Duration.ofSeconds(30);
    private static final Duration PROBE_EVERY = Duration.ofSeconds(5);
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);

    private final ProtocolWatch watch;
    private final ThreadDumps dumps;
    private final History history;
    private final List<Thread> probes = new ArrayList<>();
    private volatile boolean running = true;

    public LivenessWatch(SkeinCluster cluster, ProtocolWatch watch, ThreadDumps dumps, History history) {
        this.watch = watch;
        this.dumps = dumps;
        this.history = history;
        for (ChaosNode node : cluster.nodes()) {
            Thread probe = new Thread(() -> watch(node), "liveness-" + node.id());
            probe.setDaemon(true);
            probes.add(probe);
            probe.start();
        }
    }

    private void watch(ChaosNode node) {
        String answeredInStart = null; // the container start the node last answered in
        long silentSince = System.nanoTime();
        boolean dumped = false;
        try {
            while (running) {
                long now = System.nanoTime();
                if (answers(node)) {
                    answeredInStart = node.startedAt();
                    silentSince = now;
                    dumped = false;
                } else if (!node.running() || !node.startedAt().equals(answeredInStart) || node.frozen()) {
                    silentSince = now; // killed, starting, or frozen: silent because of a fault
                } else if (!dumped && now - silentSince >= STUCK_AFTER.toNanos()) {
                    dumped = true;
                    long silent = TimeUnit.NANOSECONDS.toSeconds(now - silentSince);
                    String why = "running and not frozen, it answered nothing for " + silent + " s";
                    String file = dumps.dump(node, why);
                    history.info("liveness", Fn.NEMESIS, "node " + node.id() + ", " + why + ": threads in " + file);
                }
                Thread.sleep(PROBE_EVERY.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) { // the watch is a diagnosis: it must not fail the run it watches
            history.info("liveness", Fn.NEMESIS, "the liveness watch of node " + node.id() + " stopped: " + e);
        }
    }

    private boolean answers(ChaosNode node) throws InterruptedException {
        if (node.isVoter() && ProtocolWatch.appliedIndex(node).isEmpty()) {
            return false;
        }
        if (!node.isBroker()) {
            return true;
        }
        ConfigResource own = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(node.id()));
        try {
            watch.admin().describeConfigs(List.of(own), new DescribeConfigsOptions()
                    .timeoutMs((int) ANSWER_WITHIN.toMillis())).all().get(2 * ANSWER_WITHIN.toMillis(),
                    TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** Stops watching; a dump under way finishes first. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread probe : probes) {
            probe.join();
        }
    }
}
