package io.skein.chaos;

import io.skein.chaos.cluster.Security;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.chaos.cluster.Topology;
import io.skein.chaos.nemesis.Fault;
import io.skein.chaos.workload.WorkloadMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code scripts/chaos}: one long run, or a soak of many; exit 0 if the checks found nothing, 1 if they
 * did (or a run did not complete), 2 on bad usage.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Runs Skein nodes in containers under faults with real Kafka clients, then checks the history "
                + "and the replicas' logs.")
public final class ChaosMain implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--nodes", defaultValue = "5", description = "Nodes, each a broker and a voter; or brokers, "
            + "with --controllers (default: ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--controllers", defaultValue = "0", description = "Controller-only nodes apart from the "
            + "--nodes brokers; 0: every node is both (default: ${DEFAULT-VALUE})")
    int controllers;

    @Option(names = "--nemesis", split = ",", description = "Faults, taken in turn (default: all; with --workload txn "
            + "a pause-heavy mix aimed at transactions' ends): kill, pause, partition, isolate-leader, isolate-controller, "
            + "loss, torn-tail, pause-followers, isolate-new-leader, partition-leader-from-controller, lagging-voter; "
            + "with --workload txn also pause-txn-coordinator, pause-txn-leader; with --unsafe also "
            + "unclean-election, bit-rot")
    List<String> nemeses;

    /** As typed after --workload. */
    enum WorkloadName { queue, txn }

    @Option(names = "--workload", defaultValue = "queue", description = "queue: sends acknowledged one by one; txn: "
            + "transactions of sends over several partitions, committed or aborted, read read_committed "
            + "(default: ${DEFAULT-VALUE})")
    WorkloadName workload;

    @Option(names = "--read-uncommitted", description = "With --workload txn, a negative control: the live consumers "
            + "read read_uncommitted, so the checks must find aborted reads")
    boolean readUncommitted;

    /** Null unless typed: on with --workload txn, and only there. */
    @Option(names = "--consume-transform-produce", negatable = true, description = "With --workload txn, where it is "
            + "on unless --no-consume-transform-produce: also 2 group members that turn what they poll into new "
            + "values, committing their offsets in the transaction (sendOffsetsToTransaction)")
    Boolean consumeTransformProduce;

    @Option(names = "--time-limit", description = "Seconds of workload under faults, per run (default: 120, "
            + "or 40 with --runs)")
    Long timeLimit;

    @Option(names = "--quiet", defaultValue = "5", description = "Seconds without a fault between faults (default: ${DEFAULT-VALUE})")
    long quiet;

    @Option(names = "--hold", defaultValue = "10", description = "Seconds each fault lasts (default: ${DEFAULT-VALUE})")
    long hold;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the topic (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--clock-skew", description = "Run node 1's wall clock 47 s behind and node 3's 83 s ahead")
    boolean clockSkew;

    @Option(names = "--security", defaultValue = "PLAINTEXT", description = "PLAINTEXT, or SASL_SSL: every listener "
            + "on TLS (certificates by skein certs), clients and brokers logging in with SCRAM-SHA-512, the "
            + "controllers' listener on mutual TLS (default: ${DEFAULT-VALUE})")
    Security security;

    @Option(names = "--unsafe", description = "acks=1, min.insync.replicas=1, unclean leader election: a negative "
            + "control, where the checks must find anomalies")
    boolean unsafe;

    @Option(names = "--runs", defaultValue = "1", description = "Soak: this many runs, seeds S, S+1, ..., each with "
            + "the next --mix faults in turn; one table of results (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--mix", defaultValue = "3", description = "Faults per run of a soak (default: ${DEFAULT-VALUE})")
    int mix;

    @Option(names = "--seed", description = "Seed for the victims' choice; a soak's first run's (default: the time)")
    Long seed;

    @Option(names = "--broker-target", defaultValue = "broker/target", description = "Skein's build (default: ${DEFAULT-VALUE})")
    Path brokerTarget;

    @Option(names = "--report-dir", description = "Where the report goes (default: chaos-tests/target/chaos/run-TIME, "
            + "or soak-TIME with --runs)")
    Path reportDir;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<String> faults = faults();
        WorkloadMode mode = workloadMode();
        String why = SkeinCluster.unavailableBecause();
        if (why != null) {
            System.err.println("chaos: " + why);
            return 1;
        }
        Durability durability = unsafe ? Durability.UNSAFE : Durability.SAFE;
        long firstSeed = seed != null ? seed : System.nanoTime();
        Path reports = Path.of("chaos-tests", "target", "chaos");
        if (runs == 1) {
            Path dir = reportDir != null ? reportDir : ChaosRun.newReportDir(reports, "run");
            boolean valid = run(faults, durability, mode, timeLimit != null ? timeLimit : 120, firstSeed, dir).run()
                    .valid();
            System.out.println("report: " + dir.resolve("report.html").toAbsolutePath());
            return valid ? 0 : 1;
        }
        Path dir = reportDir != null ? reportDir : ChaosRun.newReportDir(reports, "soak");
        long perRun = timeLimit != null ? timeLimit : 40;
        return Soak.run(runs, dir, i -> run(Soak.mix(faults, mix, i), durability, mode, perRun, firstSeed + i,
                dir.resolve("run-" + (i + 1)))) ? 0 : 1;
    }

    private ChaosRun run(List<String> faults, Durability durability, WorkloadMode mode, long seconds, long runSeed,
                         Path dir) {
        return new ChaosRun(topology(), faults, Duration.ofSeconds(seconds), Duration.ofSeconds(quiet),
                Duration.ofSeconds(hold), partitions, durability, security, mode, clockSkew, runSeed, brokerTarget, dir);
    }

    private WorkloadMode workloadMode() {
        if (workload != WorkloadName.txn) {
            if (readUncommitted || Boolean.TRUE.equals(consumeTransformProduce)) {
                throw new ParameterException(spec.commandLine(), "--read-uncommitted and --consume-transform-produce "
                        + "go with --workload txn");
            }
            return WorkloadMode.QUEUE;
        }
        WorkloadMode mode = WorkloadMode.TXN;
        mode = readUncommitted ? mode.withReadUncommitted() : mode;
        return Boolean.FALSE.equals(consumeTransformProduce) ? mode.withoutConsumeTransformProduce() : mode;
    }

    /** The faults asked for, checked against the cluster size and the configuration. */
    private List<String> faults() {
        if (runs < 1 || mix < 1 || nodes < 3 || controllers < 0) {
            throw new ParameterException(spec.commandLine(), "--runs and --mix take a positive number, --nodes 3 or "
                    + "more (topics have 3 replicas), --controllers 0 or more");
        }
        boolean txn = workload == WorkloadName.txn;
        List<String> faults = new ArrayList<>(nemeses != null ? nemeses : txn ? Fault.TXN_MIX : Fault.NAMES);
        if (nemeses == null && unsafe) {
            faults.addAll(Fault.UNSAFE_NAMES);
        }
        for (String fault : faults) {
            try {
                Fault.named(fault);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            if (Fault.TXN_NAMES.contains(fault) && !txn) {
                throw new ParameterException(spec.commandLine(), fault + " strikes transactions: add --workload txn");
            }
            if (Fault.UNSAFE_NAMES.contains(fault) && !unsafe) {
                throw new ParameterException(spec.commandLine(), fault + " is for an unsafe configuration only: "
                        + "add --unsafe");
            }
            String unfit = Fault.unfitBecause(fault, topology());
            if (unfit != null) {
                throw new ParameterException(spec.commandLine(), unfit + " (--nodes " + nodes + ", --controllers "
                        + controllers + ")");
            }
        }
        return faults;
    }

    private Topology topology() {
        return controllers == 0 ? Topology.combined(nodes) : Topology.split(controllers, nodes);
    }
}
