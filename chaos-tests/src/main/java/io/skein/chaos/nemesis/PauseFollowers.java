package io.skein.chaos.nemesis;


import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.chaos.nemesis.ProtocolWatch.PartitionState;
import io.skein.chaos.replica.ReplicaLog;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * {@code pause-followers}: both followers of a partition frozen while writes to it are in flight,
 * held until the ISR has shrunk to the leader alone (observed) or a bound passes; then the leader
 * crashes and its copy of the partition loses what only it held: the log is cut back to where the
 * longer of the frozen followers' logs ends, as a disk that lost its unflushed tail. Healing resumes
 * the followers and restarts the leader, which leads again (it is the whole ISR) or follows.
 *
 * <p>The window: an acks=all write still waiting when the ISR fell below min.insync.replicas was
 * written by the leader alone and must not be acknowledged. Kafka does not even move the high
 * watermark while the ISR is below it (KIP-966), so in Kafka nothing acknowledged or readable is in
 * the part cut off.
 */
final class PauseFollowers implements Fault {
    private static final Duration SHRINK_BOUND = Duration.ofSeconds(20);
    /** How long the leader has to answer waiting producers after the shrink: a correct one answers none. */
    private static final Duration ANSWER_BOUND = Duration.ofSeconds(3);

    private List<ChaosNode> followers = List.of();
    private ChaosNode leader;

    @Override
    public String start(Target target, Random random) throws Exception {
        SkeinCluster cluster = target.cluster();
        String topic = target.watch().topic();
        Optional<PartitionState> struck = target.watch().awaitHealthyPartition(random, info -> true);
        if (struck.isEmpty()) {
            return "pause-followers: " + ProtocolWatch.NONE_HEALTHY;
        }
        int partition = struck.get().partition();
        leader = cluster.node(struck.get().leader());
        followers = struck.get().followers().stream().map(cluster::node).toList();
        long frozenAt = System.nanoTime();
        long mark = target.historyMark();
        followers.forEach(ChaosNode::pause);
        target.note("pause-followers: froze followers " + followers.stream().map(ChaosNode::id).toList() + " of "
                + target.watch().name(partition));
        Optional<PartitionState> shrunk = target.watch().awaitPartition(partition,
                info -> info.isr().equals(List.of(leader.id())), SHRINK_BOUND);
        String observed = shrunk.isPresent()
                ? String.format(Locale.ROOT, "the ISR shrank to [%d] after %.1f s", leader.id(),
                        (System.nanoTime() - frozenAt) / 1e9)
                : "the ISR did not shrink to [" + leader.id() + "] within " + SHRINK_BOUND.toSeconds() + " s (then: "
                + target.watch().describe(partition) + ")";
        // The leader learns of the shrink from its own metadata stream, a moment after the watch: give it
        // that moment to answer the producers waiting on it, as it will.
        target.awaitAcks(partition, target.historyMark(), 1, ANSWER_BOUND);
        long acked = target.ackedSince(partition, mark);
        long followersEnd = 0; // what no follower holds: a write that ends beyond it reached the leader alone
        for (ChaosNode follower : followers) {
            followersEnd = Math.max(followersEnd, ReplicaLog.read(follower.partitionDir(topic, partition)).logEndOffset());
        }
        leader.kill();
        target.note("pause-followers: killed leader " + leader.id() + " of " + target.watch().name(partition));
        long cut = ReplicaLog.read(leader.partitionDir(topic, partition)).truncateTo(followersEnd);
        return String.format(Locale.ROOT, "pause followers %s of %s-%d; %s; %d writes to it acknowledged since the "
                        + "freeze; kill leader %d and cut its log back to offset %d, as far as a follower's log reaches (%d "
                        + "bytes)", followers.stream().map(ChaosNode::id).toList(), topic, partition, observed, acked,
                leader.id(), followersEnd, cut);
    }

    @Override
    public void heal(Target target) {
        followers.forEach(ChaosNode::resume);
        if (leader != null) {
            leader.restart();
        }
    }
}
