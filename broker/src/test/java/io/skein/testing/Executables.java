package io.skein.testing;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The machine's own programs a test runs (Debian's promtool, chromium, chromedriver, kcat, node), found
 * on the PATH, and scripts a test writes for commands that call a program by name.
 */
public final class Executables {
    private Executables() {
    }

    /** The first of {@code names} found executable on the PATH, if any. */
    public static Optional<Path> onPath(String... names) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : names) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** What a program printed (stdout and stderr together) and how it exited. */
    public record Result(int exitCode, String output) {
    }

    /**
     * Runs {@code program} with {@code input} on its standard input and returns once it exits; kills
     * it and fails, with what it printed, if it has not exited {@code within}.
     */
    public static Result run(ProcessBuilder program, String input, Duration within)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("program", ".out");
        try {
            Process process = program.redirectErrorStream(true).redirectOutput(output.toFile()).start();
            try (OutputStream in = process.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(program.command().get(0) + " did not finish within " + within
                        + "; it printed:\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Writes {@code file}, an executable shell script that runs {@code command} with the script's own arguments. */
    public static Path script(Path file, List<String> command) throws IOException {
        String words = command.stream().map(word -> "'" + word.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
        Files.writeString(file, "#!/bin/sh\nexec " + words + " \"$@\"\n");
        if (!file.toFile().setExecutable(true)) {
            throw new IOException("Cannot make " + file + " executable");
        }
        return file;
    }
}
