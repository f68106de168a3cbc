package io.skein.server.history;

/** A broker whose samples a cluster-wide answer lacks, and why. */
public record MissingNode(int nodeId, String reason) {
}
