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
 * {@code lagging-voter}: a voter falls behind the metadata log past a snapshot, and catches up while
 * the brokers have to find their metadata again. The voter is cut off from the other voters' Raft
 * traffic only (it still serves brokers and clients); metadata is written ({@link MetadataChurn})
 * until the active controller has a snapshot past the voter's last entry and has purged its log
 * behind it, so that the voter can only catch up by installing that snapshot. A topic is then
 * created, which that snapshot lacks. The cut heals, and at once the active controller is killed and
 * started again: while the lagging voter installs the snapshot, every broker's metadata stream ends
 * and the voters elect a new leader. Healing waits for the old controller to serve again and notes
 * any broker that deleted its log of the new topic, and whether the voter loaded the snapshot.
 *
 * <p>The windows: a voter that installs a snapshot older than what a broker has applied (the broker
 * must not go back to it and delete logs of topics it does not hold); a voter that must take up the
 * log after the snapshot it installed; an election while one voter is still behind.
 */
final class LaggingVoter implements Fault {
    private static final Duration WRITE_BOUND = Duration.ofSeconds(150);
    private static final Pattern LOADED = Pattern.compile("Loaded metadata snapshot at offset \\d+");

    private ChaosNode voter;
    private int voterMark;
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
        List<ChaosNode> others = cluster.voters().stream().filter(node -> node != controller.get()).toList();
        voter = others.get(random.nextInt(others.size()));
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
        restarted = cluster.activeController().orElse(controller.get());
        voterMark = ProtocolWatch.logMark(voter);
        target.healNetwork();
        restarted.kill();
        servedBefore = restarted.startAgain();
        return String.format(Locale.ROOT, "cut voter %d off from the other voters' Raft traffic at its entry %s; wrote "
                        + "%d metadata entries in %.1f s (1 KB config values: no setting lowers the 10,000-entry snapshot "
                        + "threshold or the 8 MiB segments) until the active controller's log %s: %s; created topic %s; "
                        + "healed the cut and at once killed and started the active controller %d",
                voter.id(), applied.isPresent() ? Long.toString(behind) : "(it did not say)", written,
                (System.nanoTime() - writingFrom) / 1e9, outcome, leaderLog, probe, restarted.id());
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
        target.note("lagging-voter: voter " + voter.id() + (ProtocolWatch.awaitLog(voter, voterMark, LOADED,
                Duration.ZERO).map(line -> " logged \"" + line + "\"").orElse(" loaded no snapshot")) + " after the cut");
        Pattern deleted = Pattern.compile("Deleting the log of " + Pattern.quote(probe) + "-\\d+[^\\n]*");
        for (ChaosNode node : target.cluster().nodes()) {
            ProtocolWatch.awaitLog(node, 0, deleted, Duration.ZERO).ifPresent(line ->
                    target.note("lagging-voter: node " + node.id() + " logged \"" + line + "\""));
        }
    }
}
