package io.skein.chaos.report;

import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A history seen over time, for the report's picture: acknowledged writes per second, each send's (or
 * transaction's) latency, and the windows during which a fault was in force.
 *
 * @param seconds       the run's length, rounded up
 * @param ackedPerSecond writes acknowledged (sends acknowledged, transactions' sends committed) in each second
 * @param latencies     each completed send or transaction: when it completed and how long it took, in ms
 * @param faults        each fault: what it was, when it started and healed (ms; healed = end of run if never)
 * @param notes         what faults observed besides (a broker that deleted a log, say)
 */
record Timeline(int seconds, long[] ackedPerSecond, List<Latency> latencies, List<Fault> faults,
                List<String> notes) {

    record Latency(double atMs, double tookMs, Type outcome) {
    }

    record Fault(String what, double fromMs, double toMs) {
    }

    static Timeline of(List<Op> history) {
        double endMs = history.isEmpty() ? 0 : history.get(history.size() - 1).timeNanos() / 1e6;
        int seconds = (int) Math.ceil(endMs / 1000) + 1;
        long[] acked = new long[seconds];
        List<Latency> latencies = new ArrayList<>();
        List<Fault> faults = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        // Values are unique: they pair a send's invocation and completion; a producer has one transaction at a time.
        Map<String, Op> pending = new HashMap<>();
        Map<String, Op> activeFaults = new HashMap<>();
        for (Op op : history) {
            double atMs = op.timeNanos() / 1e6;
            if (op.f() == Fn.SEND || op.f() == Fn.TXN) {
                String key = op.f() == Fn.SEND ? op.value() : op.process();
                if (op.type() == Type.INVOKE) {
                    pending.put(key, op);
                } else {
                    Op invoked = pending.remove(key);
                    if (invoked != null) {
                        latencies.add(new Latency(atMs, atMs - invoked.timeNanos() / 1e6, op.type()));
                    }
                    acked[(int) (atMs / 1000)] += op.acknowledgedWrites().size();
                }
            } else if (op.f() == Fn.NEMESIS) {
                if (op.type() == Type.INFO) {
                    notes.add(op.value());
                } else if (op.type() == Type.INVOKE) {
                    activeFaults.put(op.value(), op);
                } else {
                    Op started = activeFaults.remove(op.value());
                    if (started != null) {
                        faults.add(new Fault(op.value(), started.timeNanos() / 1e6, atMs));
                    }
                }
            }
        }
        activeFaults.values().forEach(started -> faults.add(new Fault(started.value(), started.timeNanos() / 1e6, endMs)));
        return new Timeline(seconds, acked, latencies, faults, notes);
    }
}
