package io.skein.chaos.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.chaos.checker.CheckResult;
import io.skein.chaos.checker.Checker;
import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Read;
import io.skein.chaos.history.Op.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    private final List<Op> history = new ArrayList<>();

    private void add(double atSeconds, String process, Type type, Fn f, Integer partition, String value, Long offset,
                     List<Read> reads) {
        history.add(new Op(history.size(), (long) (atSeconds * 1e9), process, type, f, partition, value, offset, reads,
                null, null));
    }

    /** Three seconds: three sends acknowledged, one lost to a fault that heals, one that never does. */
    private void run() {
        add(0.1, "nemesis", Type.INVOKE, Fn.NEMESIS, null, "pause node 2", null, null);
        add(0.2, "producer-1", Type.INVOKE, Fn.SEND, 0, "a", null, null);
        add(0.5, "producer-1", Type.OK, Fn.SEND, 0, "a", 0L, null);
        add(1.1, "producer-1", Type.INVOKE, Fn.SEND, 0, "b", null, null);
        add(1.2, "producer-1", Type.INVOKE, Fn.SEND, 0, "c", null, null);
        add(1.3, "nemesis", Type.OK, Fn.NEMESIS, null, "pause node 2", null, null);
        add(1.4, "producer-1", Type.OK, Fn.SEND, 0, "b", 1L, null);
        add(1.9, "producer-1", Type.OK, Fn.SEND, 0, "c", 2L, null);
        add(2.0, "nemesis", Type.INVOKE, Fn.NEMESIS, null, "isolate node 1", null, null);
        add(2.1, "producer-1", Type.INVOKE, Fn.SEND, 0, "d", null, null);
        add(2.6, "producer-1", Type.INFO, Fn.SEND, 0, "d", null, null);
        add(2.7, "final-reader", Type.INVOKE, Fn.FINAL_READ, 0, null, null, null);
        add(2.8, "final-reader", Type.OK, Fn.FINAL_READ, 0, null, null, List.of(new Read(0, 0, "a"), new Read(0, 2, "c")));
    }

    @Test
    void aTimelineCountsAcknowledgementsPerSecondAndPairsEachFaultWithItsHealing() {
        run();
        Timeline timeline = Timeline.of(history);
        assertEquals(4, timeline.seconds());
        assertArrayEquals(new long[] {1, 2, 0, 0}, timeline.ackedPerSecond());
        assertEquals(4, timeline.latencies().size());
        assertEquals(300, timeline.latencies().get(0).tookMs(), 1e-6);
        assertEquals(List.of(new Timeline.Fault("pause node 2", 100, 1300),
                new Timeline.Fault("isolate node 1", 2000, 2800)), timeline.faults());
    }

    @Test
    void theReportEndsWithTheResultLineAndShadesEveryFault(@TempDir Path dir) throws Exception {
        run();
        CheckResult result = Checker.check(history);
        String summary = Report.write(dir, "test run", history, result);

        List<String> lines = Files.readAllLines(dir.resolve("summary.txt"));
        assertEquals("RESULT valid=false acked=3 lost=1 duplicated=0 inconsistent=0 nonmonotonic=0 divergent=0"
                + " aborted-read=0 torn=0",
                lines.get(lines.size() - 1));
        assertTrue(summary.contains("LOST partition 0 offset 1 value b"), summary);
        JsonNode json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertEquals(3, json.get("acked").asLong());
        assertEquals("b", json.get("anomalies").get("LOST").get(0).get("value").asText());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<svg"));
        assertEquals(4, html.split("class=\"fault\"", -1).length - 1, "two faults, shaded in both panels");
    }
}
