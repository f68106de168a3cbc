package io.skein.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.skein.testing.Executables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What Maven prints when the project's scripts and CI build: no terminal escape codes, which end up
 * as {@code [0m} in CI logs and in the output of commands that build first ({@code scripts/skein}).
 */
class BuildOutputTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    /** {@code mvn} run as a command: at the start of a line or after {@code &&}, {@code ||}, {@code (} or {@code ;}. */
    private static final Pattern MAVEN_COMMAND = Pattern.compile("(^|&&|\\|\\||\\(|;)\\s*mvn\\s");

    /**
     * Maven 3.8 prints colors into a pipe unless in batch mode, and in batch mode still resets the
     * terminal ({@code ESC[0m}) as it starts and exits; the project's {@code .mvn/jvm.config} stops that.
     */
    @Test
    void mavenInBatchModePrintsNoEscapeCodes() throws Exception {
        Optional<Path> mvn = Executables.onPath("mvn");
        assumeTrue(mvn.isPresent(), "mvn is not on the PATH");
        Path output = Files.createTempFile("mvn", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(mvn.get().toString(), "-B", "-ntp", "-o", "-N", "validate")
                    .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().remove("MAVEN_OPTS"); // the project's own settings only, not those of the build running this
            Process process = builder.start();
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "mvn validate did not finish");
            String printed = Files.readString(output, StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), printed);
            assertTrue(printed.contains("BUILD SUCCESS"), printed);
            assertFalse(printed.contains("\u001b"), "terminal codes in: " + printed.replace("\u001b", "ESC"));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    @Test
    void everyScriptRunsMavenInBatchMode() throws IOException {
        List<Path> scripts = new ArrayList<>(List.of(ROOT.resolve(".ci/run")));
        try (Stream<Path> files = Stream.concat(Files.list(ROOT.resolve("scripts")), Files.list(ROOT.resolve("bench")))) {
            files.filter(file -> Files.isRegularFile(file) && !file.toString().endsWith(".md")
                    && !file.toString().endsWith(".xml")).forEach(scripts::add);
        }
        List<String> runs = new ArrayList<>();
        List<String> interactive = new ArrayList<>();
        for (Path script : scripts) {
            for (String line : Files.readAllLines(script, StandardCharsets.UTF_8)) {
                String code = line.strip();
                if (code.startsWith("#") || code.contains("echo ") || !MAVEN_COMMAND.matcher(code).find()) {
                    continue;
                }
                runs.add(code);
                if (!code.contains(" -B ")) {
                    interactive.add(ROOT.relativize(script) + ": " + code);
                }
            }
        }
        assertFalse(runs.isEmpty(), "no script runs mvn: the pattern is wrong");
        assertEquals(List.of(), interactive, "mvn without -B (batch mode) prints colors into logs and pipes");
    }
}
