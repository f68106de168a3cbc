package io.skein.chaos.nemesis;

import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** One kind of fault: it starts on a cluster (returning what it did) and heals completely. */
public interface Fault {
    /** Inflicts the fault; returns a description for the history. */
    String start(SkeinCluster cluster, Random random) throws Exception;

    /** Undoes what {@link #start} did. */
    void heal(SkeinCluster cluster) throws Exception;

    /** The names {@code scripts/chaos --nemesis} takes. */
    List<String> NAMES = List.of("kill", "pause", "partition", "isolate-leader", "isolate-controller", "loss",
            "torn-tail");

    static Fault named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "kill" -> new OnOneNode("kill", ChaosNode::kill, ChaosNode::restart); // SIGKILL; the disk stays
            case "pause" -> new OnOneNode("pause", ChaosNode::pause, ChaosNode::resume); // every process frozen
            case "partition" -> new Isolate(Isolate.Target.RANDOM_HALVES);
            case "isolate-leader" -> new Isolate(Isolate.Target.LEADER_OF_PARTITION_0);
            case "isolate-controller" -> new Isolate(Isolate.Target.ACTIVE_CONTROLLER);
            case "loss" -> new Loss();
            case "torn-tail" -> new TornTail();
            default -> throw new IllegalArgumentException("Unknown nemesis '" + name + "': one of " + NAMES);
        };
    }

    private static ChaosNode any(SkeinCluster cluster, Random random) {
        return cluster.nodes().get(random.nextInt(cluster.nodes().size()));
    }

    private static List<ChaosNode> others(SkeinCluster cluster, ChaosNode node) {
        return cluster.nodes().stream().filter(other -> other != node).toList();
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
        public String start(SkeinCluster cluster, Random random) {
            victim = any(cluster, random);
            inflict.accept(victim);
            return verb + " node " + victim.id();
        }

        @Override
        public void heal(SkeinCluster cluster) {
            undo.accept(victim);
        }
    }

    /** Nodes split into two sides that cannot reach each other; clients still reach every node. */
    final class Isolate implements Fault {
        enum Target { RANDOM_HALVES, LEADER_OF_PARTITION_0, ACTIVE_CONTROLLER }

        private final Target target;

        Isolate(Target target) {
            this.target = target;
        }

        @Override
        public String start(SkeinCluster cluster, Random random) throws Exception {
            List<ChaosNode> one;
            switch (target) {
                case LEADER_OF_PARTITION_0 -> one = List.of(leaderOfPartition0(cluster));
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
                    + target.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")";
        }

        private static ChaosNode leaderOfPartition0(SkeinCluster cluster) throws Exception {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
                String topic = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                        .filter(name -> !name.startsWith("__")).sorted().findFirst().orElseThrow();
                int leader = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                        .partitions().get(0).leader().id();
                return cluster.node(leader);
            }
        }

        @Override
        public void heal(SkeinCluster cluster) throws Exception {
            for (ChaosNode node : cluster.nodes()) {
                node.heal();
            }
        }
    }

    /** One node loses a third of the packets the others send it. */
    final class Loss implements Fault {
        @Override
        public String start(SkeinCluster cluster, Random random) throws Exception {
            ChaosNode victim = any(cluster, random);
            victim.loseFrom(others(cluster, victim), 0.33);
            return "node " + victim.id() + " loses 33% of packets from its peers";
        }

        @Override
        public void heal(SkeinCluster cluster) throws Exception {
            for (ChaosNode node : cluster.nodes()) {
                node.heal();
            }
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
        public String start(SkeinCluster cluster, Random random) throws IOException {
            victim = any(cluster, random);
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
        public void heal(SkeinCluster cluster) {
            victim.restart();
        }
    }
}
