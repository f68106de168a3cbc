package io.skein.server.metrics;

import io.skein.testing.Executables;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Prometheus' own linter, {@code promtool check metrics} (Debian's {@code prometheus} package, which
 * {@code .ci/run} installs). Where it is missing the check is skipped, saying how to get it; with
 * {@code -Dskein.promtool.required=true} (CI) it fails instead.
 */
final class Promtool {
    static final String REQUIRED = "skein.promtool.required";

    private Promtool() {
    }

    /** What promtool says of {@code exposition}: its exit code and output. */
    record Verdict(int exitCode, String output) {
    }

    static Verdict checkMetrics(String exposition) throws IOException, InterruptedException {
        Path promtool = Executables.onPath("promtool").orElseGet(() -> {
            String why = "promtool is not on the PATH: install Debian's prometheus package (apt-get install -y "
                    + "prometheus) to lint the metrics";
            if (Boolean.getBoolean(REQUIRED)) {
                throw new AssertionError(why + " (" + REQUIRED + "=true)");
            }
            Assumptions.abort(why);
            return null;
        });
        Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("promtool did not finish within 60 s");
        }
        return new Verdict(process.exitValue(), output);
    }
}
