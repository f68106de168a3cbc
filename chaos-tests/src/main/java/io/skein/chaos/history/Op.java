package io.skein.chaos.history;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;

/**
 * One entry of a history, Jepsen style: an operation is invoked, then completes as ok, fail (it
 * certainly did not happen) or info (it may or may not have happened). Entries are in real-time
 * order; {@code index} counts them and {@code timeNanos} is measured from the history's start.
 *
 * @param process   who did it: a client ("producer-1", "consumer-2") or "nemesis"
 * @param partition the partition written (send) or read (final read); null otherwise
 * @param value     the value written (send), or what a nemesis did
 * @param offset    where an acknowledged send landed
 * @param reads     what a poll or a final read returned, in the order returned; what a transaction polled
 * @param error     why a send, poll or transaction failed, or was indeterminate
 * @param writes    a transaction's sends, in the order sent, with their offsets where they were acknowledged
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Op(long index, long timeNanos, String process, Type type, Fn f, Integer partition, String value,
                 Long offset, List<Read> reads, String error, List<Write> writes) {

    public enum Type {
        INVOKE, OK, FAIL, INFO;

        @JsonValue
        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Type of(String json) {
            return valueOf(json.toUpperCase(Locale.ROOT));
        }
    }

    public enum Fn {
        /** A producer's write of one unique value to one partition. */
        SEND,
        /**
         * A transaction: its sends (several unique values over several partitions) and, consuming, what it
         * polled; ok if it committed, fail if it certainly did not (aborted, or never asked to commit), info
         * if the commit's outcome is unknown.
         */
        TXN,
        /**
         * A transactional producer is about to commit its transaction under way (EndTxn, 100 ms later): a
         * moment, recorded as info, for faults to strike at; the transaction's own op says how it ended.
         */
        COMMIT,
        /** A consumer's poll: the records it returned. */
        POLL,
        /** A consumer's partitions changed (subscribe, rebalance, assign): where it reads from restarts. */
        ASSIGN,
        /** After every fault healed, a read of a whole partition from its start. */
        FINAL_READ,
        /** A fault, invoked when it starts and ok when it heals. */
        NEMESIS;

        @JsonValue
        public String json() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        @JsonCreator
        public static Fn of(String json) {
            return valueOf(json.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /** One record a consumer saw. */
    public record Read(int partition, long offset, String value) {
    }

    /** One send of a transaction; {@code offset} is null until (unless) it was acknowledged. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Write(int partition, String value, Long offset) {
    }

    public boolean is(Type wanted, Fn fn) {
        return type == wanted && f == fn;
    }

    /**
     * The writes this operation made durable and visible, as the producer was told: an acknowledged send's,
     * a committed transaction's; none for anything else.
     */
    public List<Write> acknowledgedWrites() {
        if (type != Type.OK) {
            return List.of();
        }
        return switch (f) {
            case SEND -> List.of(new Write(partition, value, offset));
            case TXN -> writes;
            default -> List.of();
        };
    }
}
