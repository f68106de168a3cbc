package io.skein.metadata.quorum;

import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;

/**
 * A broker following the metadata log as a non-voting Ratis listener: the option the benchmark
 * measures against the metadata stream, which was chosen (ARCHITECTURE.md). It must also be added
 * to the group's configuration by the leader.
 */
public final class RatisListener implements AutoCloseable {
    private final RaftServer server;
    private final MetadataStateMachine stateMachine;

    private RatisListener(RaftServer server, MetadataStateMachine stateMachine) {
        this.server = server;
        this.stateMachine = stateMachine;
    }

    /** The listener's peer, as the leader must add it: started with the voters plus itself, or it campaigns. */
    public static RaftPeer peer(int nodeId, int port) {
        return RaftPeer.newBuilder().setId(Voter.peerId(nodeId)).setAddress("127.0.0.1:" + port)
                .setStartupRole(RaftPeerRole.LISTENER).build();
    }

    public static RatisListener start(int nodeId, int port, List<Voter> voters, String clusterId, Path dir)
            throws IOException {
        List<RaftPeer> peers = new ArrayList<>(voters.stream().map(Voter::toPeer).toList());
        peers.add(peer(nodeId, port));
        RaftProperties properties = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(properties, List.of(dir.toFile()));
        GrpcConfigKeys.Server.setHost(properties, "127.0.0.1");
        GrpcConfigKeys.Server.setPort(properties, port);
        MetadataStateMachine stateMachine = new MetadataStateMachine();
        RaftServer server = RaftServer.newBuilder().setServerId(Voter.peerId(nodeId))
                .setGroup(RaftGroup.valueOf(MetadataQuorum.groupId(clusterId), peers)).setStateMachine(stateMachine)
                .setProperties(properties).setOption(RaftStorage.StartupOption.RECOVER).build();
        server.start();
        return new RatisListener(server, stateMachine);
    }

    public MetadataImage image() {
        return stateMachine.image();
    }

    public void addPublisher(MetadataPublisher publisher) {
        stateMachine.addPublisher(publisher);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
