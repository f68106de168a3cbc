package io.skein.chaos.checker;

import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Read;
import io.skein.chaos.history.Op.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one continuous reading saw: a consumer between two assignments, which reads each partition
 * forward from where it started, or the final read, which read every partition whole. It has read
 * <em>past</em> an offset if it started at or below it and reached it or beyond: whatever visible record
 * sits there, it must have seen.
 */
final class ReaderView {
    private final String reader;
    /** Partition to the lowest and highest offsets read in it. */
    private final Map<Integer, long[]> spans = new HashMap<>();
    /** Partitions read from their start to their end. */
    private final Set<Integer> whole = new HashSet<>();
    private final Set<String> values = new HashSet<>();

    ReaderView(String reader) {
        this.reader = reader;
    }

    /**
     * The readings of a history: each consumer's, one per assignment (a new one starts where the group or
     * a seek puts it), and the final read's, all of whose ok reads of whole partitions count as one reading.
     */
    static List<ReaderView> of(List<Op> history) {
        List<ReaderView> views = new ArrayList<>();
        Map<String, ReaderView> current = new HashMap<>();
        ReaderView finalRead = new ReaderView("the final read");
        views.add(finalRead);
        for (Op op : history) {
            if (op.f() == Fn.ASSIGN) {
                current.remove(op.process());
            } else if (op.is(Type.OK, Fn.FINAL_READ)) {
                finalRead.readWhole(op.partition());
                op.reads().forEach(finalRead::read);
            } else if (op.f() != Fn.FINAL_READ) {
                for (Read read : Checker.observed(op)) {
                    current.computeIfAbsent(op.process(), process -> {
                        ReaderView view = new ReaderView(process + " (reading since history op " + op.index() + ")");
                        views.add(view);
                        return view;
                    }).read(read);
                }
            }
        }
        return views;
    }

    String reader() {
        return reader;
    }

    void read(Read read) {
        values.add(read.value());
        long[] span = spans.computeIfAbsent(read.partition(), p -> new long[] {read.offset(), read.offset()});
        span[0] = Math.min(span[0], read.offset());
        span[1] = Math.max(span[1], read.offset());
    }

    /** The whole of {@code partition} was read (an ok final read). */
    void readWhole(int partition) {
        whole.add(partition);
    }

    /** Whether it read past {@code offset} of {@code partition}; an unknown offset only a whole read passes. */
    boolean passed(int partition, Long offset) {
        if (whole.contains(partition)) {
            return true;
        }
        long[] span = spans.get(partition);
        return span != null && offset != null && span[0] <= offset && offset <= span[1];
    }

    boolean saw(String value) {
        return values.contains(value);
    }
}
