package io.skein.chaos;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChaosRunTest {
    @TempDir
    Path dir;

    @Test
    void runsStartedInTheSameSecondGetDirectoriesOfTheirOwn() throws Exception {
        Path first = ChaosRun.newReportDir(dir, "transactions-paused");
        Path second = ChaosRun.newReportDir(dir, "transactions-paused");
        assertNotEquals(first, second);
        assertTrue(Files.isDirectory(first) && Files.isDirectory(second));
        assertTrue(first.getFileName().toString().matches("transactions-paused-\\d{8}-\\d{6}"), first.toString());
    }
}
