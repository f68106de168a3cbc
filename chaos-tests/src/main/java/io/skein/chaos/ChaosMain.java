package io.skein.chaos;

import io.skein.chaos.checker.CheckResult;
import io.skein.chaos.cluster.SkeinCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code scripts/chaos}: one long run; exit 0 if the checker found nothing, 1 if it did, 2 on bad usage. */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Runs Skein nodes in containers under faults with real Kafka clients, then checks the history.")
public final class ChaosMain implements Callable<Integer> {
    @Option(names = "--nodes", defaultValue = "3", description = "Cluster size (default: ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--nemesis", split = ",", defaultValue = "kill,pause,partition",
            description = "Faults, taken in turn: kill, pause, partition, isolate-leader, isolate-controller, loss, "
                    + "torn-tail (default: ${DEFAULT-VALUE})")
    List<String> nemeses;

    @Option(names = "--time-limit", defaultValue = "120", description = "Seconds of workload under faults (default: ${DEFAULT-VALUE})")
    long timeLimit;

    @Option(names = "--quiet", defaultValue = "5", description = "Seconds without a fault between faults (default: ${DEFAULT-VALUE})")
    long quiet;

    @Option(names = "--hold", defaultValue = "10", description = "Seconds each fault lasts (default: ${DEFAULT-VALUE})")
    long hold;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the topic (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--clock-skew", description = "Run node 1's wall clock 47 s behind and node 3's 83 s ahead")
    boolean clockSkew;

    @Option(names = "--seed", description = "Seed for the victims' choice (default: the time)")
    Long seed;

    @Option(names = "--broker-target", defaultValue = "broker/target", description = "Skein's build (default: ${DEFAULT-VALUE})")
    Path brokerTarget;

    @Option(names = "--report-dir", description = "Where the report goes (default: chaos-tests/target/chaos/run-TIME)")
    Path reportDir;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        String why = SkeinCluster.unavailableBecause();
        if (why != null) {
            System.err.println("chaos: " + why);
            return 1;
        }
        Path dir = reportDir != null ? reportDir : Path.of("chaos-tests", "target", "chaos",
                "run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        CheckResult result = new ChaosRun(nodes, nemeses, Duration.ofSeconds(timeLimit), Duration.ofSeconds(quiet),
                Duration.ofSeconds(hold), partitions, clockSkew, seed != null ? seed : System.nanoTime(), brokerTarget, dir).run();
        System.out.println("report: " + dir.resolve("report.html").toAbsolutePath());
        return result.valid() ? 0 : 1;
    }
}
