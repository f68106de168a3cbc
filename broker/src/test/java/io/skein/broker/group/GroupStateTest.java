package io.skein.broker.group;

import static io.skein.broker.group.GroupState.COMPLETING_REBALANCE;
import static io.skein.broker.group.GroupState.DEAD;
import static io.skein.broker.group.GroupState.EMPTY;
import static io.skein.broker.group.GroupState.PREPARING_REBALANCE;
import static io.skein.broker.group.GroupState.STABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A classic group's state machine: the transitions Kafka's ClassicGroupState allows, and no other. */
class GroupStateTest {
    /** Kafka's valid previous states of each state, written out here rather than read from the code under test. */
    private static final Map<GroupState, Set<GroupState>> VALID_PREVIOUS = Map.of(
            EMPTY, Set.of(PREPARING_REBALANCE),
            PREPARING_REBALANCE, Set.of(STABLE, COMPLETING_REBALANCE, EMPTY),
            COMPLETING_REBALANCE, Set.of(PREPARING_REBALANCE),
            STABLE, Set.of(COMPLETING_REBALANCE),
            DEAD, Set.of(STABLE, PREPARING_REBALANCE, COMPLETING_REBALANCE, EMPTY, DEAD));

    /** The legal path from a new (Empty) group to each state. */
    private static final Map<GroupState, List<GroupState>> PATH = Map.of(
            EMPTY, List.of(),
            PREPARING_REBALANCE, List.of(PREPARING_REBALANCE),
            COMPLETING_REBALANCE, List.of(PREPARING_REBALANCE, COMPLETING_REBALANCE),
            STABLE, List.of(PREPARING_REBALANCE, COMPLETING_REBALANCE, STABLE),
            DEAD, List.of(DEAD));

    private static ClassicGroup groupIn(GroupState state) {
        ClassicGroup group = new ClassicGroup("g", 0);
        PATH.get(state).forEach(next -> group.transitionTo(next, 1));
        assertEquals(state, group.state());
        return group;
    }

    @Test
    void everyLegalTransitionIsTakenAndStampsTheTime() {
        for (GroupState to : GroupState.values()) {
            for (GroupState from : VALID_PREVIOUS.get(to)) {
                ClassicGroup group = groupIn(from);
                group.transitionTo(to, 42);
                assertEquals(to, group.state(), from + " -> " + to);
                assertEquals(42, group.stateTimestamp());
            }
        }
    }

    @Test
    void everyIllegalTransitionIsRefusedAndChangesNothing() {
        int refused = 0;
        for (GroupState to : GroupState.values()) {
            for (GroupState from : GroupState.values()) {
                if (VALID_PREVIOUS.get(to).contains(from)) {
                    continue;
                }
                ClassicGroup group = groupIn(from);
                long before = group.stateTimestamp();
                assertThrows(IllegalStateException.class, () -> group.transitionTo(to, 42), from + " -> " + to);
                assertEquals(from, group.state());
                assertEquals(before, group.stateTimestamp());
                refused++;
            }
        }
        assertEquals(14, refused, "25 pairs, 11 of them legal");
    }
}
