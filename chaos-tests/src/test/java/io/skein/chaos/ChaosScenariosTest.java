package io.skein.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.chaos.checker.CheckResult;
import io.skein.chaos.cluster.Security;
import io.skein.chaos.cluster.Topology;
import io.skein.chaos.history.History;
import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Type;
import io.skein.chaos.workload.WorkloadMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The CI scenarios: RF 3, acks=all, min.insync.replicas=2, unclean election off, faults injected
 * while real clients work; the checks (history and replicas' logs) must find nothing. Reports go to
 * target/chaos/NAME-TIME, one directory per run, kept. Longer runs: {@code scripts/chaos}.
 */
@Timeout(600)
@ExtendWith(DockerScenarios.class)
class ChaosScenariosTest {
    static final Path BROKER_TARGET = Path.of("..", "broker", "target");

    static void assertNoAnomaly(CheckResult result) {
        assertNoAnomaly(result, 1000);
    }

    static void assertNoAnomaly(CheckResult result, long enoughAcked) {
        assertTrue(result.acked() > enoughAcked, "too little was acknowledged to judge: " + result.acked());
        assertEquals(Map.of(), result.anomalies().entrySet().stream().filter(e -> !e.getValue().isEmpty())
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().size())), result.resultLine());
        assertTrue(result.valid());
    }

    /** A new directory for run {@code name}'s report: target/chaos/NAME-TIME. */
    static Path reportDir(String name) throws IOException {
        return ChaosRun.newReportDir(Path.of("target", "chaos"), name);
    }

    static CheckResult run(Topology topology, List<String> faults, int seconds, boolean clockSkew, Security security,
                           WorkloadMode workload, long seed, Path reportDir) throws Exception {
        return new ChaosRun(topology, faults, Duration.ofSeconds(seconds), Duration.ofSeconds(3), Duration.ofSeconds(6),
                6, Durability.SAFE, security, workload, clockSkew, seed, BROKER_TARGET, reportDir).run();
    }

    /**
     * The node- and network-level faults in turn on three combined nodes, two of them with skewed
     * clocks: crashes, freezes, partitions, an isolated leader and controller, a lossy link, a torn tail.
     * The cluster is secured as issue 17 asks ({@link Security#SASL_SSL}): every listener on TLS with
     * certificates made by {@code skein certs}, the workload's clients and the brokers' replication
     * logging in with SCRAM-SHA-512 over TLS, Raft and the controller service on mutual TLS.
     */
    @Test
    void crashesPausesPartitionsLossyLinksAndTornTailsOnASecureClusterUnderSkewedClocksLoseNothing() throws Exception {
        Path dir = reportDir("secure-node-and-network-faults");
        assertNoAnomaly(run(Topology.combined(3), List.of("kill", "isolate-leader", "pause", "torn-tail", "partition",
                "isolate-controller", "loss"), 70, true, Security.SASL_SSL, WorkloadMode.QUEUE, 11, dir));
        for (int node = 1; node <= 3; node++) {
            String log = Files.readString(dir.resolve("node-" + node + ".log"));
            assertTrue(log.contains("serves Kafka clients on [SASL_SSL://"), "node " + node + " served SASL_SSL");
        }
    }

    /**
     * Faults timed on protocol events, with three controllers apart from three brokers, so that frozen
     * followers freeze no voter (and no broker's metadata stream): followers frozen under acks=all until
     * the ISR shrinks, then the leader's unreplicated tail lost; a new leader cut off the moment it is
     * elected; a leader cut off from the controller as it proposes an ISR change.
     */
    @Test
    void faultsAtProtocolWindowsLoseNothingAndLeaveNoReplicaDivergent() throws Exception {
        assertNoAnomaly(run(Topology.split(3, 3), List.of("pause-followers", "isolate-new-leader",
                "partition-leader-from-controller"), 60, false, Security.PLAINTEXT, WorkloadMode.QUEUE, 13,
                reportDir("protocol-windows")));
    }

    /**
     * The transactional workload (Jepsen's queue with --txn): transactions of sends over several
     * partitions, committed or aborted on purpose, read read_committed, on three combined nodes while
     * the coordinator of a transaction under way, a leader of a partition it writes to, or any node is
     * frozen past the session timeout: EndTxn requests, markers and produce requests are delayed, commits
     * time out with their outcome unknown, producers are replaced. Members of a group consume, transform
     * and produce meanwhile, their offsets committed in their transactions (TxnOffsetCommit). Nothing
     * committed may be lost, nothing aborted read, no transaction seen in part, no input processed twice.
     */
    @Test
    void transactionsUnderFrozenCoordinatorsAndLeadersAreWholeAndNeverReadAborted() throws Exception {
        Path dir = reportDir("transactions-paused");
        CheckResult result = run(Topology.combined(3), List.of("pause-txn-coordinator", "pause-txn-leader", "pause"),
                60, false, Security.PLAINTEXT, WorkloadMode.TXN, 15, dir);
        assertNoAnomaly(result, 100);
        List<Op> history = History.read(dir.resolve("history.jsonl"));
        long aborted = history.stream().filter(op -> op.is(Type.FAIL, Fn.TXN)).count();
        assertTrue(aborted > 10, "too few transactions aborted for the aborted-read check to mean anything: " + aborted);
        // Only consume-transform-produce transactions poll.
        long processed = history.stream().filter(op -> op.is(Type.OK, Fn.TXN) && op.reads() != null
                && !op.reads().isEmpty()).count();
        assertTrue(processed > 10, "too few consume-transform-produce transactions committed for the reprocessed "
                + "check to mean anything: " + processed);
    }
}
