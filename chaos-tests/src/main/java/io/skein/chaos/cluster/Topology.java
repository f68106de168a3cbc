package io.skein.chaos.cluster;

import java.util.stream.IntStream;

/**
 * How a cluster's nodes share the roles: every node both broker and voter ({@code combined}), or
 * voters apart from brokers (controller-only nodes 1..voters, then broker-only nodes). Apart, a
 * frozen broker stops no voter, and no broker's metadata stream.
 */
public record Topology(int voters, int brokers, boolean combined) {
    public Topology {
        if (voters < 1 || brokers < 1 || combined && voters != brokers) {
            throw new IllegalArgumentException("A cluster needs voters and brokers: " + voters + ", " + brokers);
        }
    }

    /** {@code nodes} nodes, each a broker and a voter. */
    public static Topology combined(int nodes) {
        return new Topology(nodes, nodes, true);
    }

    /** {@code voters} controller-only nodes and {@code brokers} broker-only nodes. */
    public static Topology split(int voters, int brokers) {
        return new Topology(voters, brokers, false);
    }

    public int size() {
        return combined ? brokers : voters + brokers;
    }

    public boolean isVoter(int id) {
        return id <= voters;
    }

    public boolean isBroker(int id) {
        return combined || id > voters;
    }

    public IntStream voterIds() {
        return IntStream.rangeClosed(1, voters);
    }

    @Override
    public String toString() {
        return combined ? voters + " nodes" : voters + " controllers + " + brokers + " brokers";
    }
}
