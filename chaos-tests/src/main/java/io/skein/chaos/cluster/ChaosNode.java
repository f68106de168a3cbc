package io.skein.chaos.cluster;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse.ContainerState;
import com.github.dockerjava.api.model.Frame;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.skein.broker.BrokerServer;
import io.skein.metadata.tls.GrpcTls;
import io.skein.metadata.tls.TlsSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * One Skein node in a container, and the faults a nemesis inflicts on it. Crashes and restarts act
 * on the same container, so its data directory survives them as a disk would.
 */
public final class ChaosNode {
    /** Five nodes restarting on two cores shared with other builds have taken more than two minutes. */
    private static final Duration SERVE_AGAIN_WITHIN = Duration.ofSeconds(240);

    /** USER_HZ, the unit of CPU time in /proc: 100 on every Linux this runs on. */
    private static final int CLOCK_TICKS_PER_SECOND = 100;

    /** What a broker logs once it serves clients. */
    static final String BROKER_READY = "serves Kafka clients";
    /** What a controller-only node logs once its voter and controller service run. */
    static final String CONTROLLER_READY = "is a voter of";

    private final int id;
    private final String ip;
    private final boolean broker;
    private final boolean voter;
    private final String ready;
    private final Path logDir;
    private final GenericContainer<?> container;
    private final Optional<TlsSettings> controllerTls;

    ChaosNode(int id, String ip, boolean broker, boolean voter, String ready, Path logDir,
              GenericContainer<?> container, Optional<TlsSettings> controllerTls) {
        this.id = id;
        this.ip = ip;
        this.broker = broker;
        this.voter = voter;
        this.ready = ready;
        this.logDir = logDir;
        this.container = container;
        this.controllerTls = controllerTls;
    }

    public boolean isBroker() {
        return broker;
    }

    public boolean isVoter() {
        return voter;
    }

    /** Its log directory ({@code log.dirs}) as this machine sees it: only to be touched while it is down. */
    public Path logDir() {
        return logDir;
    }

    /** Its replica of a partition's directory, as this machine sees it. */
    public Path partitionDir(String topic, int partition) {
        return logDir.resolve(topic + "-" + partition);
    }

    /** Its part of the metadata quorum's log and snapshots, as this machine sees them. */
    public MetadataLogFiles metadataLog() {
        return new MetadataLogFiles(logDir.resolve("__cluster_metadata"));
    }

    /** Its controller service (gRPC: metadata streams, voter state), reachable from this machine. */
    public InetSocketAddress controllerService() {
        return new InetSocketAddress(ip, SkeinCluster.CONTROLLER_PORT + BrokerServer.CONTROLLER_SERVICE_PORT_OFFSET);
    }

    /** How this machine reaches {@link #controllerService}: mutual TLS on a secured cluster, else none. */
    public Optional<TlsSettings> controllerTls() {
        return controllerTls;
    }

    /** A new channel to its {@link #controllerService}, for the caller to shut down. */
    public ManagedChannel controllerChannel() {
        return NettyChannelBuilder.forAddress(controllerService(), GrpcTls.channel(controllerTls)).build();
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

    /** Starts the container again after {@link #kill} and waits until the node serves (clients, or as a voter). */
    public void restart() {
        awaitServing(startAgain());
    }

    /**
     * Starts the container again after {@link #kill}, without waiting: a node that must catch up
     * with a metadata log that cannot move yet would not serve until it does.
     *
     * @return what {@link #awaitServing} takes
     */
    public int startAgain() {
        int servedBefore = timesServed();
        docker().startContainerCmd(container.getContainerId()).exec();
        return servedBefore;
    }

    /** Waits until the node is ready once more than {@code servedBefore} times (see {@link #startAgain}). */
    public void awaitServing(int servedBefore) {
        try {
            await().atMost(SERVE_AGAIN_WITHIN).until(() -> timesServed() > servedBefore);
        } catch (ConditionTimeoutException e) { // says no more than this does
            String logs = logs();
            throw new IllegalStateException("Node " + id + " did not serve again within " + SERVE_AGAIN_WITHIN
                    + "; its log ends with:\n" + logs.substring(Math.max(0, logs.length() - 6000)));
        }
    }

    private int timesServed() {
        return container.getLogs().split(ready, -1).length - 1;
    }

    /**
     * Stops the node as an operator would (SIGTERM: a controlled shutdown, logs closed and checkpointed),
     * keeping its container and disk.
     */
    public void shutDown() {
        docker().stopContainerCmd(container.getContainerId()).withTimeout(60).exec();
    }

    /**
     * Freezes the node (SIGSTOP to its JVM, the container's only process): connections stay open, nothing
     * answers. Not the cgroup freezer (docker pause): on busy cores it failed with "unable to freeze".
     */
    public void pause() {
        docker().killContainerCmd(container.getContainerId()).withSignal("STOP").exec();
    }

    public void resume() {
        docker().killContainerCmd(container.getContainerId()).withSignal("CONT").exec();
    }

    /** Drops all traffic between this node and {@code others}, both ways, in this node's network namespace. */
    public void cutFrom(List<ChaosNode> others) throws IOException, InterruptedException {
        for (ChaosNode other : others) {
            iptables("-A", "INPUT", "-s", other.ip, "-j", "DROP");
            iptables("-A", "OUTPUT", "-d", other.ip, "-j", "DROP");
        }
    }

    /** Drops everything to and from this node but its own loopback traffic: peers and clients alike. */
    public void isolateFromEveryone() throws IOException, InterruptedException {
        iptables("-A", "INPUT", "!", "-i", "lo", "-j", "DROP");
        iptables("-A", "OUTPUT", "!", "-o", "lo", "-j", "DROP");
    }

    /** Drops only what {@code others} send this node: what it sends them still arrives, their answers do not. */
    public void deafTo(List<ChaosNode> others) throws IOException, InterruptedException {
        for (ChaosNode other : others) {
            iptables("-A", "INPUT", "-s", other.ip, "-j", "DROP");
        }
    }

    /**
     * Drops the metadata quorum's (Raft's) traffic between this node and {@code others}, both ways:
     * a voter cut off from the other voters that still serves brokers' metadata streams and clients.
     */
    public void cutQuorumFrom(List<ChaosNode> others) throws IOException, InterruptedException {
        String port = Integer.toString(SkeinCluster.CONTROLLER_PORT);
        for (ChaosNode other : others) {
            for (String direction : List.of("--dport", "--sport")) {
                iptables("-A", "INPUT", "-s", other.ip, "-p", "tcp", direction, port, "-j", "DROP");
                iptables("-A", "OUTPUT", "-d", other.ip, "-p", "tcp", direction, port, "-j", "DROP");
            }
        }
    }

    /** Drops each packet from {@code others} with probability {@code probability}. */
    public void loseFrom(List<ChaosNode> others, double probability) throws IOException, InterruptedException {
        for (ChaosNode other : others) {
            iptables("-A", "INPUT", "-s", other.ip, "-m", "statistic", "--mode", "random", "--probability",
                    Double.toString(probability), "-j", "DROP");
        }
    }

    /** Removes every rule the cuts and {@link #loseFrom} added. */
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

    /** Whether its container runs: not killed, or started again since. */
    public boolean running() {
        return Boolean.TRUE.equals(state().getRunning());
    }

    /** When its container last started (Docker's timestamp): it changes with every restart. */
    public String startedAt() {
        return state().getStartedAt();
    }

    /** Whether its JVM is frozen by {@link #pause} (the kernel's process state "T (stopped)"). */
    public boolean frozen() throws IOException {
        return kernelState(processDir()).startsWith("T");
    }

    private ContainerState state() {
        return docker().inspectContainerCmd(container.getContainerId()).exec().getState();
    }

    /** Its JVM's directory in this machine's /proc: the container's first process is the JVM ({@code exec java}). */
    private Path processDir() {
        return Path.of("/proc", Long.toString(state().getPidLong()));
    }

    /** The "State:" of a process or thread in /proc ("S (sleeping)", "T (stopped)"), or "gone". */
    private static String kernelState(Path dir) throws IOException {
        try (Stream<String> lines = Files.lines(dir.resolve("status"))) {
            return lines.filter(line -> line.startsWith("State:")).map(line -> line.substring(6).strip()).findFirst()
                    .orElse("unknown");
        } catch (NoSuchFileException e) {
            return "gone";
        }
    }

    /**
     * What the kernel says of its JVM's threads, read from this machine's /proc (it needs nothing of the
     * JVM, so it works when the JVM cannot answer): the process's state, then each thread's name, its id
     * in the container as a thread dump's {@code nid} gives it, its state and CPU time so far, the busiest
     * first. A thread in "R" whose CPU time grows from one view to the next spins; one in "D" waits on the disk.
     */
    public String kernelView() throws IOException {
        Path process = processDir();
        StringBuilder view = new StringBuilder("process ").append(process.getFileName()).append(": ")
                .append(kernelState(process)).append('\n');
        record ThreadLine(String line, long ticks) {
        }
        List<ThreadLine> threads = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(process.resolve("task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    // "tid (name) state ..." where the name may hold spaces and parentheses: fields follow its last ')'.
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime + stime
                    threads.add(new ThreadLine(String.format("  %-16s nid 0x%-6x %s cpu %.2f s%n", name,
                            idInContainer(task), fields[0], ticks / (double) CLOCK_TICKS_PER_SECOND), ticks));
                } catch (IOException e) { // the thread ended meanwhile
                }
            }
        }
        threads.stream().sorted(Comparator.comparingLong(ThreadLine::ticks).reversed())
                .forEach(thread -> view.append(thread.line()));
        return view.toString();
    }

    /** A thread's id in its container's process namespace: the last of its "NSpid:" ids (this machine's first). */
    private static long idInContainer(Path task) throws IOException {
        try (Stream<String> lines = Files.lines(task.resolve("status"))) {
            String[] ids = lines.filter(line -> line.startsWith("NSpid:")).findFirst()
                    .orElseThrow(() -> new IOException(task + " has no NSpid")).substring(6).strip().split("\\s+");
            return Long.parseLong(ids[ids.length - 1]);
        }
    }

    /**
     * Its JVM's threads with their stacks and the locks they hold ({@code jcmd 1 Thread.print -l}, run in
     * its container), or why there are none: jcmd needs the JVM to reach a safepoint, which a JVM stuck in
     * one never does, so it is given {@code within}.
     */
    public String threadDump(Duration within) throws InterruptedException {
        String exec = docker().execCreateCmd(container.getContainerId()).withCmd("jcmd", "1", "Thread.print", "-l")
                .withAttachStdout(true).withAttachStderr(true).exec().getId();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ResultCallback.Adapter<Frame> printed = docker().execStartCmd(exec).exec(new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                out.writeBytes(frame.getPayload());
            }
        });
        boolean done = printed.awaitCompletion(within.toMillis(), TimeUnit.MILLISECONDS);
        try {
            printed.close();
        } catch (IOException e) { // the dump so far is what there is
        }
        String dump = out.toString(StandardCharsets.UTF_8);
        return done ? dump : dump + "\n(jcmd did not finish within " + within.toSeconds() + " s)\n";
    }

    GenericContainer<?> container() {
        return container;
    }

    void stop() {
        container.stop();
    }
}
