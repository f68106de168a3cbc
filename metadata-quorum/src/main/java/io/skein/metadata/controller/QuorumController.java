package io.skein.metadata.controller;

import static io.skein.metadata.controller.ControllerErrors.error;
import static io.skein.metadata.controller.ControllerErrors.none;

import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.quorum.ControllerQuorum;
import io.skein.metadata.quorum.QuorumState;
import io.skein.proto.controller.AllocateProducerIdsRequest;
import io.skein.proto.controller.AlterClientQuotasRequest;
import io.skein.proto.controller.AlterClientQuotasResponse;
import io.skein.proto.controller.AllocateProducerIdsResponse;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterConfigsResponse;
import io.skein.proto.controller.AlterPartitionReassignmentsRequest;
import io.skein.proto.controller.AlterPartitionReassignmentsResponse;
import io.skein.proto.controller.AlterPartitionRequest;
import io.skein.proto.controller.AlterPartitionResponse;
import io.skein.proto.controller.AlterUserScramCredentialsRequest;
import io.skein.proto.controller.AlterUserScramCredentialsResponse;
import io.skein.proto.controller.BrokerHeartbeatRequest;
import io.skein.proto.controller.BrokerHeartbeatResponse;
import io.skein.proto.controller.CreateAclsRequest;
import io.skein.proto.controller.CreateAclsResponse;
import io.skein.proto.controller.CreatePartitionsRequest;
import io.skein.proto.controller.CreatePartitionsResponse;
import io.skein.proto.controller.CreateTopicsRequest;
import io.skein.proto.controller.CreateTopicsResponse;
import io.skein.proto.controller.DeleteAclsRequest;
import io.skein.proto.controller.DeleteAclsResponse;
import io.skein.proto.controller.DeleteTopicsRequest;
import io.skein.proto.controller.DeleteTopicsResponse;
import io.skein.proto.controller.DescribeQuorumRequest;
import io.skein.proto.controller.DescribeQuorumResponse;
import io.skein.proto.controller.ElectLeadersRequest;
import io.skein.proto.controller.ElectLeadersResponse;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.RegisterBrokerRequest;
import io.skein.proto.controller.RegisterBrokerResponse;
import io.skein.proto.controller.ReplicaState;
import io.skein.proto.controller.ReportOfflineReplicasRequest;
import io.skein.proto.controller.ReportOfflineReplicasResponse;
import io.skein.proto.metadata.MetadataRecordBatch;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active controller: on the voter that leads the metadata quorum, turns requests into metadata
 * records. It runs as one event-loop thread over its <em>view</em>, the committed image plus the
 * records it has appended and not yet seen committed, so that two requests in flight see each
 * other's effects (two clients creating one topic: the second is refused). A request is answered
 * once its records are committed.
 *
 * <p>This class only sequences: each request goes to the manager whose job it is ({@link
 * BrokerControlManager}, {@link ReplicationControlManager}, {@link ConfigControlManager}, {@link
 * ProducerIdControlManager}, {@link AclControlManager}, {@link ScramControlManager}, {@link
 * ClientQuotaControlManager}, {@link ReassignmentControlManager}), which turns the
 * view into a {@link ControllerResult} on the event-loop thread, the only thread that calls a manager.
 *
 * <p>It acts only from the moment this voter leads and has applied every entry before its term,
 * and stops when leadership moves or an append fails; any other voter answers NOT_CONTROLLER with
 * the leader's id. Broker liveness (heartbeats) lives only in memory, in {@link BrokerControlManager}:
 * a new controller gives every broker a fresh session. A broker whose process may be gone (its metadata
 * stream lost its connection, or this controller just took over) and that does not heartbeat within
 * {@code broker.session.disconnect.grace.ms} has its listeners probed, off the event loop
 * ({@link ListenerProbe}); the answer comes back to the event loop, and a fencing goes through
 * {@link #submit} as every other write.
 */
public final class QuorumController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuorumController.class);

    private final ControllerQuorum quorum;
    private final Clock clock;
    private final ScheduledExecutorService eventLoop;
    private final ListenerProbe probe;
    private final long disconnectGraceMs;
    private final AtomicLong probesAccepted = new AtomicLong();
    private final AtomicLong probesRefused = new AtomicLong();
    private final BrokerControlManager brokers;
    private final ReplicationControlManager replication;
    private final ConfigControlManager configs;
    private final ProducerIdControlManager producerIds;
    private final ReassignmentControlManager reassignments;
    private final AclControlManager acls = new AclControlManager();
    private final ScramControlManager scram = new ScramControlManager();
    private final ClientQuotaControlManager clientQuotas = new ClientQuotaControlManager();
    private final MetadataRecordBatch bootstrap;

    // Owned by the event loop thread.
    private boolean active;
    private MetadataImage view;

    /** @param clock measures broker sessions: {@link MonotonicClock} outside tests */
    public QuorumController(ControllerQuorum quorum, ControllerSettings settings, ConfigValidator configValidator,
                            Clock clock) {
        this.quorum = quorum;
        this.clock = clock;
        this.configs = new ConfigControlManager(configValidator, settings.uncleanLeaderElection());
        this.disconnectGraceMs = settings.disconnectGraceMs();
        this.brokers = new BrokerControlManager(settings.clusterId(), settings.sessionTimeoutMs(), disconnectGraceMs,
                configs);
        this.replication = new ReplicationControlManager(settings.defaultPartitions(),
                settings.defaultReplicationFactor(), configs);
        this.producerIds = new ProducerIdControlManager(settings.producerIdBlockSize());
        this.reassignments = new ReassignmentControlManager(configs);
        this.bootstrap = settings.bootstrap();
        this.eventLoop = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "controller-event-loop-" + quorum.nodeId());
            thread.setDaemon(true);
            return thread;
        });
        this.probe = new ListenerProbe(quorum.nodeId());
        long checkMs = Math.max(1, Math.min(100, settings.sessionTimeoutMs() / 4)); // fence at most 0.1 s late
        eventLoop.scheduleWithFixedDelay(this::fenceExpiredBrokers, checkMs, checkMs, TimeUnit.MILLISECONDS);
        if (settings.leaderRebalanceIntervalMs() > 0) {
            eventLoop.scheduleWithFixedDelay(this::rebalanceLeaders, settings.leaderRebalanceIntervalMs(),
                    settings.leaderRebalanceIntervalMs(), TimeUnit.MILLISECONDS);
        }
        quorum.onLeadership(term -> eventLoop.execute(() -> activate(term)),
                newLeader -> eventLoop.execute(() -> {
                    if (newLeader != quorum.nodeId()) {
                        renounce("node " + newLeader + " leads now");
                    }
                }));
        if (quorum.isLeader()) {
            eventLoop.execute(() -> activate(quorum.describe().term()));
        }
    }

    /** Whether this node is the active controller now. */
    public boolean isActive() {
        return CompletableFuture.supplyAsync(() -> active, eventLoop).join();
    }

    private void activate(long term) {
        if (active || !quorum.isLeader()) {
            return;
        }
        view = quorum.image();
        brokers.activate(view, clock.millis(), quorum.metadataOffset());
        active = true;
        eventLoop.schedule(this::probeSuspects, disconnectGraceMs, TimeUnit.MILLISECONDS);
        log.info("Node {} is the active controller at term {} from metadata offset {}", quorum.nodeId(), term,
                view.offset());
        if (quorum.metadataOffset() == 0 && bootstrap.getRecordsCount() > 0) {
            // No metadata was ever committed: this cluster is new, and its first records are the bootstrap's,
            // ahead of any request. A leader that loses them uncommitted leaves the next one to write its own.
            log.info("Writing the {} bootstrap records of a new cluster", bootstrap.getRecordsCount());
            handle(v -> ControllerResult.of(bootstrap.getRecordsList(), null), e -> null, (response, offset) -> response,
                    new CompletableFuture<Void>());
        }
    }

    private void renounce(String why) {
        if (active) {
            log.info("Node {} stops being the active controller: {}", quorum.nodeId(), why);
        }
        active = false;
        view = null;
    }

    /**
     * Runs {@code handler} on the event loop against the view; appends its records, if any, and
     * completes with its response once they are committed, or with {@code failed} if this node is
     * not (or stops being) the active controller.
     */
    private <T> CompletableFuture<T> submit(Function<MetadataImage, ControllerResult<T>> handler,
                                            Function<Error, T> failed) {
        return submit(handler, failed, (response, offset) -> response);
    }

    /**
     * {@link #submit}, for a change its caller reads back from a broker: {@code committedAt} puts the
     * metadata offset its records committed at into the response.
     */
    private <T> CompletableFuture<T> submit(Function<MetadataImage, ControllerResult<T>> handler,
                                            Function<Error, T> failed, BiFunction<T, Long, T> committedAt) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        eventLoop.execute(() -> handle(handler, failed, committedAt, answer));
        return answer;
    }

    /** {@link #submit}'s work, on the event loop: completes {@code answer}. */
    private <T> void handle(Function<MetadataImage, ControllerResult<T>> handler, Function<Error, T> failed,
                            BiFunction<T, Long, T> committedAt, CompletableFuture<T> answer) {
        if (!active) {
            answer.complete(failed.apply(notController()));
            return;
        }
        ControllerResult<T> result;
        try {
            result = handler.apply(view);
        } catch (RuntimeException e) {
            log.error("Controller request failed", e);
            answer.complete(failed.apply(error(ErrorCode.UNKNOWN_SERVER_ERROR, e.toString())));
            return;
        }
        if (result.records().isEmpty()) {
            answer.complete(result.response());
            return;
        }
        view = MetadataDelta.replayed(view, result.records());
        quorum.append(MetadataRecordBatch.newBuilder().addAllRecords(result.records()).build())
                .whenCompleteAsync((offset, failure) -> {
                    if (failure != null) {
                        renounce("an append failed: " + failure);
                        answer.complete(failed.apply(notController()));
                    } else {
                        result.onCommit().accept(offset);
                        answer.complete(committedAt.apply(result.response(), offset));
                    }
                }, eventLoop);
    }

    private Error notController() {
        return error(ErrorCode.NOT_CONTROLLER, "Node " + quorum.nodeId() + " is not the active controller",
                quorum.leaderId().orElse(-1));
    }

    /**
     * Fences brokers whose session has expired: no heartbeat for {@code broker.session.timeout.ms}; and probes
     * the suspects whose grace is over (each is also checked when its grace ends, see {@link #metadataConnectionLost}).
     */
    private void fenceExpiredBrokers() {
        if (!active) {
            return;
        }
        for (BrokerRegistration expired : brokers.expiredSessions(view, clock.millis())) {
            submit(v -> brokers.fenceExpired(v, expired), e -> null);
        }
        probeSuspects();
    }

    /**
     * Broker {@code brokerId}'s metadata stream to this voter ended with its connection, neither side having
     * ended it, and the broker has no other stream here: its process may be gone.
     */
    public void metadataConnectionLost(int brokerId) {
        eventLoop.execute(() -> {
            if (active && brokers.streamConnectionLost(view, brokerId, clock.millis())) {
                eventLoop.schedule(this::probeSuspects, disconnectGraceMs, TimeUnit.MILLISECONDS);
            }
        });
    }

    /** Probes the listeners of the suspected brokers whose grace is over; fences those that refuse on every one. */
    private void probeSuspects() {
        if (!active) {
            return;
        }
        for (BrokerRegistration suspect : brokers.suspectsToProbe(view, clock.millis())) {
            probe.allRefuse(suspect.endpoints()).thenAcceptAsync(refused -> {
                if (!active) {
                    return;
                }
                if (refused) {
                    probesRefused.incrementAndGet();
                    submit(v -> brokers.fenceGone(v, suspect), e -> null);
                } else {
                    brokers.listenersAccept(suspect);
                    probesAccepted.incrementAndGet();
                }
            }, eventLoop);
        }
    }

    /**
     * How the probes of suspected brokers' listeners have come out since this node started: {@code accepted},
     * the broker kept its session; {@code refused}, it was fenced as gone unless it heartbeat meanwhile.
     * Counted on the event loop once the answer is acted on.
     */
    public record BrokerProbes(long accepted, long refused) {
    }

    public BrokerProbes brokerProbes() {
        return new BrokerProbes(probesAccepted.get(), probesRefused.get());
    }

    private void rebalanceLeaders() {
        submit(v -> {
            ControllerResult<Void> result = replication.rebalanceLeaders(v);
            if (!result.records().isEmpty()) {
                log.info("Moving {} leaderships back to their preferred replicas", result.records().size());
            }
            return result;
        }, e -> null);
    }

    public CompletableFuture<RegisterBrokerResponse> registerBroker(RegisterBrokerRequest request) {
        return submit(v -> brokers.registerBroker(v, request, clock.millis()),
                e -> RegisterBrokerResponse.newBuilder().setError(e).build());
    }

    public CompletableFuture<BrokerHeartbeatResponse> brokerHeartbeat(BrokerHeartbeatRequest request) {
        return submit(v -> brokers.brokerHeartbeat(v, request, clock.millis(), quorum.metadataOffset()),
                e -> BrokerHeartbeatResponse.newBuilder().setError(e).setIsFenced(true).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<AlterPartitionResponse> alterPartition(AlterPartitionRequest request) {
        return submit(v -> replication.alterPartition(v, request),
                e -> AlterPartitionResponse.newBuilder().setError(e).build());
    }

    public CompletableFuture<ReportOfflineReplicasResponse> reportOfflineReplicas(ReportOfflineReplicasRequest request) {
        return submit(v -> replication.reportOfflineReplicas(v, request),
                e -> ReportOfflineReplicasResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<ElectLeadersResponse> electLeaders(ElectLeadersRequest request) {
        return submit(v -> replication.electLeaders(v, request),
                e -> ElectLeadersResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<AlterPartitionReassignmentsResponse> alterPartitionReassignments(
            AlterPartitionReassignmentsRequest request) {
        return submit(v -> reassignments.alterPartitionReassignments(v, request),
                e -> AlterPartitionReassignmentsResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<CreateTopicsResponse> createTopics(CreateTopicsRequest request) {
        return submit(v -> replication.createTopics(v, request),
                e -> CreateTopicsResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<DeleteTopicsResponse> deleteTopics(DeleteTopicsRequest request) {
        return submit(v -> replication.deleteTopics(v, request),
                e -> DeleteTopicsResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<CreatePartitionsResponse> createPartitions(CreatePartitionsRequest request) {
        return submit(v -> replication.createPartitions(v, request),
                e -> CreatePartitionsResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<AlterConfigsResponse> alterConfigs(AlterConfigsRequest request) {
        return submit(v -> configs.alterConfigs(v, request),
                e -> AlterConfigsResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<CreateAclsResponse> createAcls(CreateAclsRequest request) {
        return submit(v -> acls.createAcls(v, request),
                e -> CreateAclsResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<DeleteAclsResponse> deleteAcls(DeleteAclsRequest request) {
        return submit(v -> acls.deleteAcls(v, request),
                e -> DeleteAclsResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<AlterUserScramCredentialsResponse> alterUserScramCredentials(
            AlterUserScramCredentialsRequest request) {
        return submit(v -> scram.alterCredentials(v, request),
                e -> AlterUserScramCredentialsResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<AlterClientQuotasResponse> alterClientQuotas(AlterClientQuotasRequest request) {
        return submit(v -> clientQuotas.alterClientQuotas(v, request),
                e -> AlterClientQuotasResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<AllocateProducerIdsResponse> allocateProducerIds(AllocateProducerIdsRequest request) {
        return submit(v -> producerIds.allocateProducerIds(v, request),
                e -> AllocateProducerIdsResponse.newBuilder().setError(e).build());
    }

    public CompletableFuture<DescribeQuorumResponse> describeQuorum(DescribeQuorumRequest request) {
        return submit(v -> {
            QuorumState state = quorum.describe();
            DescribeQuorumResponse.Builder response = DescribeQuorumResponse.newBuilder().setError(none())
                    .setLeaderId(state.leaderId()).setLeaderTerm(state.term()).setCommitIndex(state.commitIndex());
            Set<Integer> voters = new HashSet<>();
            for (QuorumState.Replica voter : state.voters()) {
                voters.add(voter.nodeId());
                boolean caughtUp = voter.logEndIndex() >= state.commitIndex();
                response.addVoters(ReplicaState.newBuilder().setReplicaId(voter.nodeId())
                        .setLogEndIndex(voter.logEndIndex()).setLastFetchElapsedMs(voter.lastContactElapsedMs())
                        .setLastCaughtUpElapsedMs(caughtUp ? voter.lastContactElapsedMs() : -1));
            }
            // A broker that has every metadata batch committed holds all there is for it: the entries after the
            // last batch carry no metadata (a new leader's first entry), so it is at the commit index.
            long metadataOffset = quorum.metadataOffset();
            brokers.observers(v, clock.millis()).stream().filter(observer -> !voters.contains(observer.getReplicaId()))
                    .map(observer -> observer.getLogEndIndex() >= metadataOffset ? observer.toBuilder()
                            .setLogEndIndex(Math.max(observer.getLogEndIndex(), state.commitIndex())).build() : observer)
                    .forEach(response::addObservers);
            return ControllerResult.of(List.of(), response.build());
        }, e -> DescribeQuorumResponse.newBuilder().setError(e).build());
    }

    @Override
    public void close() {
        eventLoop.shutdownNow();
        probe.close();
    }
}
