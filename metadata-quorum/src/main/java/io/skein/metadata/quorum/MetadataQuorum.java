package io.skein.metadata.quorum;

import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import io.skein.proto.metadata.MetadataRecordBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;
import io.skein.metadata.tls.TlsSettings;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslProvider;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * A controller's part in the metadata quorum: a voting Ratis server in the one metadata group,
 * replaying the log into a {@link MetadataImage}. The Ratis leader is the active controller; only it
 * may {@link #append} records. (Brokers follow the log through the controllers' metadata stream,
 * not as Ratis members: see ARCHITECTURE.md.)
 */
public final class MetadataQuorum implements ControllerQuorum, AutoCloseable {
    private final QuorumSettings settings;
    private final RaftGroup group;
    private final RaftServer server;
    private final MetadataStateMachine stateMachine;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final VoterReachability reachability;

    private MetadataQuorum(QuorumSettings settings, RaftGroup group, RaftServer server, MetadataStateMachine stateMachine) {
        this.settings = settings;
        this.group = group;
        this.server = server;
        this.stateMachine = stateMachine;
        // Twice the longest election timeout (twice the minimum): a new leader counts each follower
        // silent since one longest timeout before it took over, until the follower's first answer.
        this.reachability = new VoterReachability(settings.nodeId(), settings.electionTimeout().multipliedBy(4),
                this::followerSilences).start();
    }

    /** Starts this node's Ratis server, recovering its log and snapshot from {@code dataDir}. */
    public static MetadataQuorum start(QuorumSettings settings) throws IOException {
        RaftGroup group = RaftGroup.valueOf(groupId(settings.clusterId()),
                settings.voters().stream().map(Voter::toPeer).toList());
        MetadataStateMachine stateMachine = new MetadataStateMachine();
        RaftServer server = RaftServer.newBuilder()
                .setServerId(Voter.peerId(settings.nodeId()))
                .setGroup(group)
                .setStateMachine(stateMachine)
                .setProperties(properties(settings))
                .setParameters(parameters(settings))
                .setOption(RaftStorage.StartupOption.RECOVER) // formats an empty directory, recovers a used one
                .build();
        server.start();
        return new MetadataQuorum(settings, group, server, stateMachine);
    }

    static RaftGroupId groupId(String clusterId) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("skein-metadata:" + clusterId).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Ratis' TLS, if the controller listener has it: one configuration for this voter's server and its
     * connections to the other voters. Ratis either requires a client certificate or asks for none,
     * so {@code requested} requires one here: every voter has its keystore, which it presents.
     */
    private static Parameters parameters(QuorumSettings settings) {
        Parameters parameters = new Parameters();
        settings.tls().ifPresent(tls -> GrpcConfigKeys.TLS.setConf(parameters, ratisTls(tls)));
        return parameters;
    }

    private static GrpcTlsConfig ratisTls(TlsSettings tls) {
        GrpcTlsConfig.Builder builder = GrpcTlsConfig.newBuilder()
                .setKeyManager(tls.keyManager())
                .setTrustManager(tls.trustManager())
                .setMutualTls(tls.clientAuth() != TlsSettings.ClientAuth.NONE)
                .setSslProvider(SslProvider.JDK); // the engine of every other listener, not Ratis' OpenSSL default
        if (tls.protocols() != null) {
            builder.setProtocols(tls.protocols());
        }
        if (tls.cipherSuites() != null) {
            builder.setCipherSuites(tls.cipherSuites());
        }
        return builder.build();
    }

    static RaftProperties properties(QuorumSettings settings) {
        RaftProperties properties = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(properties, List.of(settings.dataDir().toFile()));
        GrpcConfigKeys.Server.setHost(properties, settings.host());
        GrpcConfigKeys.Server.setPort(properties, settings.port());
        TimeDuration electionTimeout = TimeDuration.valueOf(settings.electionTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, electionTimeout);
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, electionTimeout.multiply(2));
        // Ratis waits 10 s before a leader that stepped down may run again. When the voter it could not
        // reach is one that has just restarted (and is behind), no one else can win, so the quorum would
        // stand without a leader for those 10 s: let it run again after the longest election timeout.
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(properties, electionTimeout.multiply(2));
        // Ratis probes an unreachable follower every 5 s after 30 failures, so a voter that comes back
        // after a longer outage would wait that long to be heard from again and to count for a majority.
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(properties, "1ms,10, 100ms,100, 250ms,100000000");
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, settings.snapshotEvery());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
        RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf(settings.segmentBytes()));
        RaftServerConfigKeys.Log.setPurgeGap(properties, 1); // snapshots are spaced already: purge after each
        return properties;
    }

    @Override
    public int nodeId() {
        return settings.nodeId();
    }

    public QuorumSettings settings() {
        return settings;
    }

    /** The latest applied image. */
    @Override
    public MetadataImage image() {
        return stateMachine.image();
    }

    @Override
    public long metadataOffset() {
        return stateMachine.metadataOffset();
    }

    /** Adds a publisher; it sees every batch applied from now on. */
    public void addPublisher(MetadataPublisher publisher) {
        stateMachine.addPublisher(publisher);
    }

    /**
     * Tells the controller on this node when it may act: {@code leaderReady} gets the term once this
     * node leads and has applied everything before it; {@code leaderChanged} gets the new leader's
     * node id (-1 for none) whenever leadership moves.
     */
    @Override
    public void onLeadership(LongConsumer leaderReady, IntConsumer leaderChanged) {
        stateMachine.addLeadershipListener(new MetadataStateMachine.LeadershipListener() {
            @Override
            public void onLeaderReady(long term) {
                leaderReady.accept(term);
            }

            @Override
            public void onLeaderChanged(RaftPeerId newLeaderId) {
                leaderChanged.accept(newLeaderId == null ? -1 : Voter.nodeId(newLeaderId));
            }
        });
    }

    private RaftServer.Division division() {
        try {
            return server.getDivision(group.getGroupId());
        } catch (IOException e) {
            throw new IllegalStateException("The metadata group is not running on node " + settings.nodeId(), e);
        }
    }

    /** Tells {@code leaderChanged} the new leader's node id (-1 for none) whenever leadership moves. */
    public void onLeaderChanged(IntConsumer leaderChanged) {
        onLeadership(term -> { }, leaderChanged);
    }

    /** The active controller's node id, if the quorum has a leader. */
    @Override
    public OptionalInt leaderId() {
        RaftPeerId leader = division().getInfo().getLeaderId();
        return leader == null ? OptionalInt.empty() : OptionalInt.of(Voter.nodeId(leader));
    }

    @Override
    public boolean isLeader() {
        DivisionInfo info = division().getInfo();
        return info.isLeader() && info.isLeaderReady();
    }

    /**
     * Appends one batch to the metadata log through this node's server, which must be the leader.
     * Completes with the batch's log index once it is committed and applied here; fails with
     * {@link org.apache.ratis.protocol.exceptions.NotLeaderException} (as the cause) if this node
     * does not lead.
     */
    @Override
    public CompletableFuture<Long> append(MetadataRecordBatch batch) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(server.getId())
                .setGroupId(group.getGroupId())
                .setCallId(callIds.incrementAndGet())
                .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(batch.toByteArray())))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        try {
            return server.submitClientRequestAsync(request).thenApply(MetadataQuorum::logIndexOrThrow);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static long logIndexOrThrow(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            throw new CompletionException(reply.getException());
        }
        return reply.getLogIndex();
    }

    /**
     * Who leads, at which term, how far the log is committed and, as the leader knows it, how far each
     * voter has it and how long ago it last answered (Ratis' match index and last response time).
     */
    @Override
    public QuorumState describe() {
        RaftServer.Division division = division();
        DivisionInfo info = division.getInfo();
        Map<RaftPeerId, QuorumState.Replica> followers = info.isLeader() ? followers(info) : Map.of();
        List<QuorumState.Replica> voters = new ArrayList<>();
        for (RaftPeer peer : division.getRaftConf().getCurrentPeers()) {
            if (peer.getId().equals(server.getId())) {
                voters.add(new QuorumState.Replica(settings.nodeId(), division.getRaftLog().getNextIndex() - 1,
                        info.isLeader() ? 0 : -1));
            } else {
                voters.add(followers.getOrDefault(peer.getId(), new QuorumState.Replica(Voter.nodeId(peer.getId()),
                        -1, -1)));
            }
        }
        return new QuorumState(leaderId().orElse(-1), info.getCurrentTerm(),
                division.getRaftLog().getLastCommittedIndex(), voters);
    }

    /**
     * The leader's followers by peer id. Ratis gives their match indexes and their last response times
     * as two lists in the order of its log appenders; if the appenders changed between the two reads
     * (a configuration change), nothing is known this time.
     */
    private static Map<RaftPeerId, QuorumState.Replica> followers(DivisionInfo info) {
        List<ServerRpcProto> contacts = info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
        long[] matchIndexes = info.getFollowerMatchIndices();
        if (contacts.size() != matchIndexes.length) {
            return Map.of();
        }
        Map<RaftPeerId, QuorumState.Replica> followers = new HashMap<>();
        for (int i = 0; i < matchIndexes.length; i++) {
            RaftPeerId id = RaftPeerId.valueOf(contacts.get(i).getId().getId());
            followers.put(id, new QuorumState.Replica(Voter.nodeId(id), matchIndexes[i],
                    contacts.get(i).getLastRpcElapsedTimeMs()));
        }
        return followers;
    }

    /**
     * For each other voter, milliseconds since this node last had an answer from it; empty unless this
     * node leads.
     */
    Map<Integer, Long> followerSilences() {
        RoleInfoProto role = division().getInfo().getRoleInfoProto();
        if (!role.hasLeaderInfo()) {
            return Map.of();
        }
        Map<Integer, Long> silences = new TreeMap<>();
        for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
            silences.put(Voter.nodeId(RaftPeerId.valueOf(follower.getId().getId())), follower.getLastRpcElapsedTimeMs());
        }
        return silences;
    }

    /** This voter's own role, term and indexes, whether it leads or not. */
    public VoterState describeSelf() {
        RaftServer.Division division = division();
        DivisionInfo info = division.getInfo();
        return new VoterState(settings.nodeId(), info.getCurrentRole().name(), info.getCurrentTerm(),
                division.getRaftLog().getLastCommittedIndex(), info.getLastAppliedIndex(), leaderId().orElse(-1));
    }

    /**
     * Takes a snapshot now, through Ratis so that it purges the log behind it (operators, tests).
     * Returns the snapshot's log index.
     */
    public long takeSnapshot() throws IOException {
        RaftClientReply reply = server.snapshotManagement(SnapshotManagementRequest.newCreate(clientId, server.getId(),
                group.getGroupId(), callIds.incrementAndGet(), 30_000, 1));
        if (!reply.isSuccess()) {
            throw new IOException("Node " + settings.nodeId() + " could not take a snapshot", reply.getException());
        }
        return reply.getLogIndex();
    }

    /** Index of the first entry still in the log: everything before it is only in snapshots. */
    public long logStartIndex() {
        return division().getRaftLog().getStartIndex();
    }

    @Override
    public void close() throws IOException {
        reachability.close();
        server.close();
    }
}
