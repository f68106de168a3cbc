package io.skein.chaos.checker;

import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.chaos.history.Op.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Transactions seen in part ({@link Kind#TORN}). A reader that has read past every offset a transaction
 * wrote, in every partition it wrote, has seen all of it or none of it, whether the transaction committed
 * or its outcome is unknown. (A reader still short of one of them may have seen part of it: the markers
 * reach the partitions one by one. An aborted transaction seen at all is an aborted read.)
 */
final class TornTransactions {
    /** Where an anomaly goes: {@code Checker#add}. */
    interface Sink {
        void add(Kind kind, int partition, long offset, String value, String process, String detail);
    }

    private TornTransactions() {
    }

    /** Reports each torn transaction once, naming the first reading that saw it torn. */
    static void check(List<Written> written, List<ReaderView> readers, Sink sink) {
        Map<Long, List<Written>> transactions = new LinkedHashMap<>();
        for (Written write : written) {
            if (write.outcome() != Type.FAIL) {
                transactions.computeIfAbsent(write.completed(), op -> new ArrayList<>()).add(write);
            }
        }
        transactions.values().stream().filter(writes -> writes.size() > 1).forEach(writes -> {
            for (ReaderView reader : readers) {
                if (!writes.stream().allMatch(write -> reader.passed(write.partition(), write.offset()))) {
                    continue;
                }
                List<Written> seen = writes.stream().filter(write -> reader.saw(write.value())).toList();
                if (!seen.isEmpty() && seen.size() < writes.size()) {
                    Written missing = writes.stream().filter(write -> !reader.saw(write.value())).findFirst()
                            .orElseThrow();
                    sink.add(Kind.TORN, missing.partition(), missing.offset() == null ? -1 : missing.offset(),
                            missing.value(), missing.process(), String.format("a transaction %s (history op %d) wrote "
                                    + "%s; %s read past all of it but saw only %s", missing.outcome() == Type.OK
                                    ? "that committed" : "of unknown outcome", missing.completed(), describe(writes),
                                    reader.reader(), describe(seen)));
                    return;
                }
            }
        });
    }

    /** Value at partition:offset, "?" for an offset never acknowledged: "[a at 0:5, b at 1:?]". */
    private static String describe(List<Written> writes) {
        return writes.stream().map(write -> write.value() + " at " + write.partition() + ":"
                + (write.offset() == null ? "?" : write.offset())).collect(Collectors.joining(", ", "[", "]"));
    }
}
