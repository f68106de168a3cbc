package io.skein.metadata.quorum;

import static org.awaitility.Awaitility.await;

import io.skein.proto.metadata.MetadataRecordBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;

/** Real Ratis voters (and listeners) on loopback ports, each with its own data directory. */
final class TestQuorum implements AutoCloseable {
    static final String CLUSTER_ID = "test-cluster";

    private final Path root;
    private final List<Voter> voters;
    private final Map<Integer, QuorumSettings> settings = new TreeMap<>();
    private final Map<Integer, MetadataQuorum> running = new TreeMap<>();

    private TestQuorum(Path root, List<Voter> voters) {
        this.root = root;
        this.voters = voters;
    }

    /** Voters with small log segments, so that snapshots purge the log within a test. */
    static TestQuorum start(Path root, int voterCount, long snapshotEvery) throws IOException {
        List<Voter> voters = new ArrayList<>();
        for (int id = 1; id <= voterCount; id++) {
            voters.add(new Voter(id, "127.0.0.1", freePort()));
        }
        TestQuorum quorum = new TestQuorum(root, voters);
        for (Voter voter : voters) {
            quorum.settings.put(voter.id(), QuorumSettings.of(voter.id(), voter.host(), voter.port(), voters,
                    CLUSTER_ID, root.resolve("node-" + voter.id())).withSnapshots(snapshotEvery, 1024));
            quorum.restart(voter.id());
        }
        return quorum;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Voter> voters() {
        return voters;
    }

    MetadataQuorum node(int id) {
        return running.get(id);
    }

    List<MetadataQuorum> running() {
        return List.copyOf(running.values());
    }

    MetadataQuorum awaitLeader() {
        return await().atMost(Duration.ofSeconds(30)).until(
                () -> running.values().stream().filter(MetadataQuorum::isLeader).findFirst().orElse(null),
                leader -> leader != null);
    }

    /** Where an append through the leader went: the voter that took it and its log index. */
    record Appended(MetadataQuorum leader, long index) {
    }

    /**
     * Appends through whoever leads, again through the next leader if the one found was deposed
     * before it took the batch (Ratis refused it: nothing was appended). Two cores under load can
     * move leadership at any time.
     */
    Appended appendThroughLeader(MetadataRecordBatch batch) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            MetadataQuorum leader = awaitLeader();
            try {
                return new Appended(leader, leader.append(batch).get(30, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                boolean refused = e.getCause() instanceof NotLeaderException
                        || e.getCause() instanceof LeaderNotReadyException;
                if (!refused || System.nanoTime() >= deadline) {
                    throw e;
                }
            }
        }
    }

    void stop(int id) throws IOException {
        running.remove(id).close();
    }

    void restart(int id) throws IOException {
        running.put(id, MetadataQuorum.start(settings.get(id)));
    }

    @Override
    public void close() throws IOException {
        for (MetadataQuorum quorum : running.values()) {
            quorum.close();
        }
        running.clear();
    }
}
