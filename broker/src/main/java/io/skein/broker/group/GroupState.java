package io.skein.broker.group;

import java.util.Locale;
import java.util.Optional;

/**
 * The states of a classic group, under the names DescribeGroups and ListGroups report, and the
 * transitions between them that Kafka's {@code ClassicGroupState} allows.
 */
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

    /** Whether a group may enter this state from {@code previous}. */
    boolean canFollow(GroupState previous) {
        return switch (this) {
            case EMPTY -> previous == PREPARING_REBALANCE;
            case PREPARING_REBALANCE -> previous == STABLE || previous == COMPLETING_REBALANCE || previous == EMPTY;
            case COMPLETING_REBALANCE -> previous == PREPARING_REBALANCE;
            case STABLE -> previous == COMPLETING_REBALANCE;
            case DEAD -> true;
        };
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
