package io.skein.broker.txn;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.errors.InvalidRegularExpression;

/**
 * Which transactional ids ListTransactions asks for, with Kafka's semantics: an empty set of producer
 * ids means any; states, when given, are the only ones listed (so a filter naming only states Kafka
 * does not know lists nothing); with {@code minDurationMs} at 0 or more only ids whose current
 * transaction started more than that long ago, measured as Kafka does from the transaction start time
 * (-1 without one, so an id with no transaction passes); the pattern must match the whole id. Ids
 * being forgotten (Dead) are never listed.
 *
 * @param states          empty: any state
 * @param transactionalId empty: any id; a RE2 pattern, as Kafka's (linear time, whatever a client sends)
 */
public record TransactionFilter(Set<Long> producerIds, Optional<Set<TransactionState>> states, long minDurationMs,
                                Optional<Pattern> transactionalId) {
    public static final TransactionFilter ALL = new TransactionFilter(Set.of(), Optional.empty(), -1, Optional.empty());

    public TransactionFilter {
        producerIds = Set.copyOf(producerIds);
        states = states.map(Set::copyOf);
    }

    /**
     * A transactional id pattern as Kafka's brokers read it: none if null or empty, else RE2.
     *
     * @throws InvalidRegularExpression with Kafka's message if it does not compile
     */
    public static Optional<Pattern> transactionalIdPattern(String pattern) {
        if (pattern == null || pattern.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Pattern.compile(pattern));
        } catch (PatternSyntaxException e) {
            throw new InvalidRegularExpression("Transaction ID pattern `" + pattern
                    + "` is not a valid regular expression: " + e.getMessage() + ".");
        }
    }

    boolean matches(TransactionMetadata transaction, long nowMs) {
        return transaction.state() != TransactionState.DEAD
                && (producerIds.isEmpty() || producerIds.contains(transaction.producerId()))
                && states.map(wanted -> wanted.contains(transaction.state())).orElse(true)
                && (minDurationMs < 0 || nowMs - transaction.txnStartTimestamp() > minDurationMs)
                && transactionalId.map(p -> p.matches(transaction.transactionalId())).orElse(true);
    }
}
