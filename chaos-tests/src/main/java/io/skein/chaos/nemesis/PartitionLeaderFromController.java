package io.skein.chaos.nemesis;


import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.chaos.nemesis.ProtocolWatch.PartitionState;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * {@code partition-leader-from-controller}: a partition leader cut off from the active controller,
 * and from nothing else, while it proposes an ISR change. A follower (not the controller) is frozen
 * until it has left the ISR; then the cut, then the follower resumes, catches up, and the leader asks
 * to take it back into the ISR ("Broker L asks to change the ISR of ..." in its log) with no
 * controller to hear it, or (at random) with the controller hearing it and its answer lost. Healing
 * removes the cut.
 *
 * <p>The window: an ISR change the controller committed but the leader never heard of, which the
 * leader must learn from the metadata log rather than forget or propose again on stale epochs.
 */
final class PartitionLeaderFromController implements Fault {
    private static final Duration SHRINK_BOUND = Duration.ofSeconds(20);
    private static final Duration PROPOSAL_BOUND = Duration.ofSeconds(20);

    private ChaosNode follower;
    private boolean followerResumed;

    @Override
    public String start(Target target, Random random) throws Exception {
        SkeinCluster cluster = target.cluster();
        Optional<ChaosNode> controller = cluster.activeController();
        if (controller.isEmpty()) {
            return "partition-leader-from-controller: no active controller yet";
        }
        int controllerId = controller.get().id();
        Optional<PartitionState> struck = target.watch().awaitHealthyPartition(random,
                info -> info.leader() != controllerId);
        if (struck.isEmpty()) {
            return "partition-leader-from-controller: " + ProtocolWatch.NONE_HEALTHY + " led by another node than "
                    + "the controller " + controllerId;
        }
        int partition = struck.get().partition();
        String name = target.watch().name(partition);
        ChaosNode leader = cluster.node(struck.get().leader());
        List<Integer> candidates = struck.get().followers().stream().filter(id -> id != controllerId).toList();
        follower = cluster.node(candidates.get(random.nextInt(candidates.size())));
        followerResumed = false;
        follower.pause();
        Optional<PartitionState> shrunk = target.watch().awaitPartition(partition,
                info -> !info.isr().contains(follower.id()), SHRINK_BOUND);
        boolean answersOnly = random.nextBoolean();
        if (answersOnly) {
            leader.deafTo(List.of(controller.get()));
        } else {
            leader.cutFrom(List.of(controller.get()));
        }
        int mark = ProtocolWatch.logMark(leader);
        long resumedAt = System.nanoTime();
        follower.resume();
        followerResumed = true;
        Optional<String> proposal = ProtocolWatch.awaitLog(leader, mark, Pattern.compile("Broker " + leader.id()
                + " asks to change the ISR of " + Pattern.quote(name) + " from \\[[^]]*] to \\[[^]]*]"), PROPOSAL_BOUND);
        return String.format(Locale.ROOT, "pause follower %d of %s (%s); cut leader %d off from the active "
                        + "controller %d (%s); resume %d: %s", follower.id(), name,
                shrunk.isPresent() ? "it left the ISR" : "still in the ISR after " + SHRINK_BOUND.toSeconds() + " s: "
                        + target.watch().describe(partition),
                leader.id(), controllerId, answersOnly ? "its requests arrive, no answer returns" : "both ways",
                follower.id(), proposal.map(line -> String.format(Locale.ROOT, "\"%s\" after %.1f s", line,
                        (System.nanoTime() - resumedAt) / 1e9)).orElse("no ISR change proposed within "
                        + PROPOSAL_BOUND.toSeconds() + " s"));
    }

    @Override
    public void heal(Target target) throws Exception {
        target.healNetwork();
        if (follower != null && !followerResumed) {
            follower.resume();
        }
    }
}
