package io.skein.server.history;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.skein.broker.BrokerServer;
import io.skein.broker.admin.GroupLag.PartitionLag;
import io.skein.broker.util.DaemonThreads;
import io.skein.http.HttpCallers;
import io.skein.http.HttpServer;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's bounded history, with no database: a sampler thread that every interval (on a grid of
 * wall-clock multiples of it, shared by every broker) samples the broker's own figures
 * ({@link NodeRates}) and the lag of the groups it coordinates ({@link GroupLags}) into rings of the
 * last {@link #SAMPLES} samples; the timeline of the metadata it applies ({@link Timeline}); and the
 * answers to queries about the whole cluster ({@link ClusterHistory}), served as JSON on the node's
 * HTTP listener and through the admin API.
 *
 * <p>Memory: the broker's ring is {@value #SAMPLES} samples of 9 series (29 KB); each group's, of 3
 * (11.5 KB), for at most {@value GroupLags#MAX_GROUPS} groups (11.5 MB); the timeline, 1,000 events
 * (about 200 KB).
 */
public final class History implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(History.class);
    /** Samples kept: an hour at the default interval of 10 s. */
    static final int SAMPLES = 360;
    /** The longest a sample waits for the groups' leaders. */
    private static final long GROUP_WAIT_MS = 5_000;

    private final long intervalMs;
    private final Clock clock;
    private final NodeRates rates;
    private final GroupLags groups;
    private final ClusterHistory cluster;
    private final ScheduledExecutorService sampler;
    private long lastTime = Long.MIN_VALUE;

    private History(long intervalMs, Clock clock, NodeRates rates, GroupLags groups, ClusterHistory cluster,
                    ScheduledExecutorService sampler) {
        this.intervalMs = intervalMs;
        this.clock = clock;
        this.rates = rates;
        this.groups = groups;
        this.cluster = cluster;
        this.sampler = sampler;
    }

    /**
     * Starts sampling {@code broker} every {@code intervalMs}, reading its figures from {@code registry},
     * and serves the history on {@code http} (to {@code callers} the admin API's rules allow) and through
     * the broker's admin API.
     */
    public static History start(int nodeId, long intervalMs, HttpServer http, HttpCallers callers,
                                PrometheusRegistry registry, BrokerServer broker, Clock clock) {
        SampleRing node = new SampleRing(SAMPLES, Series.of(Series.Kind.BROKER).size());
        NodeRates rates = new NodeRates(registry, () -> broker.metadata().image(), node);
        GroupLags groups = new GroupLags(nodeId, broker.groupCoordinator(), broker.admin().lag(), SAMPLES);
        Timeline timeline = new Timeline(clock);
        broker.metadataLoader().addPublisher(timeline);
        LocalHistory local = new LocalHistory(nodeId, intervalMs, node, groups, timeline);
        // A broker of a later version may answer with more than this one knows: it reads what it knows.
        ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        ClusterHistory cluster = new ClusterHistory(nodeId, intervalMs, local, new Peers(json, http.tls()),
                () -> broker.metadata().image(), clock);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(
                DaemonThreads.named("history-sampler-" + nodeId));
        History history = new History(intervalMs, clock, rates, groups, cluster, sampler);
        long now = clock.millis();
        sampler.scheduleAtFixedRate(history::sample, intervalMs - Math.floorMod(now, intervalMs), intervalMs,
                TimeUnit.MILLISECONDS);
        new HistoryHttp(json, callers).route(http, broker.admin().authorization(), cluster, local);
        broker.admin().serveHistory(new HistoryGrpc(cluster));
        return history;
    }

    /**
     * One sample, labelled with the grid time nearest to now, so that every broker's samples of a moment
     * share a time. A run more than half an interval late takes the next grid time, and the run after
     * it, finding that time taken, does nothing: the series has a gap, and the rate after it spans it.
     */
    private void sample() {
        long time = Math.floorDiv(clock.millis() + intervalMs / 2, intervalMs) * intervalMs;
        if (time <= lastTime) {
            return;
        }
        lastTime = time;
        try {
            rates.sample(time);
        } catch (RuntimeException e) {
            log.warn("Cannot sample this broker's figures", e);
        }
        try {
            groups.sample(time, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(intervalMs, GROUP_WAIT_MS)),
                    SAMPLES * intervalMs);
        } catch (RuntimeException e) {
            log.warn("Cannot sample the groups' lag", e);
        }
    }

    /** The queries about the cluster's history: for the console, which shares the code. */
    public ClusterHistory cluster() {
        return cluster;
    }

    /** Every partition's lag of each group this broker coordinates, at the latest sample: for {@code /metrics}. */
    public Map<String, Map<TopicPartition, PartitionLag>> latestGroupLag() {
        return groups.latest();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        try {
            sampler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
