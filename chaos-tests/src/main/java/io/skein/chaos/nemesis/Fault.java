package io.skein.chaos.nemesis;

import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/** One kind of fault: it starts on a cluster (returning what it did) and heals completely. */
public interface Fault {
    /** Inflicts the fault; returns a description for the history. */
    String start(SkeinCluster cluster, Random random) throws Exception;

    /** Undoes what {@link #start} did. */
    void heal(SkeinCluster cluster) throws Exception;

    /** The faults by the names {@code scripts/chaos --nemesis} takes. */
    static Fault named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "kill" -> new Kill();
            case "pause" -> new Pause();
            case "partition" -> new Partition();
            default -> throw new IllegalArgumentException("Unknown nemesis '" + name + "': kill, pause or partition");
        };
    }

    private static ChaosNode any(SkeinCluster cluster, Random random) {
        return cluster.nodes().get(random.nextInt(cluster.nodes().size()));
    }

    /** SIGKILL of one node, restarted on healing. */
    final class Kill implements Fault {
        private ChaosNode victim;

        @Override
        public String start(SkeinCluster cluster, Random random) {
            victim = any(cluster, random);
            victim.kill();
            return "kill node " + victim.id();
        }

        @Override
        public void heal(SkeinCluster cluster) {
            victim.restart();
        }
    }

    /** One node frozen (SIGSTOP of every process in it), thawed on healing. */
    final class Pause implements Fault {
        private ChaosNode victim;

        @Override
        public String start(SkeinCluster cluster, Random random) {
            victim = any(cluster, random);
            victim.pause();
            return "pause node " + victim.id();
        }

        @Override
        public void heal(SkeinCluster cluster) {
            victim.resume();
        }
    }

    /** The nodes split into two random sides that cannot reach each other (clients still reach all). */
    final class Partition implements Fault {
        @Override
        public String start(SkeinCluster cluster, Random random) throws Exception {
            List<ChaosNode> shuffled = new ArrayList<>(cluster.nodes());
            Collections.shuffle(shuffled, random);
            int cut = 1 + random.nextInt(shuffled.size() - 1);
            List<ChaosNode> one = shuffled.subList(0, cut);
            List<ChaosNode> other = shuffled.subList(cut, shuffled.size());
            for (ChaosNode node : one) {
                node.cutFrom(other);
            }
            for (ChaosNode node : other) {
                node.cutFrom(one);
            }
            return "partition " + one.stream().map(ChaosNode::id).sorted().toList() + " from "
                    + other.stream().map(ChaosNode::id).sorted().toList();
        }

        @Override
        public void heal(SkeinCluster cluster) throws Exception {
            for (ChaosNode node : cluster.nodes()) {
                node.heal();
            }
        }
    }
}
