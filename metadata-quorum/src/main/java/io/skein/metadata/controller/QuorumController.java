package io.skein.metadata.controller;

import static io.skein.metadata.controller.ControllerErrors.error;
import static io.skein.metadata.controller.ControllerErrors.none;

import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.metadata.quorum.MetadataQuorum;
import io.skein.metadata.quorum.QuorumState;
import io.skein.proto.Uuids;
import io.skein.proto.controller.AllocateProducerIdsRequest;
import io.skein.proto.controller.AllocateProducerIdsResponse;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterConfigsResponse;
import io.skein.proto.controller.AlterPartitionRequest;
import io.skein.proto.controller.AlterPartitionResponse;
import io.skein.proto.controller.BrokerHeartbeatRequest;
import io.skein.proto.controller.BrokerHeartbeatResponse;
import io.skein.proto.controller.ConfigChange;
import io.skein.proto.controller.ConfigChangeResult;
import io.skein.proto.controller.CreatableTopic;
import io.skein.proto.controller.CreatableTopicResult;
import io.skein.proto.controller.CreatePartitionsRequest;
import io.skein.proto.controller.CreatePartitionsResponse;
import io.skein.proto.controller.CreateTopicsRequest;
import io.skein.proto.controller.CreateTopicsResponse;
import io.skein.proto.controller.DeleteTopicsRequest;
import io.skein.proto.controller.DeleteTopicsResponse;
import io.skein.proto.controller.DescribeQuorumRequest;
import io.skein.proto.controller.DescribeQuorumResponse;
import io.skein.proto.controller.ElectLeadersRequest;
import io.skein.proto.controller.ElectLeadersResponse;
import io.skein.proto.controller.ElectionResult;
import io.skein.proto.controller.ElectionType;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.PartitionCount;
import io.skein.proto.controller.PartitionIsr;
import io.skein.proto.controller.PartitionState;
import io.skein.proto.controller.RegisterBrokerRequest;
import io.skein.proto.controller.RegisterBrokerResponse;
import io.skein.proto.controller.ReplicaState;
import io.skein.proto.controller.TopicPartitions;
import io.skein.proto.controller.TopicResult;
import io.skein.proto.metadata.ConfigRecord;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.proto.metadata.FenceBrokerRecord;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.MetadataRecordBatch;
import io.skein.proto.metadata.PartitionRecord;
import io.skein.proto.metadata.ProducerIdsRecord;
import io.skein.proto.metadata.RegisterBrokerRecord;
import io.skein.proto.metadata.RemoveTopicRecord;
import io.skein.proto.metadata.TopicRecord;
import io.skein.proto.metadata.UnfenceBrokerRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active controller: on the voter that leads the metadata quorum, turns requests into metadata
 * records. It runs as one event-loop thread over its <em>view</em>, the committed image plus the
 * records it has appended and not yet seen committed, so that two requests in flight see each
 * other's effects (two clients creating one topic: the second is refused). A request is answered
 * once its records are committed.
 *
 * <p>It acts only from the moment this voter leads and has applied every entry before its term,
 * and stops when leadership moves or an append fails; any other voter answers NOT_CONTROLLER with
 * the leader's id. Broker liveness (heartbeats) lives only here, in memory: a new controller gives
 * every broker a fresh session.
 */
public final class QuorumController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuorumController.class);
    private static final String UNCLEAN_LEADER_ELECTION = "unclean.leader.election.enable";

    private final MetadataQuorum quorum;
    private final ControllerSettings settings;
    private final ConfigValidator configValidator;
    private final Clock clock;
    private final ScheduledExecutorService eventLoop;

    // Owned by the event loop thread.
    private boolean active;
    private MetadataImage view;
    private final Map<Integer, Long> lastHeartbeatMs = new HashMap<>();
    private final Map<Integer, Long> registrationOffsets = new HashMap<>();

    /** What a request leads to: the records to append, the answer, and what to remember once committed. */
    private record Result<T>(List<MetadataRecord> records, T response, LongConsumer onCommit) {
        static <T> Result<T> of(List<MetadataRecord> records, T response) {
            return new Result<>(records, response, index -> { });
        }
    }

    /** @param clock measures broker sessions: {@link MonotonicClock} outside tests */
    public QuorumController(MetadataQuorum quorum, ControllerSettings settings, ConfigValidator configValidator,
                            Clock clock) {
        this.quorum = quorum;
        this.settings = settings;
        this.configValidator = configValidator;
        this.clock = clock;
        this.eventLoop = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "controller-event-loop-" + quorum.nodeId());
            thread.setDaemon(true);
            return thread;
        });
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
        lastHeartbeatMs.clear();
        long now = clock.millis();
        view.brokers().keySet().forEach(id -> lastHeartbeatMs.put(id, now)); // a fresh session for every broker
        registrationOffsets.clear();
        active = true;
        log.info("Node {} is the active controller at term {} from metadata offset {}", quorum.nodeId(), term,
                view.offset());
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
    private <T> CompletableFuture<T> submit(Function<MetadataImage, Result<T>> handler, Function<Error, T> failed) {
        return submit(handler, failed, (response, offset) -> response);
    }

    /**
     * {@link #submit}, for a change its caller reads back from a broker: {@code committedAt} puts the
     * metadata offset its records committed at into the response.
     */
    private <T> CompletableFuture<T> submit(Function<MetadataImage, Result<T>> handler, Function<Error, T> failed,
                                            BiFunction<T, Long, T> committedAt) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        eventLoop.execute(() -> {
            if (!active) {
                answer.complete(failed.apply(notController()));
                return;
            }
            Result<T> result;
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
            MetadataDelta delta = new MetadataDelta(view);
            result.records().forEach(delta::replay);
            view = delta.apply(view.offset());
            quorum.append(MetadataRecordBatch.newBuilder().addAllRecords(result.records()).build())
                    .whenCompleteAsync((index, failure) -> {
                        if (failure != null) {
                            renounce("an append failed: " + failure);
                            answer.complete(failed.apply(notController()));
                        } else {
                            result.onCommit().accept(index);
                            answer.complete(committedAt.apply(result.response(), index));
                        }
                    }, eventLoop);
        });
        return answer;
    }

    private Error notController() {
        return error(ErrorCode.NOT_CONTROLLER, "Node " + quorum.nodeId() + " is not the active controller",
                quorum.leaderId().orElse(-1));
    }

    // ---------------------------------------------------------------- brokers

    public CompletableFuture<RegisterBrokerResponse> registerBroker(RegisterBrokerRequest request) {
        return submit(view -> register(view, request),
                e -> RegisterBrokerResponse.newBuilder().setError(e).build());
    }

    private Result<RegisterBrokerResponse> register(MetadataImage view, RegisterBrokerRequest request) {
        int id = request.getBrokerId();
        if (!settings.clusterId().equals(request.getClusterId())) {
            return Result.of(List.of(), RegisterBrokerResponse.newBuilder().setError(error(
                    ErrorCode.INCONSISTENT_CLUSTER_ID, "Broker " + id + " belongs to cluster " + request.getClusterId()
                            + ", this is " + settings.clusterId())).build());
        }
        UUID incarnation = Uuids.fromProto(request.getIncarnationId());
        Set<UUID> logDirs = new HashSet<>(request.getLogDirIdsList().stream().map(Uuids::fromProto).toList());
        BrokerRegistration existing = view.broker(id);
        List<MetadataRecord> records = new ArrayList<>();
        if (existing != null) {
            if (existing.incarnationId().equals(incarnation)) { // a retry of a registration that went through
                return Result.of(List.of(), RegisterBrokerResponse.newBuilder().setError(none())
                        .setBrokerEpoch(existing.epoch()).build());
            }
            boolean sameStorage = !logDirs.isEmpty() && new HashSet<>(existing.logDirIds()).equals(logDirs);
            if (!sameStorage && isAlive(existing)) {
                return Result.of(List.of(), RegisterBrokerResponse.newBuilder().setError(error(
                        ErrorCode.DUPLICATE_BROKER_REGISTRATION, "Another live process is registered as node " + id
                                + " with other log directories; stop it, or give this one another node.id")).build());
            }
            if (!existing.fenced()) { // a restart: its partitions move on at once, not after a session timeout
                records.addAll(PartitionChanges.removeBroker(view, id, topic -> uncleanAllowed(view, topic)));
            }
            if (!sameStorage) { // its old log directories are gone: it no longer holds what it last had
                records.addAll(forgetAsLastLeader(applied(view, records), id));
            }
        }
        long epoch = Math.max(view.maxBrokerEpoch(), view.offset()) + 1;
        records.add(MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                .setBrokerId(id).setBrokerEpoch(epoch).setIncarnationId(request.getIncarnationId())
                .addAllEndpoints(request.getEndpointsList()).setRack(request.getRack())
                .addAllLogDirIds(request.getLogDirIdsList())).build());
        lastHeartbeatMs.put(id, clock.millis());
        return new Result<>(records, RegisterBrokerResponse.newBuilder().setError(none()).setBrokerEpoch(epoch).build(),
                index -> registrationOffsets.put(id, index));
    }

    private boolean isAlive(BrokerRegistration broker) {
        Long last = lastHeartbeatMs.get(broker.id());
        return !broker.fenced() || (last != null && clock.millis() - last < settings.sessionTimeoutMs());
    }

    private static List<MetadataRecord> forgetAsLastLeader(MetadataImage view, int brokerId) {
        List<MetadataRecord> records = new ArrayList<>();
        PartitionChanges.forEachPartition(view, (topic, partitionId, partition) -> {
            if (partition.lastKnownLeader() == brokerId) {
                records.add(PartitionChanges.change(topic, partitionId, partition, partition.isr(), partition.leader(),
                        PartitionRegistration.NO_LEADER));
            }
        });
        return records;
    }

    /** {@code view} with {@code records} applied, for changes that build on earlier ones in one batch. */
    private static MetadataImage applied(MetadataImage view, List<MetadataRecord> records) {
        if (records.isEmpty()) {
            return view;
        }
        MetadataDelta delta = new MetadataDelta(view);
        records.forEach(delta::replay);
        return delta.apply(view.offset());
    }

    public CompletableFuture<BrokerHeartbeatResponse> brokerHeartbeat(BrokerHeartbeatRequest request) {
        return submit(view -> heartbeat(view, request),
                e -> BrokerHeartbeatResponse.newBuilder().setError(e).setIsFenced(true).build());
    }

    private Result<BrokerHeartbeatResponse> heartbeat(MetadataImage view, BrokerHeartbeatRequest request) {
        int id = request.getBrokerId();
        BrokerRegistration broker = view.broker(id);
        Error stale = brokerEpochError(broker, id, request.getBrokerEpoch());
        if (stale != null) {
            return Result.of(List.of(), BrokerHeartbeatResponse.newBuilder().setError(stale).setIsFenced(true).build());
        }
        lastHeartbeatMs.put(id, clock.millis());
        boolean caughtUp = request.getCurrentMetadataOffset() >= registrationOffsets.getOrDefault(id, view.offset());
        List<MetadataRecord> records = new ArrayList<>();
        boolean fenced = broker.fenced();
        if (request.getWantShutDown()) {
            if (!fenced) { // controlled shutdown: leadership moves before the broker goes
                records.addAll(fence(view, broker, true));
                fenced = true;
            }
        } else if (fenced && caughtUp && !request.getWantFence()) {
            records.add(MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder()
                    .setBrokerId(id).setBrokerEpoch(broker.epoch())).build());
            records.addAll(PartitionChanges.restoreLeaders(applied(view, records), id,
                    topic -> uncleanAllowed(view, topic)));
            fenced = false;
        }
        return Result.of(records, BrokerHeartbeatResponse.newBuilder().setError(none()).setIsCaughtUp(caughtUp)
                .setIsFenced(fenced).setShouldShutDown(request.getWantShutDown()).build());
    }

    private static Error brokerEpochError(BrokerRegistration broker, int id, long epoch) {
        if (broker == null) {
            return error(ErrorCode.BROKER_ID_NOT_REGISTERED, "Broker " + id + " is not registered");
        }
        if (broker.epoch() != epoch) {
            return error(ErrorCode.STALE_BROKER_EPOCH, "Broker " + id + " has epoch " + broker.epoch() + ", not "
                    + epoch + ": register again");
        }
        return null;
    }

    private List<MetadataRecord> fence(MetadataImage view, BrokerRegistration broker, boolean controlledShutdown) {
        List<MetadataRecord> records = new ArrayList<>(
                PartitionChanges.removeBroker(view, broker.id(), topic -> uncleanAllowed(view, topic)));
        records.add(MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder()
                .setBrokerId(broker.id()).setBrokerEpoch(broker.epoch()).setControlledShutdown(controlledShutdown))
                .build());
        return records;
    }

    /** Fences brokers whose session has expired: no heartbeat for {@code broker.session.timeout.ms}. */
    private void fenceExpiredBrokers() {
        if (!active) {
            return;
        }
        long now = clock.millis();
        for (BrokerRegistration broker : view.brokers().values()) {
            Long last = lastHeartbeatMs.get(broker.id());
            if (!broker.fenced() && (last == null || now - last >= settings.sessionTimeoutMs())) {
                log.info("Fencing broker {}: no heartbeat for {} ms", broker.id(), last == null ? "?" : now - last);
                submit(v -> {
                    BrokerRegistration current = v.broker(broker.id());
                    return current == null || current.fenced() || current.epoch() != broker.epoch()
                            ? Result.of(List.of(), null) : Result.of(fence(v, current, false), null);
                }, e -> null);
            }
        }
    }

    /**
     * {@code auto.leader.rebalance.enable}: a preferred leader election of every partition, so that
     * preferred replicas back in the ISR lead again and leaders stay spread as they were placed.
     */
    private void rebalanceLeaders() {
        submit(v -> {
            List<MetadataRecord> records = elect(v, ElectLeadersRequest.newBuilder()
                    .setElectionType(ElectionType.PREFERRED).build()).records();
            if (!records.isEmpty()) {
                log.info("Moving {} leaderships back to their preferred replicas", records.size());
            }
            return Result.of(records, null);
        }, e -> null);
    }

    private boolean uncleanAllowed(MetadataImage view, String topic) {
        String value = view.configs(new ConfigResource(ConfigResourceType.TOPIC, topic)).get(UNCLEAN_LEADER_ELECTION);
        if (value == null) {
            value = view.configs(ConfigResource.CLUSTER_DEFAULT).get(UNCLEAN_LEADER_ELECTION);
        }
        return value == null ? settings.uncleanLeaderElection() : Boolean.parseBoolean(value);
    }

    // ---------------------------------------------------------------- partitions

    public CompletableFuture<AlterPartitionResponse> alterPartition(AlterPartitionRequest request) {
        return submit(view -> alterIsr(view, request), e -> AlterPartitionResponse.newBuilder().setError(e).build());
    }

    private Result<AlterPartitionResponse> alterIsr(MetadataImage view, AlterPartitionRequest request) {
        Error stale = brokerEpochError(view.broker(request.getBrokerId()), request.getBrokerId(), request.getBrokerEpoch());
        if (stale != null) {
            return Result.of(List.of(), AlterPartitionResponse.newBuilder().setError(stale).build());
        }
        AlterPartitionResponse.Builder response = AlterPartitionResponse.newBuilder().setError(none());
        List<MetadataRecord> records = new ArrayList<>();
        MetadataImage working = view;
        for (PartitionIsr change : request.getPartitionsList()) {
            TopicImage topic = working.topic(Uuids.fromProto(change.getTopicId()));
            PartitionRegistration partition = topic == null ? null : topic.partition(change.getPartitionId());
            Error problem = isrChangeError(working, request.getBrokerId(), topic, partition, change);
            if (problem != null) {
                response.addPartitions(PartitionState.newBuilder().setTopicId(change.getTopicId())
                        .setPartitionId(change.getPartitionId()).setError(problem));
                continue;
            }
            if (!change.getNewIsrList().equals(partition.isr())) {
                MetadataRecord record = PartitionChanges.change(topic, change.getPartitionId(), partition,
                        change.getNewIsrList(), partition.leader(), PartitionRegistration.NO_LEADER);
                records.add(record);
                working = applied(working, List.of(record));
                partition = working.topic(topic.id()).partition(change.getPartitionId());
            }
            response.addPartitions(partitionState(topic.id(), change.getPartitionId(), partition));
        }
        return Result.of(records, response.build());
    }

    private static Error isrChangeError(MetadataImage view, int brokerId, TopicImage topic,
                                        PartitionRegistration partition, PartitionIsr change) {
        if (partition == null) {
            return error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "No partition " + change.getPartitionId() + " of topic "
                    + Uuids.fromProto(change.getTopicId()));
        }
        String name = topic.name() + "-" + change.getPartitionId();
        if (partition.leader() != brokerId) {
            return error(ErrorCode.NOT_LEADER_OR_FOLLOWER, "Broker " + brokerId + " does not lead " + name);
        }
        if (change.getLeaderEpoch() != partition.leaderEpoch()) {
            return error(ErrorCode.FENCED_LEADER_EPOCH, "Leader epoch " + change.getLeaderEpoch() + " of " + name
                    + " is stale: it is " + partition.leaderEpoch());
        }
        if (change.getPartitionEpoch() != partition.partitionEpoch()) {
            return error(ErrorCode.INVALID_UPDATE_VERSION, "Partition epoch " + change.getPartitionEpoch() + " of "
                    + name + " is stale: it is " + partition.partitionEpoch());
        }
        List<Integer> isr = change.getNewIsrList();
        if (!isr.contains(brokerId) || !partition.replicas().containsAll(isr) || new HashSet<>(isr).size() != isr.size()) {
            return error(ErrorCode.INVALID_REQUEST, "ISR " + isr + " of " + name + " must hold its leader and only its "
                    + "replicas " + partition.replicas());
        }
        for (int i = 0; i < isr.size(); i++) {
            int replica = isr.get(i);
            if (!PartitionChanges.isUnfenced(view, replica)) {
                return error(ErrorCode.INELIGIBLE_REPLICA, "Broker " + replica + " is fenced: it cannot join the ISR of "
                        + name);
            }
            long vouchedEpoch = i < change.getNewIsrBrokerEpochsCount() ? change.getNewIsrBrokerEpochs(i) : -1;
            if (vouchedEpoch != -1 && vouchedEpoch != view.broker(replica).epoch()) {
                return error(ErrorCode.INELIGIBLE_REPLICA, "Broker " + replica + " registered again (epoch "
                        + view.broker(replica).epoch() + ") since the fetches of epoch " + vouchedEpoch
                        + " that would bring it into the ISR of " + name);
            }
        }
        return null;
    }

    private static PartitionState.Builder partitionState(UUID topicId, int partitionId, PartitionRegistration partition) {
        return PartitionState.newBuilder().setTopicId(Uuids.toProto(topicId)).setPartitionId(partitionId)
                .setError(none()).setLeader(partition.leader()).setLeaderEpoch(partition.leaderEpoch())
                .setPartitionEpoch(partition.partitionEpoch()).addAllIsr(partition.isr());
    }

    public CompletableFuture<ElectLeadersResponse> electLeaders(ElectLeadersRequest request) {
        return submit(view -> elect(view, request), e -> ElectLeadersResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    private Result<ElectLeadersResponse> elect(MetadataImage view, ElectLeadersRequest request) {
        Map<String, List<Integer>> wanted = new LinkedHashMap<>();
        if (request.getTopicsCount() == 0) {
            view.topicsById().values().forEach(topic -> wanted.put(topic.name(), new ArrayList<>(topic.partitions().keySet())));
        } else {
            for (TopicPartitions topic : request.getTopicsList()) {
                wanted.computeIfAbsent(topic.getName(), n -> new ArrayList<>()).addAll(topic.getPartitionsList());
            }
        }
        ElectLeadersResponse.Builder response = ElectLeadersResponse.newBuilder().setError(none());
        List<MetadataRecord> records = new ArrayList<>();
        wanted.forEach((name, partitions) -> {
            TopicImage topic = view.topic(name);
            for (int partitionId : partitions) {
                PartitionRegistration partition = topic == null ? null : topic.partition(partitionId);
                Error outcome;
                if (partition == null) {
                    outcome = error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "No partition " + name + "-" + partitionId);
                } else if (request.getElectionType() == ElectionType.PREFERRED) {
                    int preferred = partition.replicas().get(0);
                    if (partition.leader() == preferred) {
                        outcome = error(ErrorCode.ELECTION_NOT_NEEDED, "Broker " + preferred + " already leads");
                    } else if (!partition.isr().contains(preferred)) {
                        outcome = error(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, "Preferred leader " + preferred
                                + " of " + name + "-" + partitionId + " is not in the ISR " + partition.isr());
                    } else {
                        records.add(PartitionChanges.change(topic, partitionId, partition, partition.isr(), preferred,
                                PartitionRegistration.NO_LEADER));
                        outcome = none();
                    }
                } else if (partition.hasLeader()) {
                    outcome = error(ErrorCode.ELECTION_NOT_NEEDED, name + "-" + partitionId + " has a leader");
                } else {
                    int leader = PartitionChanges.firstInReplicaOrder(partition.replicas(),
                            r -> PartitionChanges.isUnfenced(view, r));
                    if (leader == PartitionRegistration.NO_LEADER) {
                        outcome = error(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, "No replica of " + name + "-"
                                + partitionId + " is alive");
                    } else {
                        records.add(PartitionChanges.change(topic, partitionId, partition, List.of(leader), leader,
                                PartitionRegistration.NO_LEADER));
                        outcome = none();
                    }
                }
                response.addResults(ElectionResult.newBuilder().setTopic(name).setPartitionId(partitionId)
                        .setError(outcome));
            }
        });
        return Result.of(records, response.build());
    }

    // ---------------------------------------------------------------- topics

    public CompletableFuture<CreateTopicsResponse> createTopics(CreateTopicsRequest request) {
        return submit(view -> create(view, request), e -> CreateTopicsResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    private Result<CreateTopicsResponse> create(MetadataImage view, CreateTopicsRequest request) {
        CreateTopicsResponse.Builder response = CreateTopicsResponse.newBuilder().setError(none());
        List<MetadataRecord> records = new ArrayList<>();
        Set<String> duplicates = new HashSet<>();
        Set<String> seen = new HashSet<>();
        request.getTopicsList().forEach(topic -> {
            if (!seen.add(topic.getName())) {
                duplicates.add(topic.getName());
            }
        });
        List<String> names = new ArrayList<>(view.topicIdsByName().keySet());
        List<Integer> brokers = view.unfencedBrokerIds();
        int placedPartitions = view.partitionCount();
        for (CreatableTopic topic : request.getTopicsList()) {
            CreatableTopicResult.Builder result = CreatableTopicResult.newBuilder().setName(topic.getName());
            int partitions = topic.getNumPartitions() == -1 ? settings.defaultPartitions() : topic.getNumPartitions();
            int replicationFactor = topic.getReplicationFactor() == -1 ? settings.defaultReplicationFactor()
                    : topic.getReplicationFactor();
            Error problem = createTopicError(view, topic, names, duplicates, partitions, replicationFactor, brokers);
            if (problem != null) {
                response.addTopics(result.setError(problem));
                continue;
            }
            UUID id = newTopicId(view);
            result.setError(none()).setTopicId(Uuids.toProto(id)).setNumPartitions(partitions)
                    .setReplicationFactor(replicationFactor);
            response.addTopics(result);
            names.add(topic.getName());
            if (request.getValidateOnly()) {
                continue;
            }
            records.add(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(topic.getName())
                    .setTopicId(Uuids.toProto(id))).build());
            List<List<Integer>> assignment = ReplicaPlacer.place(brokers, 0, partitions, replicationFactor,
                    placedPartitions % brokers.size());
            placedPartitions += partitions;
            for (int p = 0; p < partitions; p++) {
                records.add(newPartition(id, p, assignment.get(p)));
            }
            topic.getConfigsMap().forEach((key, value) -> records.add(configRecord(ConfigResourceType.TOPIC,
                    topic.getName(), key, value)));
        }
        return Result.of(records, response.build());
    }

    private Error createTopicError(MetadataImage view, CreatableTopic topic, List<String> names, Set<String> duplicates,
                                   int partitions, int replicationFactor, List<Integer> brokers) {
        String name = topic.getName();
        if (duplicates.contains(name)) {
            return error(ErrorCode.INVALID_REQUEST, "Topic " + name + " appears more than once in the request");
        }
        if (names.contains(name)) {
            return error(ErrorCode.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists.");
        }
        var nameProblem = TopicNames.problemWith(name, names);
        if (nameProblem.isPresent()) {
            return error(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem.get());
        }
        if (partitions <= 0) {
            return error(ErrorCode.INVALID_PARTITIONS, "Number of partitions must be larger than 0, not "
                    + topic.getNumPartitions());
        }
        if (replicationFactor <= 0) {
            return error(ErrorCode.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0, not "
                    + topic.getReplicationFactor());
        }
        if (replicationFactor > brokers.size()) {
            return error(ErrorCode.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition "
                    + replicationFactor + " time(s): The target replication factor of " + replicationFactor
                    + " cannot be reached because only " + brokers.size() + " broker(s) are registered and unfenced.");
        }
        return configValidator.problemWith(ConfigResourceType.TOPIC, name, topic.getConfigsMap())
                .map(problem -> error(ErrorCode.INVALID_CONFIG, problem)).orElse(null);
    }

    private static UUID newTopicId(MetadataImage view) {
        UUID id;
        do {
            id = UUID.randomUUID();
        } while (view.topic(id) != null);
        return id;
    }

    private static MetadataRecord newPartition(UUID topicId, int partitionId, List<Integer> replicas) {
        return MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder().setTopicId(Uuids.toProto(topicId))
                .setPartitionId(partitionId).addAllReplicas(replicas).addAllIsr(replicas).setLeader(replicas.get(0))
                .setLastKnownLeader(PartitionRegistration.NO_LEADER)).build();
    }

    private static MetadataRecord configRecord(ConfigResourceType type, String resource, String key, String value) {
        ConfigRecord.Builder record = ConfigRecord.newBuilder().setResourceType(type).setResourceName(resource)
                .setName(key);
        if (value != null) {
            record.setValue(value);
        }
        return MetadataRecord.newBuilder().setConfig(record).build();
    }

    public CompletableFuture<DeleteTopicsResponse> deleteTopics(DeleteTopicsRequest request) {
        return submit(view -> {
            DeleteTopicsResponse.Builder response = DeleteTopicsResponse.newBuilder().setError(none());
            List<MetadataRecord> records = new ArrayList<>();
            Set<String> deleted = new HashSet<>();
            for (String name : request.getNamesList()) {
                TopicImage topic = view.topic(name);
                if (topic == null || deleted.contains(name)) {
                    response.addTopics(TopicResult.newBuilder().setName(name).setError(error(
                            ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + name + "' does not exist")));
                    continue;
                }
                deleted.add(name);
                records.add(MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder()
                        .setTopicId(Uuids.toProto(topic.id()))).build());
                view.configs(new ConfigResource(ConfigResourceType.TOPIC, name)).keySet().forEach(key ->
                        records.add(configRecord(ConfigResourceType.TOPIC, name, key, null)));
                response.addTopics(TopicResult.newBuilder().setName(name).setError(none()));
            }
            return Result.of(records, response.build());
        }, e -> DeleteTopicsResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<CreatePartitionsResponse> createPartitions(CreatePartitionsRequest request) {
        return submit(view -> {
            CreatePartitionsResponse.Builder response = CreatePartitionsResponse.newBuilder().setError(none());
            List<MetadataRecord> records = new ArrayList<>();
            List<Integer> brokers = view.unfencedBrokerIds();
            for (PartitionCount wanted : request.getTopicsList()) {
                TopicImage topic = view.topic(wanted.getName());
                Error problem = null;
                int current = topic == null ? 0 : topic.partitions().size();
                int replicationFactor = topic == null ? 0 : topic.partition(0).replicas().size();
                if (topic == null) {
                    problem = error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + wanted.getName() + "' does not exist");
                } else if (wanted.getCount() == current) {
                    problem = error(ErrorCode.INVALID_PARTITIONS, "Topic already has " + current + " partitions.");
                } else if (wanted.getCount() < current) { // Kafka's words, which its tools' users know
                    problem = error(ErrorCode.INVALID_PARTITIONS, "The number of partitions for a topic can only be "
                            + "increased. Topic " + wanted.getName() + " currently has " + current + " partitions, "
                            + wanted.getCount() + " would not be an increase.");
                } else if (replicationFactor > brokers.size()) {
                    problem = error(ErrorCode.INVALID_REPLICATION_FACTOR, "Replication factor " + replicationFactor
                            + " of " + wanted.getName() + " exceeds the " + brokers.size() + " unfenced broker(s)");
                }
                response.addTopics(TopicResult.newBuilder().setName(wanted.getName())
                        .setError(problem == null ? none() : problem));
                if (problem != null || request.getValidateOnly()) {
                    continue;
                }
                List<List<Integer>> assignment = ReplicaPlacer.place(brokers, current, wanted.getCount() - current,
                        replicationFactor, 0);
                for (int p = current; p < wanted.getCount(); p++) {
                    records.add(newPartition(topic.id(), p, assignment.get(p - current)));
                }
            }
            return Result.of(records, response.build());
        }, e -> CreatePartitionsResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    // ---------------------------------------------------------------- configs and producer ids

    public CompletableFuture<AlterConfigsResponse> alterConfigs(AlterConfigsRequest request) {
        return submit(view -> {
            AlterConfigsResponse.Builder response = AlterConfigsResponse.newBuilder().setError(none());
            Map<ConfigResource, Map<String, String>> after = new LinkedHashMap<>();
            Map<ConfigResource, Error> problems = new HashMap<>();
            for (ConfigChange change : request.getChangesList()) {
                ConfigResource resource = new ConfigResource(change.getResourceType(), change.getResourceName());
                if (resource.type() == ConfigResourceType.TOPIC && view.topic(resource.name()) == null) {
                    problems.put(resource, error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + resource.name()
                            + "' does not exist"));
                } else if (resource.type() == ConfigResourceType.CONFIG_RESOURCE_UNSPECIFIED) {
                    problems.put(resource, error(ErrorCode.INVALID_REQUEST, "A config change needs a resource type"));
                }
                Map<String, String> configs = after.computeIfAbsent(resource, r -> new HashMap<>(view.configs(r)));
                if (change.hasValue()) {
                    configs.put(change.getName(), change.getValue());
                } else {
                    configs.remove(change.getName());
                }
            }
            after.forEach((resource, configs) -> {
                if (!problems.containsKey(resource)) {
                    configValidator.problemWith(resource.type(), resource.name(), configs)
                            .ifPresent(problem -> problems.put(resource, error(ErrorCode.INVALID_CONFIG, problem)));
                }
            });
            List<MetadataRecord> records = new ArrayList<>();
            for (ConfigChange change : request.getChangesList()) {
                ConfigResource resource = new ConfigResource(change.getResourceType(), change.getResourceName());
                Error problem = problems.get(resource);
                response.addResults(ConfigChangeResult.newBuilder().setResourceType(resource.type())
                        .setResourceName(resource.name()).setName(change.getName())
                        .setError(problem == null ? none() : problem));
                if (problem == null && !request.getValidateOnly()) {
                    records.add(configRecord(resource.type(), resource.name(), change.getName(),
                            change.hasValue() ? change.getValue() : null));
                }
            }
            return Result.of(records, response.build());
        }, e -> AlterConfigsResponse.newBuilder().setError(e).build(),
                (response, offset) -> response.toBuilder().setMetadataOffset(offset).build());
    }

    public CompletableFuture<AllocateProducerIdsResponse> allocateProducerIds(AllocateProducerIdsRequest request) {
        return submit(view -> {
            Error stale = brokerEpochError(view.broker(request.getBrokerId()), request.getBrokerId(),
                    request.getBrokerEpoch());
            if (stale != null) {
                return Result.of(List.of(), AllocateProducerIdsResponse.newBuilder().setError(stale).build());
            }
            long start = view.nextProducerId();
            return Result.of(List.of(MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder()
                            .setBrokerId(request.getBrokerId()).setBrokerEpoch(request.getBrokerEpoch())
                            .setNextProducerId(start + settings.producerIdBlockSize())).build()),
                    AllocateProducerIdsResponse.newBuilder().setError(none()).setProducerIdStart(start)
                            .setProducerIdLen(settings.producerIdBlockSize()).build());
        }, e -> AllocateProducerIdsResponse.newBuilder().setError(e).build());
    }

    public CompletableFuture<DescribeQuorumResponse> describeQuorum(DescribeQuorumRequest request) {
        return submit(view -> {
            QuorumState state = quorum.describe();
            DescribeQuorumResponse.Builder response = DescribeQuorumResponse.newBuilder().setError(none())
                    .setLeaderId(state.leaderId()).setLeaderTerm(state.term()).setCommitIndex(state.commitIndex());
            state.voters().forEach(voter -> response.addVoters(ReplicaState.newBuilder()
                    .setReplicaId(voter.nodeId()).setLogEndIndex(voter.logEndIndex())));
            state.listeners().forEach(listener -> response.addObservers(ReplicaState.newBuilder()
                    .setReplicaId(listener.nodeId()).setLogEndIndex(listener.logEndIndex())));
            return Result.of(List.of(), response.build());
        }, e -> DescribeQuorumResponse.newBuilder().setError(e).build());
    }

    /** The controller's current view, for tests and diagnostics: committed plus appended records. */
    MetadataImage view() {
        return CompletableFuture.supplyAsync(() -> view, eventLoop).join();
    }

    @Override
    public void close() {
        eventLoop.shutdownNow();
    }
}
