package io.skein.broker.group;

import java.util.Locale;
import java.util.Optional;

/** The states of a classic group, under the names DescribeGroups and ListGroups report. */
enum GroupState {
    /** No members; offsets may remain. */
    EMPTY("Empty"),
    /** Waiting for members to (re)join. */
    PREPARING_REBALANCE("PreparingRebalance"),
    /** Joined; waiting for the leader's assignment. */
    COMPLETING_REBALANCE("CompletingRebalance"),
    /** Every member has its assignment. */
    STABLE("Stable"),
    /** Deleted, or moved to another coordinator; no operation succeeds on it. */
    DEAD("Dead");

    private final String kafkaName;

    GroupState(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    String kafkaName() {
        return kafkaName;
    }

    /** The state a ListGroups states filter names, case-insensitively as Kafka matches. */
    static Optional<GroupState> parse(String name) {
        for (GroupState state : values()) {
            if (state.kafkaName.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }
}
