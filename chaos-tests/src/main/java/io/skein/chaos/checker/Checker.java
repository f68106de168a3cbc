package io.skein.chaos.checker;

import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Read;
import io.skein.chaos.history.Op.Type;
import io.skein.chaos.history.Op.Write;
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
 * decidable. Sends of their own and transactions' sends are judged alike: what was acknowledged
 * (a send's answer, a transaction's commit) must be kept; what certainly was not written (an aborted
 * transaction's) must never be read; and a transaction is seen whole or not at all.
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
        Map<String, Long> sendInvokedAt = new HashMap<>(); // a send's value -> its invocation
        Map<String, Long> txnInvokedAt = new HashMap<>(); // a process -> its transaction under way
        List<Written> written = new ArrayList<>();
        Map<Integer, NavigableSet<Long>> finalOffsets = new HashMap<>();
        Map<Integer, Set<String>> finalValues = new HashMap<>();
        Map<Position, Set<String>> valuesAt = new LinkedHashMap<>();
        Map<String, Set<Position>> positionsOf = new LinkedHashMap<>();

        for (Op op : history) {
            if (op.f() == Fn.NEMESIS || op.f() == Fn.ASSIGN || op.f() == Fn.COMMIT) {
                continue;
            }
            switch (op.type()) {
                case INVOKE -> {
                    if (op.f() == Fn.SEND) {
                        sent.add(op.value());
                        sendInvokedAt.put(op.value(), op.index());
                    } else if (op.f() == Fn.TXN) {
                        op.writes().forEach(write -> sent.add(write.value()));
                        txnInvokedAt.put(op.process(), op.index());
                    }
                }
                case OK -> ok++;
                case FAIL -> failed++;
                case INFO -> indeterminate++;
            }
            if (op.type() != Type.INVOKE && op.f() == Fn.SEND) {
                written.add(new Written(op.process(), sendInvokedAt.getOrDefault(op.value(), op.index()), 0,
                        op.index(), op.partition(), op.value(), op.offset(), op.type()));
            } else if (op.type() != Type.INVOKE && op.f() == Fn.TXN) {
                long invokedAt = txnInvokedAt.getOrDefault(op.process(), op.index());
                for (int i = 0; i < op.writes().size(); i++) {
                    Write write = op.writes().get(i);
                    written.add(new Written(op.process(), invokedAt, i, op.index(), write.partition(), write.value(),
                            write.offset(), op.type()));
                }
            }
            for (Read read : observed(op)) {
                see(valuesAt, positionsOf, new Position(read.partition(), read.offset()), read.value());
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
        // Wherever a write was acknowledged, its record is in the log, even an aborted transaction's.
        for (Written write : written) {
            if (write.offset() != null) {
                see(valuesAt, positionsOf, new Position(write.partition(), write.offset()), write.value());
            }
        }

        List<Written> acked = written.stream().filter(write -> write.outcome() == Type.OK).toList();
        for (Written write : acked) {
            Set<String> kept = finalValues.get(write.partition());
            if (kept == null) {
                add(Kind.UNREAD, write.partition(), offsetOrMinus1(write), write.value(), write.process(),
                        "no final read of partition " + write.partition());
            } else if (!kept.contains(write.value())) {
                add(Kind.LOST, write.partition(), offsetOrMinus1(write), write.value(), write.process(),
                        "acknowledged" + (write.offset() == null ? "" : " at offset " + write.offset())
                                + ", absent from the final read");
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
        checkAbortedReads(history, written);
        checkReprocessed(history);
        TornTransactions.check(written, ReaderView.of(history), this::add);
        checkSendOrder(acked);
        checkPollOrder(history, finalOffsets);
        return new CheckResult(ok, failed, indeterminate, acked.size(), found);
    }

    /**
     * What an operation shows consumers saw: an ok poll's or final read's records, and what a transaction
     * polled, whatever became of the transaction (the consumer saw them all the same).
     */
    static List<Read> observed(Op op) {
        boolean seen = op.type() == Type.OK || op.f() == Fn.TXN && op.type() != Type.INVOKE;
        return seen && op.reads() != null ? op.reads() : List.of();
    }

    private static long offsetOrMinus1(Written write) {
        return write.offset() == null ? -1 : write.offset();
    }

    private static void see(Map<Position, Set<String>> valuesAt, Map<String, Set<Position>> positionsOf,
                            Position position, String value) {
        valuesAt.computeIfAbsent(position, p -> new TreeSet<>()).add(value);
        positionsOf.computeIfAbsent(value, v -> new TreeSet<>(
                (a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                        : Long.compare(a.offset(), b.offset()))).add(position);
    }

    /** Values of writes that certainly did not happen, each reported once, with who read it and how often. */
    private void checkAbortedReads(List<Op> history, List<Written> written) {
        Map<String, Written> aborted = new HashMap<>();
        written.stream().filter(write -> write.outcome() == Type.FAIL).forEach(write -> aborted.put(write.value(), write));
        Map<String, List<String>> readers = new LinkedHashMap<>(); // value -> "reader at offset N", in read order
        Map<String, Read> firstRead = new HashMap<>();
        for (Op op : history) {
            for (Read read : observed(op)) {
                if (aborted.containsKey(read.value())) {
                    firstRead.putIfAbsent(read.value(), read);
                    readers.computeIfAbsent(read.value(), v -> new ArrayList<>())
                            .add(op.process() + " at offset " + read.offset());
                }
            }
        }
        readers.forEach((value, by) -> {
            Written write = aborted.get(value);
            Read first = firstRead.get(value);
            add(Kind.ABORTED_READ, first.partition(), first.offset(), value, write.process(),
                    "written by a transaction that did not commit (history op " + write.completed() + "), read by "
                            + by.get(0) + (by.size() > 1 ? " and " + (by.size() - 1) + " more time(s)" : ""));
        });
    }

    /** Values polled by more than one committed transaction (a consume-transform-produce member's). */
    private void checkReprocessed(List<Op> history) {
        Map<String, List<Op>> consumedBy = new LinkedHashMap<>();
        Map<String, Read> firstRead = new HashMap<>();
        for (Op op : history) {
            if (op.is(Type.OK, Fn.TXN) && op.reads() != null) {
                for (Read read : op.reads()) {
                    firstRead.putIfAbsent(read.value(), read);
                    consumedBy.computeIfAbsent(read.value(), v -> new ArrayList<>()).add(op);
                }
            }
        }
        consumedBy.forEach((value, transactions) -> {
            if (transactions.size() > 1) {
                Read read = firstRead.get(value);
                add(Kind.REPROCESSED, read.partition(), read.offset(), value, transactions.get(1).process(),
                        "consumed by the committed transactions of " + transactions.stream()
                                .map(op -> op.process() + " (history op " + op.index() + ")").toList());
            }
        });
    }

    /**
     * One producer's acknowledged writes to one partition sit at offsets that increase in the order it
     * sent them: an idempotent producer keeps that order through retries (KIP-98), and a transactional one
     * across its transactions. The order of the acknowledgements themselves proves nothing: a batch whose
     * first answer was an error is answered again, with its first offset, after later batches were
     * acknowledged.
     */
    private void checkSendOrder(List<Written> acked) {
        List<Written> inSendOrder = acked.stream().filter(write -> write.offset() != null)
                .sorted(Comparator.comparingLong(Written::invokedAt).thenComparingInt(Written::inTxn)).toList();
        Map<String, Map<Integer, Written>> last = new HashMap<>();
        for (Written send : inSendOrder) {
            Written previous = last.computeIfAbsent(send.process(), p -> new HashMap<>()).put(send.partition(), send);
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
            // A final read is a reader of its own: it must be in order and complete as well.
            String reader = op.f() == Fn.FINAL_READ ? "final-read-" + op.index() : op.process();
            for (Read read : observed(op)) {
                Long previous = last.computeIfAbsent(reader, p -> new HashMap<>()).put(read.partition(), read.offset());
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
