package io.skein.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.chaos.checker.Anomaly;
import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.chaos.checker.CheckResult;
import io.skein.chaos.cluster.Security;
import io.skein.chaos.cluster.Topology;
import io.skein.chaos.history.History;
import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Type;
import io.skein.chaos.workload.WorkloadMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The checks' negative controls on real clusters: configurations and faults known to break what the
 * checks look for, so that each check is seen to fire. A control is green when the checks report
 * the damage. The faults wait for their moments (acknowledgements in the history, the ISR shrinking,
 * an election) with deadlines, not for fixed times.
 */
@Timeout(600)
@ExtendWith(DockerScenarios.class)
class NegativeControlTest {
    private static final Pattern ROTTEN = Pattern.compile(
            "bit-rot: flip a byte of the batch at offset (\\d+) in node (\\d+)'s replica of chaos-(\\d+)");

    /**
     * acks=1, min.insync.replicas=1, unclean election: the followers are frozen while the leader
     * acknowledges writes alone and the ISR shrinks to it, the leader dies, and a follower without
     * those writes is elected. Controllers apart: frozen followers must not stop the quorum.
     */
    @Test
    void anUncleanElectionLosesAcknowledgedWritesAndTheCheckerSaysSo() throws Exception {
        CheckResult result = new ChaosRun(Topology.split(3, 3), List.of("unclean-election"), Duration.ofSeconds(20),
                Duration.ofSeconds(3), Duration.ofSeconds(5), 2, Durability.UNSAFE, Security.PLAINTEXT, WorkloadMode.QUEUE,
                false, 21,
                ChaosScenariosTest.BROKER_TARGET, ChaosScenariosTest.reportDir("negative-unclean-election")).run();
        assertTrue(result.count(Kind.LOST) > 0, result.resultLine());
        assertFalse(result.valid());
    }

    /**
     * acks=all and min.insync.replicas=2, but the nodes run with the broker's test-only switch that
     * skips the min-ISR check when an acks=all write completes, and one follower's disk rots:
     * <ul>
     * <li>{@code pause-followers} must then lose acknowledged writes: acknowledged after the ISR
     *     shrank to the leader alone, cut from its disk with its unreplicated tail. The switch
     *     ({@code skein.unsafe.skipMinIsrCheckOnCompletion}) is read only once the broker has that
     *     check; until then the broker lacks the check anyway, and the control loses writes as well.
     * <li>{@code bit-rot} flips a byte of a committed batch in a follower's log: the divergence check
     *     must name that replica, partition and offset.
     * </ul>
     */
    @Test
    void acksAllCompletedBelowMinInsyncAndARottenReplicaAreCaught() throws Exception {
        Path dir = ChaosScenariosTest.reportDir("negative-min-isr-bit-rot");
        CheckResult result = new ChaosRun(Topology.split(3, 3), List.of("bit-rot", "pause-followers"),
                Duration.ofSeconds(20), Duration.ofSeconds(3), Duration.ofSeconds(5), 3,
                Durability.SAFE.withNodeJvmOptions("-Dskein.unsafe.skipMinIsrCheckOnCompletion=true"), Security.PLAINTEXT,
                WorkloadMode.QUEUE,
                false, 22,
                ChaosScenariosTest.BROKER_TARGET, dir).run();
        assertTrue(result.count(Kind.LOST) > 0, result.resultLine());

        Matcher rot = History.read(dir.resolve("history.jsonl")).stream()
                .filter(op -> op.is(Type.INVOKE, Fn.NEMESIS)).map(Op::value).map(ROTTEN::matcher)
                .filter(Matcher::find).findFirst().orElseThrow(() -> new AssertionError("bit-rot did not strike"));
        long offset = Long.parseLong(rot.group(1));
        String node = "node " + rot.group(2) + " has";
        int partition = Integer.parseInt(rot.group(3));
        List<Anomaly> divergent = result.anomalies().get(Kind.DIVERGENT);
        assertTrue(divergent.stream().anyMatch(anomaly -> anomaly.detail().startsWith("chaos-" + partition + " ")
                && anomaly.offset() == offset && anomaly.detail().contains(node)), rot.group() + ": " + divergent);
    }

    /**
     * The transactional workload with its live consumers reading read_uncommitted, as a reader that
     * ignores transactions would: the transactions aborted on purpose (one in five) are in the log, so
     * the checks must report aborted reads, while the read_committed final read keeps the rest valid
     * (nothing committed lost, no transaction torn). A frozen transaction coordinator on the side.
     */
    @Test
    void readersIgnoringTransactionsReadAbortedValuesAndTheCheckerSaysSo() throws Exception {
        CheckResult result = ChaosScenariosTest.run(Topology.combined(3), List.of("pause-txn-coordinator"), 20, false,
                Security.PLAINTEXT, WorkloadMode.TXN.withReadUncommitted(), 23, ChaosScenariosTest.reportDir("negative-read-uncommitted"));
        assertTrue(result.count(Kind.ABORTED_READ) > 0, result.resultLine());
        assertEquals(0, result.count(Kind.LOST) + result.count(Kind.TORN), result.resultLine());
        assertFalse(result.valid());
    }
}
