package io.skein.metadata.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The lines a retry loop logs, as the test configuration writes them to stderr (INFO and up). */
class RetryLogTest {
    private static final Logger LOG = LoggerFactory.getLogger("io.skein.test.RetryLogTest");

    @Test
    void eachKindOfFailureIsSaidOnceUntilASuccessWhichIsSaidOnce() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            RetryLog retries = new RetryLog(LOG);
            retries.succeeded("up"); // nothing failed before: nothing to say
            retries.failed("refused", "failure {}", 1);
            retries.failed("refused", "failure {}", 2);
            retries.failed("timed out", "failure {}", 3);
            retries.failed("refused", "failure {}", 4);
            retries.succeeded("up again");
            retries.succeeded("still up");
            retries.failed("refused", "failure {}", 5);
            for (int i = 0; i < 20; i++) {
                retries.failed("kind " + i, "failure of kind {}", i);
            }
        } finally {
            System.setErr(original);
        }
        List<String> said = captured.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.contains(" RetryLogTest - "))
                .map(line -> line.substring(line.indexOf(" RetryLogTest - ") + " RetryLogTest - ".length())).toList();
        assertEquals(List.of("failure 1", "failure 3", "up again", "failure 5", "failure of kind 0",
                "failure of kind 1", "failure of kind 2", "failure of kind 3", "failure of kind 4", "failure of kind 5",
                "failure of kind 6"), said, "eight kinds at most between two successes");
    }
}
