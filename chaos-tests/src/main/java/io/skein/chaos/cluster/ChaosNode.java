package io.skein.chaos.cluster;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * One Skein node in a container, and the faults a nemesis inflicts on it. Crashes and restarts act
 * on the same container, so its data directory survives them as a disk would.
 */
public final class ChaosNode {
    private final int id;
    private final String ip;
    private final Path logDir;
    private final GenericContainer<?> container;

    ChaosNode(int id, String ip, Path logDir, GenericContainer<?> container) {
        this.id = id;
        this.ip = ip;
        this.logDir = logDir;
        this.container = container;
    }

    /** Its log directory ({@code log.dirs}) as this machine sees it: only to be touched while it is down. */
    public Path logDir() {
        return logDir;
    }

    public int id() {
        return id;
    }

    public String ip() {
        return ip;
    }

    /** Its Kafka listener, reachable from this machine. */
    public String bootstrap() {
        return ip + ":" + SkeinCluster.CLIENT_PORT;
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    /** SIGKILL: the process dies with whatever it had not written. */
    public void kill() {
        docker().killContainerCmd(container.getContainerId()).withSignal("KILL").exec();
    }

    /** Starts the container again after {@link #kill} and waits until the node serves clients. */
    public void restart() {
        int servedBefore = timesServed();
        docker().startContainerCmd(container.getContainerId()).exec();
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> timesServed() > servedBefore);
        } catch (ConditionTimeoutException e) {
            String logs = logs();
            throw new IllegalStateException("Node " + id + " did not serve again within 120 s; its log ends with:\n"
                    + logs.substring(Math.max(0, logs.length() - 6000)), e);
        }
    }

    private int timesServed() {
        return container.getLogs().split("serves Kafka clients", -1).length - 1;
    }

    /** Freezes every process of the container (the cgroup freezer): connections stay open, nothing answers. */
    public void pause() {
        docker().pauseContainerCmd(container.getContainerId()).exec();
    }

    public void resume() {
        docker().unpauseContainerCmd(container.getContainerId()).exec();
    }

    /** Drops all traffic between this node and {@code others}, both ways, in this node's network namespace. */
    public void cutFrom(List<ChaosNode> others) throws IOException, InterruptedException {
        for (ChaosNode other : others) {
            iptables("-A", "INPUT", "-s", other.ip, "-j", "DROP");
            iptables("-A", "OUTPUT", "-d", other.ip, "-j", "DROP");
        }
    }

    /** Drops each packet from {@code others} with probability {@code probability}. */
    public void loseFrom(List<ChaosNode> others, double probability) throws IOException, InterruptedException {
        for (ChaosNode other : others) {
            iptables("-A", "INPUT", "-s", other.ip, "-m", "statistic", "--mode", "random", "--probability",
                    Double.toString(probability), "-j", "DROP");
        }
    }

    /** Removes every rule {@link #cutFrom} and {@link #loseFrom} added. */
    public void heal() throws IOException, InterruptedException {
        iptables("-F", "INPUT");
        iptables("-F", "OUTPUT");
    }

    private void iptables(String... args) throws IOException, InterruptedException {
        long pid = docker().inspectContainerCmd(container.getContainerId()).exec().getState().getPidLong();
        List<String> command = new ArrayList<>(List.of("nsenter", "-t", Long.toString(pid), "-n", "iptables", "-w"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }

    public String logs() {
        return container.getLogs();
    }

    GenericContainer<?> container() {
        return container;
    }

    void stop() {
        container.stop();
    }
}
