package io.skein.chaos.nemesis;

import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.chaos.cluster.Topology;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One kind of fault: it starts on a cluster (returning what it did) and heals completely. Faults that
 * aim at a protocol window watch for its moment ({@link ProtocolWatch}) before they strike.
 */
public interface Fault {
    /** Inflicts the fault; returns a description for the history, with what it observed. */
    String start(Target target, Random random) throws Exception;

    /** Undoes what {@link #start} did. */
    void heal(Target target) throws Exception;

    /** The names {@code scripts/chaos --nemesis} takes for a safely configured cluster, in the order a soak rotates. */
    List<String> NAMES = List.of("kill", "pause", "partition", "isolate-leader", "isolate-controller", "loss",
            "torn-tail", "pause-followers", "isolate-new-leader", "partition-leader-from-controller", "lagging-voter");

    /**
     * Faults aimed at transactions, for the transactional workload only ({@code --workload txn}): a frozen
     * coordinator or partition leader while a transaction ends ({@link PauseAroundTransaction}).
     */
    List<String> TXN_NAMES = List.of("pause-txn-coordinator", "pause-txn-leader");

    /**
     * The transactional workload's faults by default, in the order a soak rotates: pause-heavy, aimed at
     * delayed EndTxn requests and markers, with crashes and an isolated leader between.
     */
    List<String> TXN_MIX = List.of("pause-txn-coordinator", "pause-txn-leader", "pause", "kill",
            "pause-txn-coordinator", "isolate-leader");

    /**
     * Faults for negative controls only ({@code --unsafe}): what they lead to is allowed there (an
     * unclean election loses writes) or beyond what any replication protects against (bit rot).
     */
    List<String> UNSAFE_NAMES = List.of("unclean-election", "bit-rot");

    static Fault named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "kill" -> new OnOneNode("kill", ChaosNode::kill, ChaosNode::restart); // SIGKILL; the disk stays
            case "pause" -> new OnOneNode("pause", ChaosNode::pause, ChaosNode::resume); // every process frozen
            case "partition" -> new Isolate(Isolate.Side.RANDOM_HALVES);
            case "isolate-leader" -> new Isolate(Isolate.Side.LEADER_OF_PARTITION_0);
            case "isolate-controller" -> new Isolate(Isolate.Side.ACTIVE_CONTROLLER);
            case "loss" -> new Loss();
            case "torn-tail" -> new TornTail();
            case "pause-followers" -> new PauseFollowers();
            case "isolate-new-leader" -> new IsolateNewLeader();
            case "partition-leader-from-controller" -> new PartitionLeaderFromController();
            case "lagging-voter" -> new LaggingVoter();
            case "pause-txn-coordinator" -> new PauseAroundTransaction(PauseAroundTransaction.Aim.COORDINATOR);
            case "pause-txn-leader" -> new PauseAroundTransaction(PauseAroundTransaction.Aim.LEADER);
            case "unclean-election" -> new UncleanElection();
            case "bit-rot" -> new BitRot();
            default -> throw new IllegalArgumentException("Unknown nemesis '" + name + "': one of " + NAMES + ", "
                    + "with the transactional workload " + TXN_NAMES + " or, with an unsafe configuration, "
                    + UNSAFE_NAMES);
        };
    }

    /** Why the fault {@code name} cannot do its work on a cluster of {@code topology}, or null. */
    static String unfitBecause(String name, Topology topology) {
        boolean freezesFollowers = name.equals("pause-followers") || name.equals("unclean-election");
        return freezesFollowers && topology.combined() && topology.voters() < 5
                ? name + " needs 5 combined nodes, or controllers apart from brokers: it freezes two followers until "
                + "the ISR shrinks, and with them two of three voters, which stops the metadata quorum" : null;
    }

    /** Every node but {@code node}. */
    static List<ChaosNode> others(SkeinCluster cluster, ChaosNode node) {
        return cluster.nodes().stream().filter(other -> other != node).toList();
    }

    private static ChaosNode any(SkeinCluster cluster, Random random) {
        return cluster.nodes().get(random.nextInt(cluster.nodes().size()));
    }

    /** Something done to one node chosen at random, and undone on healing: kill and restart, pause and resume. */
    final class OnOneNode implements Fault {
        private final String verb;
        private final Consumer<ChaosNode> inflict;
        private final Consumer<ChaosNode> undo;
        private ChaosNode victim;

        OnOneNode(String verb, Consumer<ChaosNode> inflict, Consumer<ChaosNode> undo) {
            this.verb = verb;
            this.inflict = inflict;
            this.undo = undo;
        }

        @Override
        public String start(Target target, Random random) {
            victim = any(target.cluster(), random);
            inflict.accept(victim);
            return verb + " node " + victim.id();
        }

        @Override
        public void heal(Target target) {
            undo.accept(victim);
        }
    }

    /** Nodes split into two sides that cannot reach each other; clients still reach every node. */
    final class Isolate implements Fault {
        enum Side { RANDOM_HALVES, LEADER_OF_PARTITION_0, ACTIVE_CONTROLLER }

        private final Side side;

        Isolate(Side side) {
            this.side = side;
        }

        @Override
        public String start(Target target, Random random) throws Exception {
            SkeinCluster cluster = target.cluster();
            List<ChaosNode> one;
            switch (side) {
                case LEADER_OF_PARTITION_0 -> one = List.of(leaderOfPartition0(target));
                case ACTIVE_CONTROLLER -> one = List.of(cluster.activeController().orElseGet(() -> any(cluster, random)));
                default -> {
                    List<ChaosNode> shuffled = new ArrayList<>(cluster.nodes());
                    Collections.shuffle(shuffled, random);
                    one = shuffled.subList(0, 1 + random.nextInt(shuffled.size() - 1));
                }
            }
            List<ChaosNode> other = cluster.nodes().stream().filter(node -> !one.contains(node)).toList();
            for (ChaosNode node : one) {
                node.cutFrom(other);
            }
            for (ChaosNode node : other) {
                node.cutFrom(one);
            }
            return "isolate " + one.stream().map(ChaosNode::id).sorted().toList() + " from "
                    + other.stream().map(ChaosNode::id).sorted().toList() + " ("
                    + side.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")";
        }

        private static ChaosNode leaderOfPartition0(Target target) throws InterruptedException {
            int leader = target.watch().awaitPartition(0, info -> info.leader() >= 0,
                    Duration.ofSeconds(30)).map(ProtocolWatch.PartitionState::leader).orElseThrow(() ->
                    new IllegalStateException("Partition 0 of " + target.watch().topic() + " had no leader for 30 s"));
            return target.cluster().node(leader);
        }

        @Override
        public void heal(Target target) throws Exception {
            target.healNetwork();
        }
    }

    /** One node loses a third of the packets the others send it. */
    final class Loss implements Fault {
        @Override
        public String start(Target target, Random random) throws Exception {
            ChaosNode victim = any(target.cluster(), random);
            victim.loseFrom(others(target.cluster(), victim), 0.33);
            return "node " + victim.id() + " loses 33% of packets from its peers";
        }

        @Override
        public void heal(Target target) throws Exception {
            target.healNetwork();
        }
    }

    /**
     * A node crashes and the tail of its newest segment is torn: the last bytes cut off or
     * overwritten with garbage, as a disk that lost its cache would leave it. On healing it
     * restarts and must recover to its last valid batch, then catch up from the leader.
     */
    final class TornTail implements Fault {
        private ChaosNode victim;

        @Override
        public String start(Target target, Random random) throws IOException {
            victim = any(target.cluster(), random);
            victim.kill();
            Path segment = biggestSegment(victim.logDir());
            if (segment == null) {
                return "kill node " + victim.id() + " (no segment to tear)";
            }
            int bytes = 1 + random.nextInt(200);
            try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
                long length = file.length();
                if (random.nextBoolean()) {
                    file.setLength(Math.max(0, length - bytes));
                    return "kill node " + victim.id() + ", cut the last " + bytes + " bytes of " + segment.getFileName()
                            + " in " + segment.getParent().getFileName();
                }
                byte[] garbage = new byte[(int) Math.min(bytes, length)];
                random.nextBytes(garbage);
                file.seek(length - garbage.length);
                file.write(garbage);
                return "kill node " + victim.id() + ", overwrite the last " + garbage.length + " bytes of "
                        + segment.getFileName() + " in " + segment.getParent().getFileName();
            }
        }

        /** The biggest segment of a user topic: with default segment sizes, the only (active) one of a busy partition. */
        private static Path biggestSegment(Path logDir) throws IOException {
            try (Stream<Path> files = Files.walk(logDir, 2)) {
                return files.filter(path -> path.toString().endsWith(".log"))
                        .filter(path -> !path.getParent().getFileName().toString().startsWith("__"))
                        .filter(path -> path.toFile().length() > 0)
                        .max(Comparator.comparingLong((Path path) -> path.toFile().length())
                                .thenComparing(Path::getFileName))
                        .orElse(null);
            }
        }

        @Override
        public void heal(Target target) {
            victim.restart();
        }
    }
}
