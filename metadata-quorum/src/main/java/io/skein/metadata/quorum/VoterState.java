package io.skein.metadata.quorum;

/**
 * One voter's own view of the quorum: its Ratis role (LEADER, FOLLOWER, CANDIDATE or LISTENER),
 * the term it is in, how far it knows the log committed, and how far its state machine applied it.
 */
public record VoterState(int nodeId, String role, long term, long commitIndex, long appliedIndex, int leaderId) {
}
