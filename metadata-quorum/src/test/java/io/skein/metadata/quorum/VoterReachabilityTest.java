package io.skein.metadata.quorum;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A voter that is down is one line when it stops answering and one when it answers again, not one per retry. */
class VoterReachabilityTest {
    @TempDir
    Path dir;

    @Test
    void eachVoterIsReportedOncePerChangeAndALeaderThatStepsDownForgets() {
        AtomicReference<Map<Integer, Long>> silences = new AtomicReference<>(Map.of(2, 10L, 3, 10L));
        VoterReachability reachability = new VoterReachability(1, Duration.ofMillis(2000), silences::get);
        assertEquals(List.of(), reachability.check());

        silences.set(Map.of(2, 10L, 3, 2000L));
        assertEquals(List.of("Voter 3 has not answered controller 1 for 2000 ms: the quorum goes on without it while "
                + "a majority answers"), reachability.check());
        silences.set(Map.of(2, 10L, 3, 9000L));
        assertEquals(List.of(), reachability.check(), "still down: nothing new to say");

        silences.set(Map.of(2, 10L, 3, 5L));
        assertEquals(List.of("Voter 3 answers controller 1 again"), reachability.check());
        assertEquals(List.of(), reachability.check());

        silences.set(Map.of(2, 10L, 3, 3000L));
        assertEquals(1, reachability.check().size());
        silences.set(Map.of()); // no longer the leader
        assertEquals(List.of(), reachability.check());
        silences.set(Map.of(2, 10L, 3, 3000L)); // leading again: says it again, for itself
        assertEquals(1, reachability.check().size());
    }

    /** With real Ratis voters: the leader's own measure of its followers' silence. */
    @Test
    void theLeaderSeesAStoppedVoterGoSilentAndAnswerAgain() throws Exception {
        try (TestQuorum quorum = TestQuorum.start(dir, 3, 10_000)) {
            MetadataQuorum leader = quorum.awaitLeader();
            int stopped = quorum.running().stream().filter(node -> node != leader).findFirst().orElseThrow().nodeId();
            // Whoever leads now: a machine under load may move leadership during the test.
            VoterReachability reachability = new VoterReachability(0, Duration.ofMillis(4000),
                    () -> quorum.awaitLeader().followerSilences());
            quorum.stop(stopped);
            List<String> lines = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> lines.addAll(reachability.check()));
            assertTrue(lines.get(0).startsWith("Voter " + stopped + " has not answered controller 0 for "), lines.toString());

            quorum.restart(stopped);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                lines.addAll(reachability.check());
                return lines.size() >= 2;
            });
            assertEquals("Voter " + stopped + " answers controller 0 again", lines.get(1), lines.toString());
        }
    }
}
