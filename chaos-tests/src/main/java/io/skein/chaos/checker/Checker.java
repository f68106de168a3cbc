package io.skein.chaos.checker;

import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Read;
import io.skein.chaos.history.Op.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a whole history and finds Jepsen's Kafka anomalies (see {@link Kind}). It trusts nothing
 * but the history: what producers were told, what consumers saw, and the final read of every
 * partition after all faults healed. Values are unique per run, which makes "the same record"
 * decidable.
 */
public final class Checker {
    private final Map<Kind, List<Anomaly>> found = new EnumMap<>(Kind.class);

    private Checker() {
    }

    public static CheckResult check(List<Op> history) {
        return new Checker().run(history);
    }

    /** Where a value was seen: a partition and an offset. */
    private record Position(int partition, long offset) {
    }

    private CheckResult run(List<Op> history) {
        long ok = 0;
        long failed = 0;
        long indeterminate = 0;
        Set<String> sent = new HashSet<>();
        List<Op> acked = new ArrayList<>();
        Map<Integer, NavigableSet<Long>> finalOffsets = new HashMap<>();
        Map<Integer, Set<String>> finalValues = new HashMap<>();
        Map<Position, Set<String>> valuesAt = new LinkedHashMap<>();
        Map<String, Set<Position>> positionsOf = new LinkedHashMap<>();

        for (Op op : history) {
            if (op.f() == Fn.NEMESIS || op.f() == Fn.ASSIGN) {
                continue;
            }
            switch (op.type()) {
                case INVOKE -> {
                    if (op.f() == Fn.SEND) {
                        sent.add(op.value());
                    }
                }
                case OK -> ok++;
                case FAIL -> failed++;
                case INFO -> indeterminate++;
            }
            if (op.is(Type.OK, Fn.SEND)) {
                acked.add(op);
                see(valuesAt, positionsOf, new Position(op.partition(), op.offset()), op.value());
            }
            if (op.type() == Type.OK && op.reads() != null) {
                for (Read read : op.reads()) {
                    see(valuesAt, positionsOf, new Position(read.partition(), read.offset()), read.value());
                }
            }
            if (op.is(Type.OK, Fn.FINAL_READ)) {
                NavigableSet<Long> offsets = finalOffsets.computeIfAbsent(op.partition(), p -> new TreeSet<>());
                Set<String> values = finalValues.computeIfAbsent(op.partition(), p -> new HashSet<>());
                for (Read read : op.reads()) {
                    offsets.add(read.offset());
                    values.add(read.value());
                }
            }
        }

        for (Op send : acked) {
            Set<String> kept = finalValues.get(send.partition());
            if (kept == null) {
                add(Kind.UNREAD, send.partition(), send.offset(), send.value(), send.process(),
                        "no final read of partition " + send.partition());
            } else if (!kept.contains(send.value())) {
                add(Kind.LOST, send.partition(), send.offset(), send.value(), send.process(),
                        "acknowledged at offset " + send.offset() + ", absent from the final read");
            }
        }
        valuesAt.forEach((position, values) -> {
            if (values.size() > 1) {
                add(Kind.INCONSISTENT, position.partition(), position.offset(), String.join(",", values), null,
                        "values " + values + " at one offset");
            }
        });
        positionsOf.forEach((value, positions) -> {
            if (positions.size() > 1) {
                Position first = positions.iterator().next();
                add(Kind.DUPLICATED, first.partition(), first.offset(), value, null, "at " + positions);
            }
            if (!sent.contains(value)) {
                Position first = positions.iterator().next();
                add(Kind.UNEXPECTED, first.partition(), first.offset(), value, null, "never sent");
            }
        });
        checkSendOrder(history, acked);
        checkPollOrder(history, finalOffsets);
        return new CheckResult(ok, failed, indeterminate, acked.size(), found);
    }

    private static void see(Map<Position, Set<String>> valuesAt, Map<String, Set<Position>> positionsOf,
                            Position position, String value) {
        valuesAt.computeIfAbsent(position, p -> new TreeSet<>()).add(value);
        positionsOf.computeIfAbsent(value, v -> new TreeSet<>(
                (a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                        : Long.compare(a.offset(), b.offset()))).add(position);
    }

    /**
     * One producer's acknowledged writes to one partition sit at offsets that increase in the order it
     * sent them: an idempotent producer keeps that order through retries (KIP-98). The order of the
     * acknowledgements themselves proves nothing: a batch whose first answer was an error is answered
     * again, with its first offset, after later batches were acknowledged.
     */
    private void checkSendOrder(List<Op> history, List<Op> acked) {
        Map<String, Long> sentAt = new HashMap<>(); // value -> index of its invocation
        for (Op op : history) {
            if (op.f() == Fn.SEND && op.type() == Type.INVOKE) {
                sentAt.put(op.value(), op.index());
            }
        }
        List<Op> inSendOrder = acked.stream()
                .sorted(Comparator.comparingLong(op -> sentAt.getOrDefault(op.value(), op.index()))).toList();
        Map<String, Map<Integer, Op>> last = new HashMap<>();
        for (Op send : inSendOrder) {
            Op previous = last.computeIfAbsent(send.process(), p -> new HashMap<>()).put(send.partition(), send);
            if (previous != null && send.offset() <= previous.offset()) {
                add(Kind.NONMONOTONIC_SEND, send.partition(), send.offset(), send.value(), send.process(),
                        "written at offset " + send.offset() + ", though sent after " + previous.value()
                                + " at offset " + previous.offset());
            }
        }
    }

    /**
     * Within one assignment, a consumer reads each partition at increasing offsets and skips none
     * that the final read shows to exist. A new assignment starts over.
     */
    private void checkPollOrder(List<Op> history, Map<Integer, NavigableSet<Long>> finalOffsets) {
        Map<String, Map<Integer, Long>> last = new HashMap<>();
        for (Op op : history) {
            if (op.f() == Fn.ASSIGN) {
                last.remove(op.process());
                continue;
            }
            if (op.type() != Type.OK || op.reads() == null) {
                continue;
            }
            // A final read is a reader of its own: it must be in order and complete as well.
            String reader = op.f() == Fn.FINAL_READ ? "final-read-" + op.index() : op.process();
            Map<Integer, Long> positions = last.computeIfAbsent(reader, p -> new HashMap<>());
            for (Read read : op.reads()) {
                Long previous = positions.put(read.partition(), read.offset());
                if (previous == null) {
                    continue;
                }
                if (read.offset() <= previous) {
                    add(Kind.NONMONOTONIC_POLL, read.partition(), read.offset(), read.value(), op.process(),
                            "read offset " + read.offset() + " after offset " + previous);
                    continue;
                }
                NavigableSet<Long> existing = finalOffsets.get(read.partition());
                Long between = existing == null ? null : existing.higher(previous);
                if (between != null && between < read.offset()) {
                    add(Kind.POLL_SKIP, read.partition(), read.offset(), read.value(), op.process(),
                            "read offset " + read.offset() + " after offset " + previous + ", skipping " + between);
                }
            }
        }
    }

    private void add(Kind kind, int partition, long offset, String value, String process, String detail) {
        found.computeIfAbsent(kind, k -> new ArrayList<>()).add(new Anomaly(kind, partition, offset, value, process,
                detail));
    }
}
