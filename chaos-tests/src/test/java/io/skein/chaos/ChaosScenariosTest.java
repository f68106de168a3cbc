package io.skein.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.chaos.checker.CheckResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The CI scenarios: RF 3, acks=all, min.insync.replicas=2, unclean election off, faults injected
 * while real clients work; the checker must find nothing. Reports go to target/chaos/NAME.
 */
@Timeout(600)
class ChaosScenariosTest {
    static final Path BROKER_TARGET = Path.of("..", "broker", "target");

    @BeforeAll
    static void needsDocker() {
        DockerScenarios.assumeAvailable();
    }

    static void assertNoAnomaly(CheckResult result) {
        assertTrue(result.acked() > 1000, "too little was acknowledged to judge: " + result.acked());
        assertEquals(Map.of(), result.anomalies().entrySet().stream().filter(e -> !e.getValue().isEmpty())
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().size())), result.resultLine());
        assertTrue(result.valid());
    }

    @Test
    void crashesPausesAndPartitionsLoseNothing() throws Exception {
        CheckResult result = new ChaosRun(3, List.of("kill", "pause", "partition"), Duration.ofSeconds(90),
                Duration.ofSeconds(4), Duration.ofSeconds(8), 6, false, 11, BROKER_TARGET,
                Path.of("target", "chaos", "kill-pause-partition")).run();
        assertNoAnomaly(result);
        assertEquals(0, result.count(Kind.LOST));
    }

    @Test
    void isolatedLeadersAndControllersLossyLinksTornTailsAndSkewedClocksLoseNothing() throws Exception {
        CheckResult result = new ChaosRun(3, List.of("isolate-leader", "torn-tail", "isolate-controller", "loss"),
                Duration.ofSeconds(90), Duration.ofSeconds(4), Duration.ofSeconds(8), 6, true, 12, BROKER_TARGET,
                Path.of("target", "chaos", "targeted")).run();
        assertNoAnomaly(result);
    }
}
