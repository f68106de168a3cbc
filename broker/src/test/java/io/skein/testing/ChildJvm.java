package io.skein.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs a main class in a JVM of its own, on this test JVM's classpath with the project's kafka-clients
 * replaced by another release (copied to {@code skein.kafka.clients.dir} by the build): clients and
 * tools built for that release then run against Skein without clashing with the project's own.
 */
public final class ChildJvm {
    /** What a child JVM printed (stdout and stderr together) and how it exited. */
    public record Result(int exitCode, String output) {
    }

    private ChildJvm() {
    }

    public static Result run(String kafkaClientsVersion, Path stdin, Duration timeout, String mainClass, String... args)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("child-jvm", ".out");
        try {
            Process process = start(kafkaClientsVersion, stdin, output, mainClass, args);
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(mainClass + " did not finish within " + timeout + "; it printed:\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Starts {@code mainClass} and returns at once; what it prints goes to {@code output}. */
    public static Process start(String kafkaClientsVersion, Path stdin, Path output, String mainClass, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(command(kafkaClientsVersion, mainClass));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                : ProcessBuilder.Redirect.from(stdin.toFile()));
        return builder.start();
    }

    /** The command line that runs {@code mainClass} with that release of kafka-clients, before its arguments. */
    public static List<String> command(String kafkaClientsVersion, String mainClass) {
        Path clientsJar = Path.of(System.getProperty("skein.kafka.clients.dir"),
                "kafka-clients-" + kafkaClientsVersion + ".jar");
        if (!Files.isRegularFile(clientsJar)) {
            throw new IllegalStateException(clientsJar + " is missing: run the tests through Maven");
        }
        List<String> classpath = new ArrayList<>();
        classpath.add(clientsJar.toString());
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("kafka-clients-"))
                .forEach(classpath::add);
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-cp",
                String.join(File.pathSeparator, classpath), mainClass);
    }

    /** Lines of {@code text} that do not come from a logger. */
    public static List<String> printed(String text) {
        return text.lines().filter(line -> !line.matches("^\\[?\\d{2,4}[-:].*")).collect(Collectors.toList());
    }
}
