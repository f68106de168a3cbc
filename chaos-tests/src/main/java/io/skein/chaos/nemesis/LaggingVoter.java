package io.skein.chaos.nemesis;

import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.MetadataLogFiles;
import io.skein.chaos.cluster.SkeinCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * {@code lagging-voter}: a voter falls behind the metadata log past a snapshot, and brokers that are
 * ahead of it are made to follow it. The voter is cut off from the other voters' Raft traffic only
 * (it still serves brokers' metadata streams); metadata is written ({@link MetadataChurn}) until the
 * active controller has a snapshot past the voter's last entry and has purged its log behind it, so
 * the voter can only catch up by installing that snapshot. A topic is then created, which that
 * snapshot lacks. Then the voter's predecessor (in voter order) is killed and started again: brokers
 * that followed it reconnect to the next voter, the lagging one (brokers take the voters in turn),
 * and so does its own broker if it is a combined node. Healing lets the voter catch up, waits for the restarted node, and notes any broker
 * that deleted its log of the new topic.
 *
 * <p>The window: a voter that installs a snapshot older than what a broker it serves has applied; the
 * broker must not go back to that older image (and delete logs of topics it does not hold).
 */
final class LaggingVoter implements Fault {
    private static final Duration WRITE_BOUND = Duration.ofSeconds(150);

    private ChaosNode restarted;
    private int servedBefore;
    private String probe;

    @Override
    public String start(Target target, Random random) throws Exception {
        SkeinCluster cluster = target.cluster();
        Optional<ChaosNode> controller = cluster.activeController();
        if (controller.isEmpty()) {
            return "lagging-voter: no active controller yet";
        }
        List<ChaosNode> voters = cluster.voters();
        List<ChaosNode> others = voters.stream().filter(node -> node != controller.get()).toList();
        ChaosNode voter = others.get(random.nextInt(others.size()));
        voter.cutQuorumFrom(Fault.others(cluster, voter));
        Optional<Long> applied = ProtocolWatch.await(Duration.ofSeconds(10), () -> ProtocolWatch.appliedIndex(voter));
        long behind = applied.orElse(0L);
        long writingFrom = System.nanoTime();
        long written = MetadataChurn.writeUntil(cluster, target.watch().admin(), () -> passed(cluster, behind),
                WRITE_BOUND);
        String leaderLog = describe(cluster);
        String outcome = passed(cluster, behind) ? "passed it" : "had not passed it after " + WRITE_BOUND.toSeconds()
                + " s";
        probe = "chaos-probe-" + Integer.toUnsignedString(random.nextInt(), 36);
        target.watch().admin().createTopics(List.of(new NewTopic(probe, 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
        restarted = voters.get(Math.floorMod(voters.indexOf(voter) - 1, voters.size()));
        restarted.kill();
        servedBefore = restarted.startAgain();
        return String.format(Locale.ROOT, "cut voter %d off from the other voters' Raft traffic at its entry %s; wrote "
                        + "%d metadata entries in %.1f s (1 KB config values: no setting lowers the 10,000-entry snapshot "
                        + "threshold or the 8 MiB segments) until the active controller's log %s: %s; created topic %s; "
                        + "kill and start voter %d: brokers that followed it turn to the next voter, %d%s",
                voter.id(), applied.isPresent() ? Long.toString(behind) : "(it did not say)", written,
                (System.nanoTime() - writingFrom) / 1e9, outcome, leaderLog, probe, restarted.id(), voter.id(),
                restarted.isBroker() ? ", and so does its own broker, starting afresh" : "");
    }

    /** Whether the active controller has a snapshot past {@code index} and no longer holds the entry after it. */
    private static boolean passed(SkeinCluster cluster, long index) {
        return cluster.activeController().map(ChaosNode::metadataLog).map(files -> {
            try {
                return files.snapshotIndex().orElse(-1) > index && files.logStartIndex().orElse(0) > index + 1;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).orElse(false);
    }

    private static String describe(SkeinCluster cluster) throws IOException {
        Optional<ChaosNode> controller = cluster.activeController();
        if (controller.isEmpty()) {
            return "no active controller";
        }
        MetadataLogFiles files = controller.get().metadataLog();
        return "node " + controller.get().id() + " has a snapshot at " + files.snapshotIndex().orElse(-1)
                + ", its log starts at " + files.logStartIndex().orElse(-1);
    }

    @Override
    public void heal(Target target) throws Exception {
        target.healNetwork();
        if (restarted == null) {
            return;
        }
        restarted.awaitServing(servedBefore);
        Pattern deleted = Pattern.compile("Deleting the log of " + Pattern.quote(probe) + "-\\d+[^\\n]*");
        for (ChaosNode node : target.cluster().nodes()) {
            ProtocolWatch.awaitLog(node, 0, deleted, Duration.ZERO).ifPresent(line ->
                    target.note("lagging-voter: node " + node.id() + " logged \"" + line + "\" after the voter caught up"));
        }
    }
}
