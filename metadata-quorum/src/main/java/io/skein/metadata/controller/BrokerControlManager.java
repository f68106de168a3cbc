package io.skein.metadata.controller;

import static io.skein.metadata.controller.ControllerErrors.error;
import static io.skein.metadata.controller.ControllerErrors.none;

import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.Uuids;
import io.skein.proto.controller.BrokerHeartbeatRequest;
import io.skein.proto.controller.BrokerHeartbeatResponse;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.RegisterBrokerRequest;
import io.skein.proto.controller.RegisterBrokerResponse;
import io.skein.proto.controller.ReplicaState;
import io.skein.proto.metadata.FenceBrokerRecord;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.RegisterBrokerRecord;
import io.skein.proto.metadata.UnfenceBrokerRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brokers: registration, heartbeats, sessions, fencing (an expired session, a controlled shutdown, a
 * process found gone) and unfencing, with the partition changes that follow them ({@link PartitionChanges}).
 *
 * <p>Broker sessions are not in the metadata log: each broker's last heartbeat (and how far it had
 * applied the log, which DescribeQuorum reports) and the offset its registration committed at live
 * here, in memory, owned by the controller's event-loop thread (the only caller of every method),
 * and start afresh when this node becomes the active controller.
 * Times are monotonic milliseconds passed in by the caller.
 *
 * <p><b>A process found gone</b> is fenced before its session times out. A broker is <em>suspected</em>
 * when the connection of its metadata stream to this controller closes or resets under it (neither side
 * having ended the stream), and every broker is when this controller takes over, as the streams all
 * followed the controller before. A heartbeat from the broker's current epoch clears the suspicion. A
 * broker still suspected {@code broker.session.disconnect.grace.ms} later has its listeners probed (the
 * caller does it, {@link ListenerProbe}); if every one refuses connections it is fenced as gone, else it
 * keeps its session. Only a process that is gone shows all three: a broker that is slow, paused (SIGSTOP,
 * a GC pause) or cut off by the network keeps its connections open (its kernel holds them), may not
 * heartbeat, but its kernel still accepts connections on its listeners, which it binds before it
 * registers and closes only after its controlled shutdown; so it is fenced at its session timeout, as
 * before, and never sooner. That is also why the broker's lease ({@code BrokerLease}) holds: no broker
 * that can still answer a client is fenced before its session times out. A grace at or above the session
 * timeout turns this off.
 */
final class BrokerControlManager {
    private static final Logger log = LoggerFactory.getLogger(BrokerControlManager.class);

    private final String clusterId;
    private final long sessionTimeoutMs;
    private final long disconnectGraceMs;
    private final ConfigControlManager configs;
    private final Map<Integer, Long> lastHeartbeatMs = new HashMap<>();
    private final Map<Integer, Long> registrationOffsets = new HashMap<>();
    private final Map<Integer, MetadataProgress> progress = new HashMap<>();
    private final Map<Integer, Suspicion> suspicions = new HashMap<>();
    /** Where this controller started: what a broker registered before it must have applied to be unfenced. */
    private long activationOffset;

    /**
     * How far a broker has applied the metadata log as its last heartbeat said, when that came, and when
     * the last one came that had applied everything committed by then (-1: none yet).
     */
    private record MetadataProgress(long appliedOffset, long heartbeatMs, long caughtUpMs) {
    }

    /** Why a broker is suspected of being gone. */
    private enum Cause {
        TAKEOVER("the active controller changed"), CONNECTION_LOST("its metadata stream's connection closed");

        private final String description;

        Cause(String description) {
            this.description = description;
        }
    }

    /**
     * Why broker epoch {@code epoch} may be gone, since {@code sinceMs} with no heartbeat; {@code probing}
     * once its listeners are being probed.
     */
    private record Suspicion(long epoch, long sinceMs, Cause cause, boolean probing) {
    }

    /**
     * @param disconnectGraceMs {@code broker.session.disconnect.grace.ms}: how long a suspected broker has to
     *                          heartbeat before its listeners are probed; at or above the session timeout,
     *                          no broker is suspected
     */
    BrokerControlManager(String clusterId, long sessionTimeoutMs, long disconnectGraceMs,
                         ConfigControlManager configs) {
        this.clusterId = clusterId;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.disconnectGraceMs = disconnectGraceMs;
        this.configs = configs;
    }

    /**
     * Gives every registered broker a fresh session, as of {@code nowMs}, when this node becomes active
     * with {@code metadataOffset} committed (the quorum's metadata offset: the image's may be a new
     * leader's entry without metadata, which no broker is sent, so a broker could never reach it).
     */
    void activate(MetadataImage image, long nowMs, long metadataOffset) {
        lastHeartbeatMs.clear();
        image.brokers().keySet().forEach(id -> lastHeartbeatMs.put(id, nowMs));
        registrationOffsets.clear();
        progress.clear();
        activationOffset = metadataOffset;
        suspicions.clear();
        image.brokers().values().forEach(broker -> suspect(broker, nowMs, Cause.TAKEOVER));
    }

    /**
     * Broker {@code id}'s metadata stream ended with its connection, at {@code nowMs}.
     *
     * @return whether it is suspected now: {@link #suspectsToProbe} will name it once its grace is over
     */
    boolean streamConnectionLost(MetadataImage view, int id, long nowMs) {
        BrokerRegistration broker = view.broker(id);
        return broker != null && suspect(broker, nowMs, Cause.CONNECTION_LOST);
    }

    private boolean suspect(BrokerRegistration broker, long nowMs, Cause cause) {
        if (broker.fenced() || disconnectGraceMs >= sessionTimeoutMs) {
            return false;
        }
        Suspicion earlier = suspicions.get(broker.id());
        if (earlier == null || earlier.epoch() != broker.epoch()) {
            suspicions.put(broker.id(), new Suspicion(broker.epoch(), nowMs, cause, false));
        }
        return true;
    }

    /**
     * The suspected brokers whose grace is over by {@code nowMs}, with no heartbeat since they were
     * suspected, that are not being probed yet; they are marked as being probed. Each answer goes to
     * {@link #listenersAccept} or {@link #fenceGone}.
     */
    List<BrokerRegistration> suspectsToProbe(MetadataImage view, long nowMs) {
        List<BrokerRegistration> due = new ArrayList<>();
        suspicions.entrySet().removeIf(entry -> {
            BrokerRegistration broker = view.broker(entry.getKey());
            return broker == null || broker.fenced() || broker.epoch() != entry.getValue().epoch();
        });
        suspicions.replaceAll((id, suspicion) -> {
            if (suspicion.probing() || nowMs - suspicion.sinceMs() < disconnectGraceMs) {
                return suspicion;
            }
            due.add(view.broker(id));
            return new Suspicion(suspicion.epoch(), suspicion.sinceMs(), suspicion.cause(), true);
        });
        return due;
    }

    /** A listener of {@code probed} accepted a connection (or could not be reached): a process may serve there. */
    void listenersAccept(BrokerRegistration probed) {
        Suspicion suspicion = suspicions.get(probed.id());
        if (suspicion != null && suspicion.epoch() == probed.epoch()) {
            suspicions.remove(probed.id());
            // Usual after a takeover (brokers heartbeat every few seconds), worth a line after a lost connection.
            if (suspicion.cause() == Cause.CONNECTION_LOST) {
                log.info("Broker {} sent no heartbeat since {}, but its listeners accept connections: it keeps its "
                        + "session", probed.id(), suspicion.cause().description);
            }
        }
    }

    /**
     * Every listener of {@code probed} refused a connection: fences it as gone, unless it heartbeat, was
     * fenced or registered again since it was suspected.
     */
    ControllerResult<Void> fenceGone(MetadataImage view, BrokerRegistration probed) {
        Suspicion suspicion = suspicions.get(probed.id());
        BrokerRegistration current = view.broker(probed.id());
        if (suspicion == null || suspicion.epoch() != probed.epoch() || current == null || current.fenced()
                || current.epoch() != probed.epoch()) {
            return ControllerResult.of(List.of(), null);
        }
        suspicions.remove(probed.id());
        log.info("Fencing broker {} (epoch {}): its process is gone: {}, no heartbeat followed, and its listeners "
                + "refuse connections", probed.id(), probed.epoch(), suspicion.cause().description);
        return ControllerResult.of(fence(view, current, Fencing.PROCESS_GONE), null);
    }

    ControllerResult<RegisterBrokerResponse> registerBroker(MetadataImage view, RegisterBrokerRequest request,
                                                            long nowMs) {
        int id = request.getBrokerId();
        if (!clusterId.equals(request.getClusterId())) {
            return ControllerResult.of(List.of(), RegisterBrokerResponse.newBuilder().setError(error(
                    ErrorCode.INCONSISTENT_CLUSTER_ID, "Broker " + id + " belongs to cluster " + request.getClusterId()
                            + ", this is " + clusterId)).build());
        }
        UUID incarnation = Uuids.fromProto(request.getIncarnationId());
        Set<UUID> logDirs = new HashSet<>(request.getLogDirIdsList().stream().map(Uuids::fromProto).toList());
        BrokerRegistration existing = view.broker(id);
        List<MetadataRecord> records = new ArrayList<>();
        if (existing != null) {
            if (existing.incarnationId().equals(incarnation)) { // a retry of a registration that went through
                return ControllerResult.of(List.of(), RegisterBrokerResponse.newBuilder().setError(none())
                        .setBrokerEpoch(existing.epoch()).build());
            }
            boolean sameStorage = !logDirs.isEmpty() && new HashSet<>(existing.logDirIds()).equals(logDirs);
            if (!sameStorage && isAlive(existing, nowMs)) {
                return ControllerResult.of(List.of(), RegisterBrokerResponse.newBuilder().setError(error(
                        ErrorCode.DUPLICATE_BROKER_REGISTRATION, "Another live process is registered as node " + id
                                + " with other log directories; stop it, or give this one another node.id")).build());
            }
            if (!existing.fenced()) { // a restart: its partitions move on at once, not after a session timeout
                records.addAll(PartitionChanges.removeBroker(view, id, uncleanAllowed(view)));
            }
            if (!sameStorage) { // its old log directories are gone: it no longer holds what it last had
                records.addAll(PartitionChanges.forgetLastLeader(MetadataDelta.replayed(view, records), id));
            }
        }
        long epoch = Math.max(view.maxBrokerEpoch(), view.offset()) + 1;
        records.add(MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                .setBrokerId(id).setBrokerEpoch(epoch).setIncarnationId(request.getIncarnationId())
                .addAllEndpoints(request.getEndpointsList()).setHttpEndpoint(request.getHttpEndpoint())
                .setRack(request.getRack())
                .addAllLogDirIds(request.getLogDirIdsList())).build());
        lastHeartbeatMs.put(id, nowMs);
        progress.remove(id); // a new incarnation: what the last one applied says nothing of this one
        suspicions.remove(id);
        return new ControllerResult<>(records, RegisterBrokerResponse.newBuilder().setError(none())
                .setBrokerEpoch(epoch).build(), offset -> registrationOffsets.put(id, offset));
    }

    private boolean isAlive(BrokerRegistration broker, long nowMs) {
        Long last = lastHeartbeatMs.get(broker.id());
        return !broker.fenced() || (last != null && nowMs - last < sessionTimeoutMs);
    }

    /**
     * A heartbeat renews the broker's session. It unfences a fenced broker that has applied the
     * metadata log up to its own registration (or, registered before this controller became active,
     * up to where this controller started) and does not ask to stay fenced; a shutdown heartbeat
     * fences it, moving its leaderships first. The answer carries {@code committedOffset} and the
     * session timeout, from which the broker bounds its lease; if records are written, the offset
     * they commit at is to replace it.
     *
     * @param committedOffset the metadata offset committed now (see {@link
     *                        io.skein.metadata.quorum.ControllerQuorum#metadataOffset})
     */
    ControllerResult<BrokerHeartbeatResponse> brokerHeartbeat(MetadataImage view, BrokerHeartbeatRequest request,
                                                              long nowMs, long committedOffset) {
        int id = request.getBrokerId();
        Error stale = brokerEpochError(view, id, request.getBrokerEpoch());
        if (stale != null) {
            return ControllerResult.of(List.of(), BrokerHeartbeatResponse.newBuilder().setError(stale)
                    .setIsFenced(true).build());
        }
        BrokerRegistration broker = view.broker(id);
        lastHeartbeatMs.put(id, nowMs);
        suspicions.remove(id);
        long applied = request.getCurrentMetadataOffset();
        MetadataProgress previous = progress.get(id);
        progress.put(id, new MetadataProgress(applied, nowMs, applied >= committedOffset ? nowMs
                : previous == null ? -1 : previous.caughtUpMs()));
        boolean caughtUp = applied >= registrationOffsets.getOrDefault(id, activationOffset);
        List<MetadataRecord> records = new ArrayList<>();
        boolean fenced = broker.fenced();
        if (request.getWantShutDown()) {
            if (!fenced) { // controlled shutdown: leadership moves before the broker goes
                records.addAll(fence(view, broker, Fencing.CONTROLLED_SHUTDOWN));
                fenced = true;
            }
        } else if (fenced && caughtUp && !request.getWantFence()) {
            records.add(MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder()
                    .setBrokerId(id).setBrokerEpoch(broker.epoch())).build());
            records.addAll(PartitionChanges.restoreLeaders(MetadataDelta.replayed(view, records), id,
                    uncleanAllowed(view)));
            fenced = false;
        }
        return ControllerResult.of(records, BrokerHeartbeatResponse.newBuilder().setError(none())
                .setIsCaughtUp(caughtUp).setIsFenced(fenced).setShouldShutDown(request.getWantShutDown())
                .setMetadataOffset(committedOffset).setSessionTimeoutMs(sessionTimeoutMs).build());
    }

    /**
     * The registered brokers as observers of the metadata log, as Kafka's DescribeQuorum lists them: the
     * metadata offset each last reported applied, how long ago by {@code nowMs}, and how long ago it
     * last reported having applied everything committed then; -1 where no heartbeat since this
     * controller became active says.
     */
    List<ReplicaState> observers(MetadataImage view, long nowMs) {
        List<ReplicaState> observers = new ArrayList<>();
        view.brokers().keySet().stream().sorted().forEach(id -> {
            MetadataProgress last = progress.get(id);
            observers.add(ReplicaState.newBuilder().setReplicaId(id)
                    .setLogEndIndex(last == null ? -1 : last.appliedOffset())
                    .setLastFetchElapsedMs(last == null ? -1 : nowMs - last.heartbeatMs())
                    .setLastCaughtUpElapsedMs(last == null || last.caughtUpMs() < 0 ? -1 : nowMs - last.caughtUpMs())
                    .build());
        });
        return observers;
    }

    /** Unfenced brokers with no heartbeat for a session timeout ({@code broker.session.timeout.ms}) by {@code nowMs}. */
    List<BrokerRegistration> expiredSessions(MetadataImage view, long nowMs) {
        List<BrokerRegistration> expired = new ArrayList<>();
        for (BrokerRegistration broker : view.brokers().values()) {
            Long last = lastHeartbeatMs.get(broker.id());
            if (!broker.fenced() && (last == null || nowMs - last >= sessionTimeoutMs)) {
                log.info("Fencing broker {}: no heartbeat for {} ms", broker.id(), last == null ? "?" : nowMs - last);
                expired.add(broker);
            }
        }
        return expired;
    }

    /** Fences {@code expired} (found by {@link #expiredSessions}) unless it was fenced or registered again since. */
    ControllerResult<Void> fenceExpired(MetadataImage view, BrokerRegistration expired) {
        BrokerRegistration current = view.broker(expired.id());
        return current == null || current.fenced() || current.epoch() != expired.epoch()
                ? ControllerResult.of(List.of(), null)
                : ControllerResult.of(fence(view, current, Fencing.SESSION_EXPIRED), null);
    }

    /** Why a broker is fenced, as its {@code FenceBrokerRecord} says. */
    private enum Fencing { SESSION_EXPIRED, CONTROLLED_SHUTDOWN, PROCESS_GONE }

    private List<MetadataRecord> fence(MetadataImage view, BrokerRegistration broker, Fencing why) {
        List<MetadataRecord> records = new ArrayList<>(PartitionChanges.removeBroker(view, broker.id(),
                uncleanAllowed(view)));
        records.add(MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder()
                .setBrokerId(broker.id()).setBrokerEpoch(broker.epoch())
                .setControlledShutdown(why == Fencing.CONTROLLED_SHUTDOWN).setProcessGone(why == Fencing.PROCESS_GONE))
                .build());
        return records;
    }

    private Predicate<String> uncleanAllowed(MetadataImage view) {
        return topic -> configs.uncleanLeaderElection(view, topic);
    }

    /**
     * Why a request from broker {@code id} at {@code epoch} is refused: {@code BROKER_ID_NOT_REGISTERED},
     * or {@code STALE_BROKER_EPOCH} from an earlier registration; null if it is current.
     */
    static Error brokerEpochError(MetadataImage view, int id, long epoch) {
        BrokerRegistration broker = view.broker(id);
        if (broker == null) {
            return error(ErrorCode.BROKER_ID_NOT_REGISTERED, "Broker " + id + " is not registered");
        }
        if (broker.epoch() != epoch) {
            return error(ErrorCode.STALE_BROKER_EPOCH, "Broker " + id + " has epoch " + broker.epoch() + ", not "
                    + epoch + ": register again");
        }
        return null;
    }
}
