package io.skein.chaos.liveness;

import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Thread dumps of nodes found not answering, written beside a run's report: what a live JVM that
 * stopped serving was doing, taken while it still was. Each file, {@code threads-node-ID-HHMMSS.txt}
 * (the time as the nodes' logs print it, to be read beside them), says why it was taken, then what the
 * kernel says of the JVM's threads ({@link ChaosNode#kernelView}: it needs nothing of the JVM), then the
 * JVM's own dump ({@link ChaosNode#threadDump}).
 */
public final class ThreadDumps {
    /** A dump takes a second or two; a JVM that cannot reach a safepoint never gives one. */
    private static final Duration JCMD_WITHIN = Duration.ofSeconds(60);
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("HHmmss");

    private final Path dir;

    public ThreadDumps(Path dir) {
        this.dir = dir;
    }

    /** Dumps {@code node}'s threads, headed by {@code why}; returns the file's name. */
    public String dump(ChaosNode node, String why) throws InterruptedException {
        LocalDateTime now = LocalDateTime.now();
        StringBuilder text = new StringBuilder("Node ").append(node.id()).append(" at ").append(now).append(": ")
                .append(why).append("\n\n");
        try {
            text.append(node.kernelView()).append('\n');
        } catch (IOException | RuntimeException e) {
            text.append("(no view of its process from /proc: ").append(e).append(")\n\n");
        }
        try {
            text.append(node.threadDump(JCMD_WITHIN));
        } catch (RuntimeException e) {
            text.append("(no thread dump: ").append(e).append(")\n");
        }
        return write("threads-node-" + node.id() + "-" + FILE_TIME.format(now), text.toString());
    }

    /** Dumps every node whose container runs (a killed one has no threads), each headed by {@code why}. */
    public List<String> dumpRunning(SkeinCluster cluster, String why) throws InterruptedException {
        List<String> files = new ArrayList<>();
        for (ChaosNode node : cluster.nodes()) {
            if (node.running()) {
                files.add(dump(node, why));
            }
        }
        return files;
    }

    /** Writes a new file named {@code base}.txt, or {@code base}-2.txt and so on if that one is taken. */
    private String write(String base, String text) {
        try {
            Files.createDirectories(dir);
            for (int n = 1; ; n++) {
                String name = base + (n == 1 ? "" : "-" + n) + ".txt";
                try {
                    Files.writeString(dir.resolve(name), text, StandardOpenOption.CREATE_NEW);
                    return name;
                } catch (FileAlreadyExistsException e) { // another dump of this node this second
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
