package io.skein.metadata.quorum;

import java.util.List;

/** The metadata quorum as one node sees it (DescribeQuorum). */
public record QuorumState(int leaderId, long term, long commitIndex, List<Replica> voters) {
    /**
     * A voter, the last log index known to be replicated to it (-1 if unknown) and how long ago the
     * leader last heard from it (its last answer to the leader's appends; 0 for the leader itself, -1
     * if unknown: only the leader knows).
     */
    public record Replica(int nodeId, long logEndIndex, long lastContactElapsedMs) {
    }
}
