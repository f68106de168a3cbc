package io.skein.metadata.bench;

import io.skein.metadata.controller.ControllerClient;
import io.skein.metadata.controller.ControllerServer;
import io.skein.metadata.controller.ControllerSettings;
import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.ImageRecords;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.loader.MetadataLoader;
import io.skein.metadata.quorum.QuorumSettings;
import io.skein.metadata.quorum.RatisListener;
import io.skein.metadata.quorum.Voter;
import io.skein.proto.Uuids;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.BrokerHeartbeatRequest;
import io.skein.proto.controller.ConfigChange;
import io.skein.proto.controller.CreatableTopic;
import io.skein.proto.controller.CreateTopicsRequest;
import io.skein.proto.controller.CreateTopicsResponse;
import io.skein.proto.controller.DescribeQuorumResponse;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.RegisterBrokerRequest;
import io.skein.proto.controller.RegisterBrokerResponse;
import io.skein.proto.controller.ReplicaState;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.MetadataRecordBatch;
import io.skein.proto.metadata.PartitionRecord;
import io.skein.proto.metadata.TopicRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * The metadata quorum's benchmark (run by {@code scripts/bench-metadata.sh}; never a timed test):
 * controller failover with three controller processes, creating 10,000 partitions, image replay
 * rate, and how fast a broker learns a change through the metadata stream versus as a Ratis
 * listener.
 */
public final class MetadataBenchmark {
    private static final String CLUSTER_ID = ControllerProcess.CLUSTER_ID;

    private MetadataBenchmark() {
    }

    /** The controllers' election timeout: a node's default unless {@code skein.bench.electionTimeoutMs} says. */
    private static long electionTimeoutMs() {
        return Long.getLong("skein.bench.electionTimeoutMs", QuorumSettings.DEFAULT_ELECTION_TIMEOUT.toMillis());
    }

    private static long settleMs() {
        return Long.getLong("skein.bench.settleMs", 3_000);
    }

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        long electionTimeoutMs = electionTimeoutMs();
        System.out.printf("SETTINGS: controller.quorum.election.timeout.ms=%d (%s), broker.session.timeout.ms=%d, "
                        + "%d failover trials, %d ms settled before each kill%n%n", electionTimeoutMs,
                electionTimeoutMs == QuorumSettings.DEFAULT_ELECTION_TIMEOUT.toMillis() ? "a node's default" : "set",
                ControllerSettings.defaults(CLUSTER_ID).sessionTimeoutMs(), trials, settleMs());
        Path root = Files.createTempDirectory("skein-metadata-bench");
        try {
            try (ProcessCluster cluster = ProcessCluster.start(root.resolve("processes"), 3)) {
                failover(cluster, trials);
                if (Boolean.getBoolean("skein.bench.failoverOnly")) {
                    return;
                }
                createPartitions(cluster);
            }
            replayRate();
            propagation(root.resolve("propagation"));
        } finally {
            try (var files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    // ------------------------------------------------------------------ failover

    private static void failover(ProcessCluster cluster, int trials) throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int trial = 1; trial <= trials; trial++) {
            cluster.awaitAllCaughtUp();
            Thread.sleep(settleMs()); // a settled cluster, as one failure meets it
            int leader = cluster.client.describeQuorum().join().getLeaderId();
            long start = System.nanoTime();
            cluster.kill(leader);
            ErrorCode result = setClusterConfig(cluster.client, "bench.failover", Integer.toString(trial));
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (result != ErrorCode.NONE) {
                throw new IllegalStateException("Write after failover failed: " + result);
            }
            millis.add(elapsed);
            System.out.printf("failover trial %d: killed leader %d, first committed write after %d ms%n",
                    trial, leader, elapsed);
            cluster.restart(leader);
        }
        Collections.sort(millis);
        System.out.printf("%nFAILOVER (kill -9 of the active controller -> first committed write), %d trials, 3 "
                        + "processes: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms%n%n", millis.size(),
                percentile(millis, 50), percentile(millis, 90), percentile(millis, 99), millis.get(millis.size() - 1));
    }

    static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    static ErrorCode setClusterConfig(ControllerClient client, String key, String value) {
        return client.alterConfigs(AlterConfigsRequest.newBuilder().addChanges(ConfigChange.newBuilder()
                .setResourceType(ConfigResourceType.BROKER).setResourceName("").setName(key).setValue(value)).build()).join()
                .getResults(0).getError().getCode();
    }

    // ------------------------------------------------------------------ partitions

    private static void createPartitions(ProcessCluster cluster) {
        cluster.awaitAllCaughtUp();
        time("CREATE 10,000 partitions (1 topic, RF 3, 1 request)", () -> create(cluster.client, "bench-10k", 10_000, 3), 10_000);
        CreateTopicsRequest.Builder hundredTopics = CreateTopicsRequest.newBuilder();
        for (int t = 0; t < 100; t++) {
            hundredTopics.addTopics(CreatableTopic.newBuilder().setName("bench-100x100-" + t).setNumPartitions(100)
                    .setReplicationFactor(3));
        }
        time("CREATE 10,000 partitions (100 topics x 100, RF 3, 1 request)", () ->
                check(cluster.client.createTopics(hundredTopics.build()).join()), 10_000);
        time("CREATE 10,000 partitions (1,000 topics x 10, RF 3, 1,000 requests one after another)", () -> {
            for (int t = 0; t < 1_000; t++) {
                create(cluster.client, "bench-1000x10-" + t, 10, 3);
            }
        }, 10_000);
        System.out.println();
    }

    private static void create(ControllerClient client, String name, int partitions, int replicationFactor) {
        check(client.createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                .setName(name).setNumPartitions(partitions).setReplicationFactor(replicationFactor)).build()).join());
    }

    private static void check(CreateTopicsResponse response) {
        response.getTopicsList().forEach(topic -> {
            if (topic.getError().getCode() != ErrorCode.NONE) {
                throw new IllegalStateException(topic.getName() + ": " + topic.getError());
            }
        });
    }

    private static void time(String what, Runnable action, int partitions) {
        long start = System.nanoTime();
        action.run();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("%s: %d ms (%.0f partitions/s)%n", what, ms, partitions * 1000.0 / Math.max(1, ms));
    }

    // ------------------------------------------------------------------ replay

    private static void replayRate() {
        MetadataRecordBatch records = bigImageRecords(100, 1_000);
        byte[] wire = records.toByteArray();
        for (int round = 0; round < 5; round++) {
            long start = System.nanoTime();
            MetadataDelta delta = new MetadataDelta(MetadataImage.EMPTY);
            delta.replay(records);
            MetadataImage image = delta.apply(1);
            long replayNs = System.nanoTime() - start;
            start = System.nanoTime();
            MetadataDelta parsed = new MetadataDelta(MetadataImage.EMPTY);
            try {
                parsed.replay(MetadataRecordBatch.parseFrom(wire));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            parsed.apply(1);
            long parseNs = System.nanoTime() - start;
            System.out.printf("REPLAY %d records (100 topics x 1,000 partitions, %d KiB): replay+apply %.0f records/s; "
                            + "parse+replay+apply %.0f records/s%n", records.getRecordsCount(), wire.length / 1024,
                    records.getRecordsCount() * 1e9 / replayNs, records.getRecordsCount() * 1e9 / parseNs);
            if (image.partitionCount() != 100_000) {
                throw new IllegalStateException("replay lost partitions");
            }
        }
        System.out.println();
    }

    static MetadataRecordBatch bigImageRecords(int topics, int partitionsPerTopic) {
        MetadataRecordBatch.Builder batch = MetadataRecordBatch.newBuilder();
        for (int t = 0; t < topics; t++) {
            UUID id = UUID.randomUUID();
            batch.addRecords(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName("topic-" + t)
                    .setTopicId(Uuids.toProto(id))));
            for (int p = 0; p < partitionsPerTopic; p++) {
                batch.addRecords(MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder()
                        .setTopicId(Uuids.toProto(id)).setPartitionId(p).addReplicas(p % 3).addReplicas((p + 1) % 3)
                        .addReplicas((p + 2) % 3).addIsr(p % 3).addIsr((p + 1) % 3).addIsr((p + 2) % 3)
                        .setLeader(p % 3).setLastKnownLeader(-1)));
            }
        }
        return batch.build();
    }

    // ------------------------------------------------------------------ stream versus listener

    /**
     * Three voters in this JVM; one broker follows through the metadata stream, another as a Ratis
     * listener. For each of 300 writes: from the client's acknowledgement to each broker applying it.
     */
    private static void propagation(Path root) throws Exception {
        List<Voter> voters = new ArrayList<>();
        List<Integer> rpcPorts = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            voters.add(new Voter(id, "127.0.0.1", freePort()));
            rpcPorts.add(freePort());
        }
        List<ControllerServer> servers = new ArrayList<>();
        for (Voter voter : voters) {
            QuorumSettings quorum = QuorumSettings.of(voter.id(), voter.host(), voter.port(), voters, CLUSTER_ID,
                    root.resolve("controller-" + voter.id())).withElectionTimeout(Duration.ofMillis(electionTimeoutMs()));
            servers.add(ControllerServer.start(quorum, ControllerSettings.defaults(CLUSTER_ID), "127.0.0.1",
                    rpcPorts.get(voter.id() - 1), (t, n, c) -> Optional.empty(), Clock.systemUTC()));
        }
        Map<Integer, InetSocketAddress> rpc = new TreeMap<>();
        for (int id = 1; id <= 3; id++) {
            rpc.put(id, new InetSocketAddress("127.0.0.1", rpcPorts.get(id - 1)));
        }
        try (ControllerClient client = new ControllerClient(rpc, Duration.ofSeconds(30))) {
            for (int i = 0; i < 2_000; i++) { // a log to catch up with
                setClusterConfig(client, "bench.history", Integer.toString(i));
            }
            Map<String, Long> streamSeen = new ConcurrentHashMap<>();
            Map<String, Long> listenerSeen = new ConcurrentHashMap<>();

            long streamJoin = System.nanoTime();
            MetadataLoader loader = MetadataLoader.start(11, rpc);
            long target = servers.get(0).quorum().image().offset();
            waitFor(() -> loader.image().offset() >= target ? 1 : 0);
            long streamJoinMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - streamJoin);
            loader.addPublisher((delta, image) -> recordSeen(image, streamSeen));

            long listenerJoin = System.nanoTime();
            int listenerPort = freePort();
            RatisListener listener = RatisListener.start(12, listenerPort, voters, CLUSTER_ID, root.resolve("listener"));
            addListener(voters, RatisListener.peer(12, listenerPort));
            waitFor(() -> listener.image().offset() >= target ? 1 : 0);
            long listenerJoinMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - listenerJoin);
            listener.addPublisher((delta, image) -> recordSeen(image, listenerSeen));

            Map<String, Long> acked = new TreeMap<>();
            for (int i = 0; i < 300; i++) {
                String value = Integer.toString(i);
                setClusterConfig(client, "bench.seq", value);
                acked.put(value, System.nanoTime());
            }
            waitFor(() -> streamSeen.size() >= 300 && listenerSeen.size() >= 300 ? 1 : 0);
            System.out.printf("PROPAGATION, client acknowledgement -> broker applied (300 writes; 3 voters and both "
                    + "brokers in one JVM):%n");
            System.out.printf("  metadata stream: %s; joining and catching up with %d entries: %d ms%n",
                    latencies(acked, streamSeen), target, streamJoinMs);
            System.out.printf("  Ratis listener:  %s; joining (reconfiguration) and catching up: %d ms%n",
                    latencies(acked, listenerSeen), listenerJoinMs);
            loader.close();
            listener.close();
        } finally {
            for (ControllerServer server : servers) {
                server.close();
            }
        }
    }

    private static void recordSeen(MetadataImage image, Map<String, Long> seen) {
        String value = image.configs(ConfigResource.CLUSTER_DEFAULT).get("bench.seq");
        if (value != null) {
            seen.putIfAbsent(value, System.nanoTime());
        }
    }

    private static String latencies(Map<String, Long> acked, Map<String, Long> seen) {
        List<Long> micros = new ArrayList<>();
        acked.forEach((value, ackNs) -> micros.add(TimeUnit.NANOSECONDS.toMicros(seen.get(value) - ackNs)));
        Collections.sort(micros);
        return String.format("p50 %.2f ms, p99 %.2f ms (negative: applied before the client heard back)",
                percentile(micros, 50) / 1000.0, percentile(micros, 99) / 1000.0);
    }

    /** Adds a listener to the metadata group through a Ratis admin call to the leader. */
    private static void addListener(List<Voter> voters, RaftPeer listenerPeer) throws IOException {
        List<RaftPeer> peers = voters.stream().map(v -> RaftPeer.newBuilder().setId(Integer.toString(v.id()))
                .setAddress(v.host() + ":" + v.port()).build()).toList();
        RaftGroupId groupId = RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("skein-metadata:" + CLUSTER_ID)
                .getBytes(StandardCharsets.UTF_8)));
        try (RaftClient admin = RaftClient.newBuilder().setRaftGroup(RaftGroup.valueOf(groupId, peers))
                .setProperties(new RaftProperties()).build()) {
            var reply = admin.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
                    .setServersInNewConf(peers).setListenersInNewConf(List.of(listenerPeer)).build());
            if (!reply.isSuccess()) {
                throw new IOException("Cannot add the listener", reply.getException());
            }
        }
    }

    private static void waitFor(LongSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (condition.getAsLong() == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Timed out");
            }
            Thread.sleep(1); // polling a benchmark's progress, not synchronising a test
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    // ------------------------------------------------------------------ processes

    /** Three controller processes, restartable, with brokers kept alive by heartbeats from here. */
    private static final class ProcessCluster implements AutoCloseable {
        private final Path root;
        private final String votersSpec;
        private final Map<Integer, Integer> rpcPorts = new TreeMap<>();
        private final Map<Integer, Process> processes = new TreeMap<>();
        final ControllerClient client;
        private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();

        private ProcessCluster(Path root, int count) throws IOException {
            this.root = root;
            List<String> voters = new ArrayList<>();
            Map<Integer, InetSocketAddress> rpc = new TreeMap<>();
            for (int id = 1; id <= count; id++) {
                voters.add(id + "@127.0.0.1:" + freePort());
                rpcPorts.put(id, freePort());
                rpc.put(id, new InetSocketAddress("127.0.0.1", rpcPorts.get(id)));
            }
            this.votersSpec = String.join(",", voters);
            this.client = new ControllerClient(rpc, Duration.ofSeconds(60));
        }

        static ProcessCluster start(Path root, int count) throws Exception {
            ProcessCluster cluster = new ProcessCluster(root, count);
            for (int id = 1; id <= count; id++) {
                cluster.restart(id);
            }
            for (int broker = 1; broker <= 3; broker++) {
                cluster.keepBrokerAlive(broker);
            }
            return cluster;
        }

        void restart(int id) throws IOException {
            Files.createDirectories(root);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    ControllerProcess.class.getName(), Integer.toString(id), votersSpec,
                    Integer.toString(rpcPorts.get(id)), root.resolve("controller-" + id).toString(),
                    Long.toString(electionTimeoutMs()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(root.resolve("controller-" + id + ".log").toFile()))
                    .start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            String line = out.readLine();
            if (!"READY".equals(line)) {
                throw new IOException("Controller " + id + " did not start: " + line);
            }
            processes.put(id, process);
        }

        void kill(int id) throws InterruptedException {
            Process process = processes.remove(id);
            process.destroyForcibly();
            process.waitFor();
        }

        /** Registers a broker and heartbeats it every second, claiming to have all the metadata. */
        void keepBrokerAlive(int id) {
            RegisterBrokerResponse registered = client.registerBroker(RegisterBrokerRequest.newBuilder()
                    .setBrokerId(id).setClusterId(CLUSTER_ID).setIncarnationId(Uuids.toProto(UUID.randomUUID()))
                    .addLogDirIds(Uuids.toProto(UUID.randomUUID())).build()).join();
            long epoch = registered.getBrokerEpoch();
            heartbeats.scheduleWithFixedDelay(() -> client.brokerHeartbeat(BrokerHeartbeatRequest.newBuilder()
                    .setBrokerId(id).setBrokerEpoch(epoch).setCurrentMetadataOffset(Long.MAX_VALUE).build()).join(),
                    0, 1, TimeUnit.SECONDS);
        }

        /** Waits until a leader serves and every voter has the whole committed log. */
        void awaitAllCaughtUp() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                DescribeQuorumResponse quorum = client.describeQuorum().join();
                if (quorum.getError().getCode() == ErrorCode.NONE && quorum.getVotersCount() == processes.size()
                        && quorum.getVotersList().stream().mapToLong(ReplicaState::getLogEndIndex)
                                .allMatch(index -> index >= quorum.getCommitIndex())) {
                    return;
                }
                try {
                    Thread.sleep(50); // polling the cluster's state
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            throw new IllegalStateException("The controllers did not catch up");
        }

        @Override
        public void close() {
            heartbeats.shutdownNow();
            client.close();
            processes.values().forEach(Process::destroyForcibly);
        }
    }
}
