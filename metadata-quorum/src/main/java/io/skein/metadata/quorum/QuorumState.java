package io.skein.metadata.quorum;

import java.util.List;

/** The metadata quorum as one node sees it (DescribeQuorum). */
public record QuorumState(int leaderId, long term, long commitIndex, List<Replica> voters, List<Replica> listeners) {
    /** A member and the last log index known to be replicated to it (-1 if unknown). */
    public record Replica(int nodeId, long logEndIndex) {
    }
}
