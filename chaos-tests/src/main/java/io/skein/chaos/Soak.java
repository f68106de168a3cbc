package io.skein.chaos;

import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.chaos.checker.CheckResult;
import io.skein.chaos.history.History;
import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Type;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * Many seeded runs in a row, each with its own seed and its own mix of faults, and one table of what
 * each found ({@code soak.md} beside the runs' own reports). A run that fails to complete is a row
 * too, and counts as finding something.
 */
final class Soak {
    private static final Set<Kind> COLUMNS = EnumSet.of(Kind.LOST, Kind.DUPLICATED, Kind.DIVERGENT, Kind.ABORTED_READ,
            Kind.TORN);

    private record Row(int run, long seed, List<String> faults, double seconds, CheckResult result, String error) {
        boolean valid() {
            return error == null && result.valid();
        }
    }

    private Soak() {
    }

    /**
     * The faults of run {@code run} (from 0): {@code perRun} of {@code faults} taken in turn from where
     * the previous run stopped, so that consecutive runs rotate through all of them.
     */
    static List<String> mix(List<String> faults, int perRun, int run) {
        int size = Math.min(perRun, faults.size());
        List<String> mix = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            mix.add(faults.get((run * size + i) % faults.size()));
        }
        return mix;
    }

    /**
     * Runs {@code runs} runs, run {@code i} (from 0) with seed {@code seed + i} and faults {@code mix(i)},
     * its report in {@code dir/run-(i+1)}; prints the table and writes it to {@code dir/soak.md}.
     *
     * @param runOf builds run {@code i}
     * @return whether every run completed and found nothing
     */
    static boolean run(int runs, Path dir, IntFunction<ChaosRun> runOf) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            ChaosRun run = runOf.apply(i);
            long started = System.nanoTime();
            CheckResult result = null;
            String error = null;
            try {
                result = run.run();
            } catch (Exception e) {
                error = rootCause(e);
                e.printStackTrace();
            }
            rows.add(new Row(i + 1, run.seed(), injected(run), (System.nanoTime() - started) / 1e9, result, error));
            String table = table(rows);
            Files.writeString(Files.createDirectories(dir).resolve("soak.md"), table); // a killed soak keeps its rows
            if (i == runs - 1) {
                System.out.print(table);
            }
        }
        System.out.println("soak: " + dir.resolve("soak.md").toAbsolutePath());
        return rows.stream().allMatch(Row::valid);
    }

    /**
     * The faults the run's nemesis started, with their victims, as its history records them: a fault
     * whose turn came after the time limit never ran, so the run's list of enabled faults would
     * overstate what it survived. The enabled ones, marked, if the history cannot be read.
     */
    private static List<String> injected(ChaosRun run) {
        try {
            return History.read(run.reportDir().resolve("history.jsonl")).stream()
                    .filter(op -> op.f() == Fn.NEMESIS && op.type() == Type.INVOKE).map(Op::value).toList();
        } catch (IOException | RuntimeException e) {
            return List.of("enabled: " + String.join(", ", run.nemeses()));
        }
    }

    /** The innermost cause's first line, which says what went wrong ("Node 4 did not serve again ..."). */
    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        return message.lines().findFirst().orElse(message);
    }

    private static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder("| run | seed | faults injected | duration | acked | lost | duplicated | divergent "
                + "| aborted read | torn | other anomalies | valid |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            CheckResult result = row.result();
            out.append(String.format(Locale.ROOT, "| %d | %d | %s | %.0f s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    row.run(), row.seed(), String.join("; ", row.faults()).replace('|', '/'), row.seconds(),
                    result == null ? "-" : result.acked(), count(result, Kind.LOST), count(result, Kind.DUPLICATED),
                    count(result, Kind.DIVERGENT), count(result, Kind.ABORTED_READ), count(result, Kind.TORN),
                    result == null ? "-" : others(result),
                    row.error() == null ? row.valid() : "error: " + row.error().replace('|', '/')));
        }
        long found = rows.stream().filter(row -> !row.valid()).count();
        out.append('\n').append(found == 0 ? "Every run valid." : found + " of " + rows.size()
                + " runs found anomalies or did not complete.").append('\n');
        return out.toString();
    }

    private static String count(CheckResult result, Kind kind) {
        return result == null ? "-" : Long.toString(result.count(kind));
    }

    private static String others(CheckResult result) {
        String others = EnumSet.complementOf(EnumSet.copyOf(COLUMNS)).stream().filter(kind -> result.count(kind) > 0)
                .map(kind -> kind.label() + "=" + result.count(kind))
                .collect(Collectors.joining(" "));
        return others.isEmpty() ? "0" : others;
    }
}
