package io.skein.metadata.controller;

import static org.awaitility.Awaitility.await;

import io.skein.metadata.image.ImageRecords;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.quorum.QuorumSettings;
import io.skein.metadata.quorum.Voter;
import io.skein.proto.Uuids;
import io.skein.proto.controller.BrokerHeartbeatRequest;
import io.skein.proto.controller.BrokerHeartbeatResponse;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.RegisterBrokerRequest;
import io.skein.proto.controller.RegisterBrokerResponse;
import io.skein.proto.metadata.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Real controller nodes (Ratis voters with their ControllerService) on loopback ports, a client
 * for them, and brokers played by the test through that client.
 */
public final class TestControllers implements AutoCloseable {
    static final String CLUSTER_ID = "test-cluster";
    /** Accepts any config but the key "bogus", so tests can see a rejection. */
    static final ConfigValidator VALIDATOR = (type, name, configs) -> configs.containsKey("bogus")
            ? Optional.of(ConfigValidator.Problem.invalidConfig("Unknown topic config name: bogus")) : Optional.empty();

    final TestClock clock = new TestClock();
    private final Path root;
    private final ControllerSettings settings;
    private final List<Voter> voters = new ArrayList<>();
    private final Map<Integer, Integer> rpcPorts = new TreeMap<>();
    private final Map<Integer, ControllerServer> running = new TreeMap<>();
    private final List<Broker> brokers = new ArrayList<>();
    private final ControllerClient client;

    private TestControllers(Path root, int count, ControllerSettings settings) throws IOException {
        this.root = root;
        this.settings = settings;
        for (int id = 1; id <= count; id++) {
            voters.add(new Voter(id, "127.0.0.1", freePort()));
            rpcPorts.put(id, freePort());
        }
        for (int id = 1; id <= count; id++) {
            start(id);
        }
        Map<Integer, InetSocketAddress> addresses = new TreeMap<>();
        rpcPorts.forEach((id, port) -> addresses.put(id, new InetSocketAddress("127.0.0.1", port)));
        this.client = new ControllerClient(addresses, Duration.ofSeconds(30));
    }

    /** Controllers with a 1 s broker session timeout, counted on the test's clock. */
    public static TestControllers start(Path root, int count) throws IOException {
        return start(root, count, new ControllerSettings(CLUSTER_ID, 1_000, 1, 1, 1_000, false, 0));
    }

    static TestControllers start(Path root, int count, ControllerSettings settings) throws IOException {
        return new TestControllers(root, count, settings);
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void start(int id) throws IOException {
        Voter voter = voters.get(id - 1);
        QuorumSettings quorum = QuorumSettings.of(id, voter.host(), voter.port(), voters, CLUSTER_ID,
                root.resolve("controller-" + id));
        running.put(id, ControllerServer.start(quorum, settings, "127.0.0.1", rpcPorts.get(id), VALIDATOR, clock));
    }

    public void stop(int id) throws IOException {
        running.remove(id).close();
    }

    public ControllerClient client() {
        return client;
    }

    /** The ControllerService addresses, in node id order. */
    /** Each voter's ControllerService, by node id. */
    public Map<Integer, InetSocketAddress> rpcAddresses() {
        Map<Integer, InetSocketAddress> addresses = new TreeMap<>();
        rpcPorts.forEach((id, port) -> addresses.put(id, new InetSocketAddress("127.0.0.1", port)));
        return addresses;
    }

    public InetSocketAddress rpcAddress(int id) {
        return new InetSocketAddress("127.0.0.1", rpcPorts.get(id));
    }

    List<ControllerServer> running() {
        return List.copyOf(running.values());
    }

    ControllerServer active() {
        return await().atMost(Duration.ofSeconds(30)).until(() -> running.values().stream()
                .filter(server -> server.controller().isActive()).findFirst().orElse(null), server -> server != null);
    }

    /** The node id of the active controller, once there is one. */
    public int activeId() {
        return active().quorum().nodeId();
    }

    /** Waits until every running voter has applied the same image, and returns it. */
    public MetadataImage awaitConvergence() {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<ControllerServer> servers = running();
            MetadataImage first = servers.get(0).quorum().image();
            return servers.stream().allMatch(s -> s.quorum().image().offset() == first.offset()
                    && ImageRecords.of(s.quorum().image()).equals(ImageRecords.of(first)));
        });
        return running().get(0).quorum().image();
    }

    /** The offset of the latest metadata a running voter has applied: where a broker following the log gets to. */
    public long metadataOffset() {
        return running().stream().mapToLong(server -> server.quorum().image().offset()).max().orElseThrow();
    }

    /**
     * A broker played by the test: registers with fixed log dirs and heartbeats on demand. Its listener
     * is a real socket that accepts connections, as a running broker's does, until {@link #crash}.
     */
    public final class Broker {
        final int id;
        final List<UUID> logDirs;
        private final ServerSocket listener;
        long epoch;

        Broker(int id, List<UUID> logDirs) {
            this.id = id;
            this.logDirs = logDirs;
            try {
                this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Its process is gone: its listener refuses connections from now on. */
        void crash() throws IOException {
            listener.close();
        }

        RegisterBrokerResponse register() {
            RegisterBrokerResponse response = client.registerBroker(RegisterBrokerRequest.newBuilder()
                    .setBrokerId(id).setClusterId(CLUSTER_ID).setIncarnationId(Uuids.toProto(UUID.randomUUID()))
                    .addEndpoints(Endpoint.newBuilder().setName("PLAINTEXT").setHost("127.0.0.1")
                            .setPort(listener.getLocalPort()).setSecurityProtocol("PLAINTEXT"))
                    .addAllLogDirIds(logDirs.stream().map(Uuids::toProto).toList()).build()).join();
            if (response.getError().getCode() == ErrorCode.NONE) {
                epoch = response.getBrokerEpoch();
            }
            return response;
        }

        /** A heartbeat from a broker that has applied all the metadata there is. */
        BrokerHeartbeatResponse heartbeat() {
            return heartbeat(false);
        }

        /** The same, from a broker that may still want to stay fenced (its logs are still loading). */
        BrokerHeartbeatResponse heartbeat(boolean wantFence) {
            return heartbeat(wantFence, metadataOffset());
        }

        /** A heartbeat from a broker that has applied the metadata log up to {@code metadataOffset}. */
        BrokerHeartbeatResponse heartbeat(boolean wantFence, long metadataOffset) {
            return client.brokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(id).setBrokerEpoch(epoch)
                    .setCurrentMetadataOffset(metadataOffset).setWantFence(wantFence).build()).join();
        }

        /** Registers and heartbeats until unfenced. */
        public Broker join() {
            register();
            await().atMost(Duration.ofSeconds(30)).until(() -> !heartbeat().getIsFenced());
            return this;
        }
    }

    public Broker broker(int id) {
        return broker(id, List.of(UUID.randomUUID()));
    }

    Broker broker(int id, List<UUID> logDirs) {
        Broker broker = new Broker(id, logDirs);
        brokers.add(broker);
        return broker;
    }

    @Override
    public void close() throws IOException {
        for (Broker broker : brokers) {
            broker.crash();
        }
        client.close();
        for (ControllerServer server : running.values()) {
            server.close();
        }
        running.clear();
    }
}
