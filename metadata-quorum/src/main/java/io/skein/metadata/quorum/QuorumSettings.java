package io.skein.metadata.quorum;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a node takes part in the metadata quorum.
 *
 * @param nodeId            this node's id; a voter's must be among {@code voters}
 * @param voter             whether it votes (a controller) or only follows (a broker)
 * @param host              the host its Ratis server listens on
 * @param port              its Ratis port (for a voter, the one in {@code voters})
 * @param voters            the controllers, as in {@code controller.quorum.voters}
 * @param clusterId         names the Ratis group, so nodes of two clusters never join each other
 * @param dataDir           where the metadata log and snapshots live
 * @param snapshotEvery     log entries between automatic snapshots; the log is purged behind them
 * @param segmentBytes      size of a log segment file; only whole (closed) segments are purged
 * @param electionTimeout   minimum Raft election timeout (the maximum is twice it)
 */
public record QuorumSettings(int nodeId, boolean voter, String host, int port, List<Voter> voters, String clusterId,
                             Path dataDir, long snapshotEvery, long segmentBytes, Duration electionTimeout) {
    public QuorumSettings {
        voters = List.copyOf(voters);
        if (voter && voters.stream().noneMatch(v -> v.id() == nodeId)) {
            throw new IllegalArgumentException("Node " + nodeId + " is not among the voters " + voters);
        }
    }

    /** Defaults: a snapshot every 10,000 entries, 8 MiB log segments, Ratis's 150 ms election timeout. */
    public static QuorumSettings of(int nodeId, boolean voter, String host, int port, List<Voter> voters,
                                    String clusterId, Path dataDir) {
        return new QuorumSettings(nodeId, voter, host, port, voters, clusterId, dataDir, 10_000, 8 << 20,
                Duration.ofMillis(150));
    }

    public QuorumSettings withSnapshots(long everyEntries, long segmentBytes) {
        return new QuorumSettings(nodeId, voter, host, port, voters, clusterId, dataDir, everyEntries, segmentBytes,
                electionTimeout);
    }
}
