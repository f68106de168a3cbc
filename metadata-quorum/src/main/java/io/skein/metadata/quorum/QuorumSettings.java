package io.skein.metadata.quorum;

import io.skein.metadata.tls.TlsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a controller takes part in the metadata quorum, as one of its voters.
 *
 * @param nodeId            this node's id, one of {@code voters}
 * @param host              the host its Ratis server listens on
 * @param port              its Ratis port, as in {@code voters}
 * @param voters            the controllers, as in {@code controller.quorum.voters}
 * @param clusterId         names the Ratis group, so nodes of two clusters never join each other
 * @param dataDir           where the metadata log and snapshots live
 * @param snapshotEvery     log entries between automatic snapshots; the log is purged behind them
 * @param segmentBytes      size of a log segment file; only whole (closed) segments are purged
 * @param electionTimeout   minimum Raft election timeout (the maximum is twice it)
 * @param tls               the controller listener's TLS, for Raft between the voters and for the
 *                          controller service; empty for plaintext
 */
public record QuorumSettings(int nodeId, String host, int port, List<Voter> voters, String clusterId,
                             Path dataDir, long snapshotEvery, long segmentBytes, Duration electionTimeout,
                             Optional<TlsSettings> tls) {
    /**
     * The default of {@code controller.quorum.election.timeout.ms}, Kafka's 1000 ms: what a node runs
     * with. 100 ms made a quorum of two live voters on a loaded machine lose its leader again and
     * again, and Ratis steps a leader down after a JVM pause longer than the maximum (twice this).
     */
    public static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofMillis(1000);

    public QuorumSettings {
        voters = List.copyOf(voters);
        if (voters.stream().noneMatch(v -> v.id() == nodeId)) {
            throw new IllegalArgumentException("Node " + nodeId + " is not among the voters " + voters);
        }
    }

    /** Defaults: a snapshot every 10,000 entries, 8 MiB log segments, the default election timeout, plaintext. */
    public static QuorumSettings of(int nodeId, String host, int port, List<Voter> voters, String clusterId,
                                    Path dataDir) {
        return new QuorumSettings(nodeId, host, port, voters, clusterId, dataDir, 10_000, 8 << 20,
                DEFAULT_ELECTION_TIMEOUT, Optional.empty());
    }

    public QuorumSettings withSnapshots(long everyEntries, long segmentBytes) {
        return new QuorumSettings(nodeId, host, port, voters, clusterId, dataDir, everyEntries, segmentBytes,
                electionTimeout, tls);
    }

    public QuorumSettings withElectionTimeout(Duration timeout) {
        return new QuorumSettings(nodeId, host, port, voters, clusterId, dataDir, snapshotEvery, segmentBytes, timeout,
                tls);
    }

    /** Raft and the controller service over TLS with {@code settings}. */
    public QuorumSettings withTls(TlsSettings settings) {
        return new QuorumSettings(nodeId, host, port, voters, clusterId, dataDir, snapshotEvery, segmentBytes,
                electionTimeout, Optional.of(settings));
    }
}
