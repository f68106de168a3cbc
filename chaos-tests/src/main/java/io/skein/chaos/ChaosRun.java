package io.skein.chaos;

import io.skein.chaos.checker.Anomaly;
import io.skein.chaos.checker.CheckResult;
import io.skein.chaos.checker.Checker;
import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.Security;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.chaos.cluster.Topology;
import io.skein.chaos.history.History;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Type;
import io.skein.chaos.history.Op.Write;
import io.skein.chaos.liveness.LivenessWatch;
import io.skein.chaos.liveness.ThreadDumps;
import io.skein.chaos.nemesis.Nemesis;
import io.skein.chaos.nemesis.ProtocolWatch;
import io.skein.chaos.nemesis.Target;
import io.skein.chaos.replica.CatchUpCheck;
import io.skein.chaos.replica.DivergenceCheck;
import io.skein.chaos.report.Report;
import io.skein.chaos.workload.Workload;
import io.skein.chaos.workload.WorkloadMode;
import io.skein.metadata.image.PartitionRegistration;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * One Jepsen-style run: a cluster in containers, the workload, the nemesis for the time limit,
 * healing, a final read of every partition, the checker, a wait for every replica to be back in its
 * ISR ({@link CatchUpCheck}); then the nodes stop cleanly and their logs are compared on disk
 * ({@link DivergenceCheck}); the report goes to {@code reportDir}
 * ({@code history.jsonl}, {@code results.json}, {@code summary.txt}, {@code report.html}, and each
 * node's log). A node that stops answering without a fault to explain it ({@link LivenessWatch}), replicas
 * still out of their ISRs or partitions left unread at the end, or a run that does not complete, leave
 * thread dumps of the live nodes there too ({@link ThreadDumps}).
 *
 * @param topology     the cluster's nodes and their roles
 * @param nemeses      fault names ({@link io.skein.chaos.nemesis.Fault#named})
 * @param timeLimit    how long the workload runs under faults
 * @param durability   the brokers' and producers' settings
 * @param security     plaintext, or TLS on every listener with SASL for Kafka's clients and between brokers
 * @param workload     the workload: sends of their own, or transactions read read_committed
 * @param clockSkew    whether some nodes' wall clocks are off by a fixed amount throughout
 * @param brokerTarget Skein's built broker module ({@code broker/target})
 */
public record ChaosRun(Topology topology, List<String> nemeses, Duration timeLimit, Duration quiet, Duration hold,
                       int partitions, Durability durability, Security security, WorkloadMode workload,
                       boolean clockSkew, long seed,
                       Path brokerTarget, Path reportDir) {
    private static final String TOPIC = "chaos";
    /** With clock skew: node 1 runs 47 s behind, node 3 83 s ahead, for the whole run. */
    private static final Map<Integer, String> SKEW = Map.of(1, "-47s", 3, "+83s");
    /** How long every partition has to take its first write before the faults start. */
    private static final Duration WARM_UP_BOUND = Duration.ofSeconds(180);
    /** After the final read, how long replicas have to be back in their ISRs. */
    private static final Duration CATCH_UP_BOUND = Duration.ofSeconds(60);

    /**
     * A new directory under {@code parent} for one run's report, {@code name-yyyyMMdd-HHmmss} (then -2,
     * -3, ... if taken): each run keeps its own, so that a failed run's logs and dumps outlive the runs after it.
     */
    public static Path newReportDir(Path parent, String name) throws IOException {
        Files.createDirectories(parent);
        String base = name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        for (int n = 1; ; n++) {
            try {
                return Files.createDirectory(parent.resolve(base + (n == 1 ? "" : "-" + n)));
            } catch (FileAlreadyExistsException e) { // a run that started in the same second
            }
        }
    }

    public CheckResult run() throws Exception {
        Files.createDirectories(reportDir);
        ThreadDumps dumps = new ThreadDumps(reportDir);
        // Quick failure detection, so that a run of minutes sees many faults and recoveries.
        Map<String, String> overrides = new HashMap<>(Map.of("broker.session.timeout.ms", "4000",
                "broker.heartbeat.interval.ms", "500", "replica.lag.time.max.ms", "4000",
                "group.initial.rebalance.delay.ms", "0"));
        overrides.putAll(durability.brokerConfig());
        overrides.putAll(workload.brokerConfig());
        try (SkeinCluster cluster = SkeinCluster.start(topology, brokerTarget, overrides, clockSkew ? SKEW : Map.of(),
                durability.nodeJvmOptions(), security);
             History history = History.writingTo(reportDir.resolve("history.jsonl"));
             ProtocolWatch watch = new ProtocolWatch(cluster, TOPIC)) {
            boolean completed = false;
            try {
                CheckResult result = run(cluster, history, watch, dumps);
                completed = true;
                return result;
            } finally {
                if (!completed) {
                    dumps.dumpRunning(cluster, "the run did not complete");
                }
                for (ChaosNode node : cluster.nodes()) { // before the containers go, whatever happened
                    Files.writeString(reportDir.resolve("node-" + node.id() + ".log"), node.logs());
                }
            }
        }
    }

    private CheckResult run(SkeinCluster cluster, History history, ProtocolWatch watch, ThreadDumps dumps)
            throws Exception {
        CheckResult live;
        try (LivenessWatch liveness = new LivenessWatch(cluster, watch, dumps, history)) {
            live = runWorkload(cluster, history, watch);
        }
        if (!live.anomalies().get(Anomaly.Kind.UNDER_REPLICATED).isEmpty() || history.ops().stream()
                .anyMatch(op -> op.is(Type.FAIL, Fn.FINAL_READ))) {
            dumps.dumpRunning(cluster, "after every fault healed, replicas stayed out of their ISRs or partitions "
                    + "could not be read whole");
        }
        CheckResult result = live.with(divergence(cluster, watch));
        String title = String.format("Skein chaos run: %s%s, workload %s, nemesis %s, %s%s, %d s, seed %d", topology,
                security == Security.PLAINTEXT ? "" : ", " + security, workload, String.join(",", nemeses), durability,
                clockSkew ? ", clock skew " + SKEW : "", timeLimit.toSeconds(), seed);
        System.out.print(Report.write(reportDir, title, history.ops(), result));
        return result;
    }

    /**
     * The workload under the nemesis, then, once all has healed, the wait for replicas to rejoin their
     * ISRs and the final read; returns what the history and that wait show.
     */
    private CheckResult runWorkload(SkeinCluster cluster, History history, ProtocolWatch watch) throws Exception {
        createTopic(watch);
        Workload clients = new Workload(cluster.kafkaClient(), TOPIC, partitions, history, durability.producerConfig(),
                workload);
        if (workload.transactional()) {
            clients.startTransactionalProducers(2, 20, seed);
            if (workload.consumeTransformProduce()) {
                clients.startConsumeTransformProduce(2, "chaos-ctp", seed);
            }
        } else {
            clients.startProducers(2, 100);
        }
        clients.startAssignedConsumer();
        clients.startGroupConsumers(2, "chaos-group");
        // The clients stop whatever happens: left running after a failed warm-up, they wrote to a closed
        // history and filled this JVM's heap.
        try {
            awaitWritesToEveryPartition(history);
            try (Nemesis nemesis = new Nemesis(new Target(cluster, watch, history), nemeses, quiet, hold, seed)) {
                Thread.sleep(timeLimit.toMillis());
            }
        } finally {
            clients.close();
        }
        // The final read is of the healed cluster, so every replica first rejoins its ISR: a broker that
        // was cut off from the active controller keeps the metadata it last heard until its stream
        // resumes, and until then it answers as the leader it was, with that leader's high watermark
        // (as a Kafka broker would): a new consumer reading from it sees an older prefix.
        List<Anomaly> underReplicated = CatchUpCheck.check(watch::partitions, CATCH_UP_BOUND);
        clients.finalRead(Duration.ofSeconds(60));
        return Checker.check(history.ops()).with(underReplicated);
    }

    /**
     * Creates the workload's topic. On busy cores the Admin client may time out a creation that
     * succeeded and send it again: the topic is then there already, which is as good.
     */
    private void createTopic(ProtocolWatch watch) throws Exception {
        try {
            watch.admin().createTopics(List.of(new NewTopic(TOPIC, partitions, (short) 3))).all()
                    .get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /**
     * Faults start once every partition has acknowledged (or committed) a write, so that they strike a cluster at
     * work (five nodes starting on two busy cores have taken a minute to serve every partition).
     */
    private void awaitWritesToEveryPartition(History history) throws InterruptedException {
        long deadline = System.nanoTime() + WARM_UP_BOUND.toNanos();
        while (history.ops().stream().flatMap(op -> op.acknowledgedWrites().stream()).map(Write::partition).distinct()
                .count() < partitions) {
            if (System.nanoTime() >= deadline) {
                throw new IllegalStateException("Not every partition of " + TOPIC + " took a write within "
                        + WARM_UP_BOUND.toSeconds() + " s: no run to judge");
            }
            Thread.sleep(200);
        }
    }

    /**
     * The partitions as the metadata states them once all has healed; then every node stops, and their
     * logs are compared.
     */
    private static List<Anomaly> divergence(SkeinCluster cluster, ProtocolWatch watch) throws IOException {
        Map<TopicPartition, PartitionRegistration> partitions = watch.partitions();
        cluster.shutDown();
        return DivergenceCheck.check(cluster.nodes().stream().collect(Collectors.toMap(ChaosNode::id,
                ChaosNode::logDir)), partitions);
    }
}
