package io.skein.chaos.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Read;
import io.skein.chaos.history.Op.Type;
import io.skein.chaos.history.Op.Write;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The record of a run, shared by every client thread and the nemesis: each entry gets the next
 * index and the time since the start, is kept in memory for the checker and, if a file was given,
 * written at once as one JSON line, so that a run that dies still leaves its history.
 */
public final class History implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final long startNanos = System.nanoTime();
    private final List<Op> ops = new ArrayList<>();
    private final BufferedWriter out;

    private History(BufferedWriter out) {
        this.out = out;
    }

    /** A history written as JSON lines to {@code file}, as it happens. */
    public static History writingTo(Path file) throws IOException {
        return new History(Files.newBufferedWriter(file));
    }

    public static History inMemory() {
        return new History(null);
    }

    /** Reads a history written by {@link #writingTo}. */
    public static List<Op> read(Path file) throws IOException {
        List<Op> ops = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                ops.add(JSON.readValue(line, Op.class));
            }
        }
        return ops;
    }

    public Op invoke(String process, Fn f, Integer partition, String value) {
        return add(process, Type.INVOKE, f, partition, value, null, null, null, null);
    }

    /** Completes {@code invocation} as ok, fail or info, with what came of it. */
    public Op complete(Op invocation, Type type, Long offset, List<Read> reads, String error) {
        return add(invocation.process(), type, invocation.f(), invocation.partition(), invocation.value(), offset,
                reads, error, invocation.writes());
    }

    /** A transaction about to send {@code writes} (their offsets unknown yet). */
    public Op invokeTxn(String process, List<Write> writes) {
        return add(process, Type.INVOKE, Fn.TXN, null, null, null, null, null, writes);
    }

    /**
     * Completes the transaction {@code invocation}: its sends with the offsets they were acknowledged at (where
     * they were), and what it polled.
     */
    public Op completeTxn(Op invocation, Type type, List<Write> writes, List<Read> reads, String error) {
        return add(invocation.process(), type, Fn.TXN, null, null, null, reads, error, writes);
    }

    /** Something that happened at once: a consumer's new assignment. */
    public Op info(String process, Fn f, String value) {
        return add(process, Type.INFO, f, null, value, null, null, null, null);
    }

    private synchronized Op add(String process, Type type, Fn f, Integer partition, String value, Long offset,
                                List<Read> reads, String error, List<Write> writes) {
        Op op = new Op(ops.size(), System.nanoTime() - startNanos, process, type, f, partition, value, offset,
                reads == null ? null : List.copyOf(reads), error, writes == null ? null : List.copyOf(writes));
        ops.add(op);
        if (out != null) {
            try {
                out.write(JSON.writeValueAsString(op));
                out.newLine();
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return op;
    }

    /** The latest entry {@code which} matches, found from the end without copying the history. */
    public synchronized Optional<Op> latest(Predicate<Op> which) {
        for (int i = ops.size() - 1; i >= 0; i--) {
            if (which.test(ops.get(i))) {
                return Optional.of(ops.get(i));
            }
        }
        return Optional.empty();
    }

    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
