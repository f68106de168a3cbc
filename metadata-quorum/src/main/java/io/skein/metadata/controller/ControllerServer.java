package io.skein.metadata.controller;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.skein.metadata.quorum.MetadataQuorum;
import io.skein.metadata.quorum.QuorumSettings;
import io.skein.metadata.tls.GrpcTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A controller node: a voter of the metadata quorum, its {@link QuorumController}, and the gRPC
 * ControllerService that brokers and admin tools call, including the metadata stream brokers follow.
 */
public final class ControllerServer implements AutoCloseable {
    private final MetadataQuorum quorum;
    private final QuorumController controller;
    private final MetadataStreamer streamer;
    private final Server rpcServer;
    /** Sends the metadata streams' heartbeats. */
    private final ScheduledExecutorService heartbeats;

    private ControllerServer(MetadataQuorum quorum, QuorumController controller, MetadataStreamer streamer,
                             Server rpcServer, ScheduledExecutorService heartbeats) {
        this.quorum = quorum;
        this.controller = controller;
        this.streamer = streamer;
        this.rpcServer = rpcServer;
        this.heartbeats = heartbeats;
    }

    /**
     * Starts the voter and serves ControllerService on {@code rpcHost:rpcPort} (0: any free port), with
     * the quorum's TLS if it has any: both are the controller listener's.
     */
    public static ControllerServer start(QuorumSettings quorumSettings, ControllerSettings controllerSettings,
                                         String rpcHost, int rpcPort, ConfigValidator validator, Clock clock)
            throws IOException {
        MetadataQuorum quorum = MetadataQuorum.start(quorumSettings);
        QuorumController controller = new QuorumController(quorum, controllerSettings, validator, clock);
        MetadataStreamer streamer = new MetadataStreamer(quorum.nodeId(), controller::isActive,
                () -> quorum.leaderId().orElse(-1), controller::metadataConnectionLost);
        quorum.addPublisher(streamer);
        quorum.onLeaderChanged(streamer::leaderChanged);
        Server rpcServer;
        try {
            rpcServer = NettyServerBuilder.forAddress(new InetSocketAddress(rpcHost, rpcPort),
                            GrpcTls.server(quorumSettings.tls()))
                    .addStreamTracerFactory(new ConnectionLossTracer())
                    .addService(new ControllerRpcService(controller, streamer, quorum))
                    .build()
                    .start();
        } catch (IOException e) {
            controller.close();
            quorum.close();
            throw new IOException("Cannot serve the controller service on " + rpcHost + ":" + rpcPort, e);
        }
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "metadata-stream-heartbeats-" + quorum.nodeId());
            thread.setDaemon(true);
            return thread;
        });
        long every = MetadataStreamer.HEARTBEAT_INTERVAL_MS / 2;
        heartbeats.scheduleWithFixedDelay(() -> streamer.heartbeat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime())),
                every, every, TimeUnit.MILLISECONDS);
        return new ControllerServer(quorum, controller, streamer, rpcServer, heartbeats);
    }

    public MetadataQuorum quorum() {
        return quorum;
    }

    public QuorumController controller() {
        return controller;
    }

    public InetSocketAddress rpcAddress() {
        return (InetSocketAddress) rpcServer.getListenSockets().get(0);
    }

    @Override
    public void close() throws IOException {
        heartbeats.shutdownNow();
        streamer.close(); // before the server ends the streams as if their connections had closed
        rpcServer.shutdownNow();
        try {
            rpcServer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        controller.close();
        quorum.close();
    }
}
