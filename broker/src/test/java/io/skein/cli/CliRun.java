package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * One run of the {@code skein} command in this JVM, as a user types it: arguments and standard
 * input in; what it printed and its exit code out.
 */
public record CliRun(int exitCode, String out, String err) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static CliRun skein(String... args) {
        return withInput("", args);
    }

    /** A run of an admin command against the admin API at {@code admin} (its {@code --admin}). */
    public static CliRun atAdmin(String admin, String... args) {
        String[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = "--admin=" + admin;
        return skein(all);
    }

    /** What the run printed as JSON ({@code -o json}), once it is known to have exited 0. */
    public JsonNode json() throws IOException {
        assertEquals(0, exitCode, err + out);
        return JSON.readTree(out);
    }

    /** Runs with {@code stdin} as standard input; the process's streams are swapped for the run. */
    public static CliRun withInput(String stdin, String... args) {
        return run(Skein::commandLine, stdin, args);
    }

    /** A run of {@code command}, one of the command classes set up by the test, with {@code args}. */
    static CliRun of(Object command, String... args) {
        return run(() -> new CommandLine(command), "", args);
    }

    /**
     * Runs the command line {@code commandLine} makes once the streams are swapped: picocli takes its
     * output and error writers from System.out and System.err when the command line is made.
     */
    private static synchronized CliRun run(Supplier<CommandLine> commandLine, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        InputStream originalIn = System.in;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int exitCode = commandLine.get().execute(args);
            return new CliRun(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
            System.setIn(originalIn);
        }
    }
}
