package io.skein.chaos;

import io.skein.chaos.checker.CheckResult;
import io.skein.chaos.checker.Checker;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.chaos.history.History;
import io.skein.chaos.nemesis.Nemesis;
import io.skein.chaos.report.Report;
import io.skein.chaos.workload.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * One Jepsen-style run: a cluster in containers, the workload, the nemesis for the time limit,
 * healing, a final read of every partition, the checker, and the report in {@code reportDir}
 * ({@code history.jsonl}, {@code results.json}, {@code summary.txt}, {@code report.html}).
 *
 * @param nodes       cluster size
 * @param nemeses     fault names ({@link io.skein.chaos.nemesis.Fault#named})
 * @param timeLimit   how long the workload runs under faults
 * @param clockSkew   whether some nodes' wall clocks are off by a fixed amount throughout
 * @param brokerTarget Skein's built broker module ({@code broker/target})
 */
public record ChaosRun(int nodes, List<String> nemeses, Duration timeLimit, Duration quiet, Duration hold,
                       int partitions, boolean clockSkew, long seed, Path brokerTarget, Path reportDir) {
    private static final String TOPIC = "chaos";
    /** With clock skew: node 1 runs 47 s behind, node 3 83 s ahead, for the whole run. */
    private static final Map<Integer, String> SKEW = Map.of(1, "-47s", 3, "+83s");

    public CheckResult run() throws Exception {
        Files.createDirectories(reportDir);
        // Quick failure detection, so that a run of minutes sees many faults and recoveries.
        Map<String, String> overrides = Map.of("broker.session.timeout.ms", "4000", "broker.heartbeat.interval.ms", "500",
                "replica.lag.time.max.ms", "4000", "group.initial.rebalance.delay.ms", "0");
        try (SkeinCluster cluster = SkeinCluster.start(nodes, brokerTarget, overrides, clockSkew ? SKEW : Map.of());
             History history = History.writingTo(reportDir.resolve("history.jsonl"))) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, partitions, (short) 3))).all().get(60, TimeUnit.SECONDS);
            }
            Workload workload = new Workload(cluster.bootstrap(), TOPIC, partitions, history, Map.of());
            workload.startProducers(2, 100);
            workload.startAssignedConsumer();
            workload.startGroupConsumers(2, "chaos-group");
            try (Nemesis nemesis = new Nemesis(cluster, history, nemeses, quiet, hold, seed)) {
                Thread.sleep(timeLimit.toMillis());
            } finally {
                workload.close();
            }
            workload.finalRead(Duration.ofSeconds(60));
            CheckResult result = Checker.check(history.ops());
            String title = String.format("Skein chaos run: %d nodes, nemesis %s%s, %d s, seed %d", nodes,
                    String.join(",", nemeses), clockSkew ? ", clock skew " + SKEW : "", timeLimit.toSeconds(), seed);
            System.out.print(Report.write(reportDir, title, history.ops(), result));
            return result;
        }
    }
}
