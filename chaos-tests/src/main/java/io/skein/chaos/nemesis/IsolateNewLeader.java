package io.skein.chaos.nemesis;


import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.chaos.nemesis.ProtocolWatch.PartitionState;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * {@code isolate-new-leader}: a partition's leader is frozen, which makes the controller elect
 * another; the moment that election shows, the new leader is cut off, from its peers only (it takes
 * clients' writes that no one can replicate) or from clients too (its epoch stays empty). The deposed
 * leader then resumes, with whatever it had not replicated, while the new one is still cut off, and
 * a third election follows. Healing reconnects the new leader.
 *
 * <p>The windows: a follower must get past a leader epoch in which nothing was written; a deposed
 * leader and an isolated one must both truncate what the epoch after theirs does not hold.
 */
final class IsolateNewLeader implements Fault {
    private static final Duration ELECTION_BOUND = Duration.ofSeconds(30);

    private ChaosNode deposed;
    private boolean deposedResumed;

    @Override
    public String start(Target target, Random random) throws Exception {
        SkeinCluster cluster = target.cluster();
        Optional<PartitionState> struck = target.watch().awaitHealthyPartition(random, info -> true);
        if (struck.isEmpty()) {
            return "isolate-new-leader: " + ProtocolWatch.NONE_HEALTHY;
        }
        int partition = struck.get().partition();
        String name = target.watch().name(partition);
        deposed = cluster.node(struck.get().leader());
        deposedResumed = false;
        long pausedAt = System.nanoTime();
        deposed.pause();
        Optional<PartitionState> elected = target.watch().awaitPartition(partition,
                info -> info.leader() >= 0 && info.leader() != deposed.id(), ELECTION_BOUND);
        if (elected.isEmpty()) {
            return "pause leader " + deposed.id() + " of " + name + "; no other leader within "
                    + ELECTION_BOUND.toSeconds() + " s (then: " + target.watch().describe(partition) + ")";
        }
        ChaosNode isolated = cluster.node(elected.get().leader());
        boolean fromClients = random.nextBoolean();
        if (fromClients) {
            isolated.isolateFromEveryone();
        } else {
            isolated.cutFrom(Fault.others(cluster, isolated));
        }
        deposed.resume();
        deposedResumed = true;
        return String.format(Locale.ROOT, "pause leader %d of %s; node %d elected after %.1f s: cut it off from %s "
                        + "at once; resume %d", deposed.id(), name, isolated.id(), (System.nanoTime() - pausedAt) / 1e9,
                fromClients ? "everyone, clients too" : "its peers", deposed.id());
    }

    @Override
    public void heal(Target target) throws Exception {
        target.healNetwork();
        if (deposed != null && !deposedResumed) {
            deposed.resume();
        }
    }
}
