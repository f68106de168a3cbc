package io.skein.chaos.nemesis;


import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.chaos.nemesis.ProtocolWatch.PartitionState;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * {@code unclean-election}, for unsafe configurations only (acks=1, unclean.leader.election.enable):
 * both followers of a partition frozen until the leader alone has acknowledged writes (seen in the
 * history) and the ISR is the leader alone; then the leader dies and the followers come back, and the
 * controller elects one of them, out of the ISR, without those writes. Healing restarts the old
 * leader, which must truncate to the new leader's log. The checks must report the acknowledged
 * writes lost: a negative control.
 */
final class UncleanElection implements Fault {
    private static final Duration ACKS_BOUND = Duration.ofSeconds(20);
    private static final int ACKS_WANTED = 20;
    private static final Duration ELECTION_BOUND = Duration.ofSeconds(60);

    private ChaosNode leader;

    @Override
    public String start(Target target, Random random) throws Exception {
        SkeinCluster cluster = target.cluster();
        Optional<PartitionState> struck = target.watch().awaitHealthyPartition(random, info -> true);
        if (struck.isEmpty()) {
            return "unclean-election: " + ProtocolWatch.NONE_HEALTHY;
        }
        int partition = struck.get().partition();
        String name = target.watch().name(partition);
        leader = cluster.node(struck.get().leader());
        List<ChaosNode> followers = struck.get().followers().stream().map(cluster::node).toList();
        long frozenAt = target.historyMark();
        followers.forEach(ChaosNode::pause);
        Optional<Long> acked = target.awaitAcks(partition, frozenAt, ACKS_WANTED, ACKS_BOUND);
        Optional<PartitionState> shrunk = target.watch().awaitPartition(partition,
                info -> info.isr().equals(List.of(leader.id())), ACKS_BOUND);
        leader.kill();
        followers.forEach(ChaosNode::resume);
        Optional<PartitionState> elected = target.watch().awaitPartition(partition,
                info -> info.leader() >= 0 && info.leader() != leader.id(), ELECTION_BOUND);
        return String.format(Locale.ROOT, "pause followers %s of %s: %s acknowledged by leader %d alone, %s; kill %d, "
                        + "resume the followers: %s", followers.stream().map(ChaosNode::id).toList(), name,
                acked.map(count -> count + " writes").orElse("fewer than " + ACKS_WANTED + " writes"), leader.id(),
                shrunk.isPresent() ? "the ISR shrank to it" : "the ISR did not shrink to it",
                leader.id(), elected.map(info -> "node " + info.leader() + " elected").orElse("no leader elected within "
                        + ELECTION_BOUND.toSeconds() + " s"));
    }

    @Override
    public void heal(Target target) {
        if (leader != null) {
            leader.restart();
        }
    }
}
