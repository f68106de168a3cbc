package io.skein.broker;

import io.skein.metadata.controller.ControllerClient;
import io.skein.metadata.controller.ControllerClient.ControllerUnavailableException;
import io.skein.metadata.util.RetryLog;
import io.skein.proto.Uuids;
import io.skein.proto.controller.BrokerHeartbeatRequest;
import io.skein.proto.controller.BrokerHeartbeatResponse;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.RegisterBrokerRequest;
import io.skein.proto.controller.RegisterBrokerResponse;
import io.skein.proto.metadata.Endpoint;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's standing with the active controller: it registers (a new incarnation each start),
 * heartbeats with the metadata offset it has applied, stays fenced until it is ready to serve, and on
 * shutdown asks the controller to move its leaderships away first (controlled shutdown). Each
 * heartbeat's answer renews or revokes the broker's {@link BrokerLease}.
 *
 * <p>One thread, owned here, makes every call and handles its answer (the controller client does not
 * block it); calls never overlap, and the futures report the milestones of a start.
 */
public final class BrokerLifecycleManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerLifecycleManager.class);
    /** Heartbeats come this often until the broker is unfenced, so that a start takes milliseconds, not seconds. */
    private static final long STARTUP_HEARTBEAT_MS = 20;
    private static final long RETRY_BACKOFF_MS = 100;

    private final int brokerId;
    private final String clusterId;
    private final UUID incarnationId = UUID.randomUUID();
    private final ControllerClient controller;
    private final LongSupplier metadataOffset;
    private final long heartbeatIntervalMs;
    private final BrokerLease lease;
    private final ScheduledExecutorService thread;
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private final CompletableFuture<Void> unfenced = new CompletableFuture<>();
    private final CompletableFuture<Void> shutDownAllowed = new CompletableFuture<>();
    /** While no controller answers (an election, controllers down), one line, not one a retry; the thread's. */
    private final RetryLog retries = new RetryLog(log);

    private List<Endpoint> endpoints;
    private Endpoint http;
    private List<UUID> logDirIds;
    private volatile long brokerEpoch = -1;
    private volatile boolean readyToUnfence;
    private volatile boolean wantShutDown;

    /**
     * @param metadataOffset the offset of the last metadata record the broker has applied
     * @param lease          the lease the answers to heartbeats grant
     */
    public BrokerLifecycleManager(int brokerId, String clusterId, ControllerClient controller,
                                  LongSupplier metadataOffset, long heartbeatIntervalMs, BrokerLease lease) {
        this.brokerId = brokerId;
        this.clusterId = clusterId;
        this.controller = controller;
        this.metadataOffset = metadataOffset;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.lease = lease;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "broker-lifecycle-" + brokerId);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Registers with {@code endpoints}, the node's {@code http} listener and {@code logDirIds}, then
     * heartbeats until closed.
     */
    public void start(List<Endpoint> endpoints, Endpoint http, List<UUID> logDirIds) {
        this.endpoints = List.copyOf(endpoints);
        this.http = http;
        this.logDirIds = List.copyOf(logDirIds);
        thread.execute(this::tick);
    }

    /** Completes once the controller says this broker has applied the metadata up to its registration. */
    public CompletableFuture<Void> caughtUp() {
        return caughtUp;
    }

    /** From now on the broker asks to be unfenced: its logs are loaded and it can serve. */
    public void setReadyToUnfence() {
        readyToUnfence = true;
    }

    /** Completes once the controller has unfenced this broker. */
    public CompletableFuture<Void> unfenced() {
        return unfenced;
    }

    /** The epoch of the current registration, -1 before the first. */
    public long brokerEpoch() {
        return brokerEpoch;
    }

    /**
     * Controlled shutdown: asks the controller to fence this broker, moving its leaderships to other
     * replicas, and waits until it agrees or {@code timeout} passes.
     *
     * @return whether the controller agreed in time
     */
    public boolean controlledShutdown(Duration timeout) {
        if (brokerEpoch < 0 || thread.isShutdown()) {
            return false;
        }
        wantShutDown = true;
        thread.execute(this::tick);
        try {
            shutDownAllowed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            log.warn("Controlled shutdown of broker {} did not complete within {}: shutting down anyway", brokerId,
                    timeout);
            return false;
        }
    }

    /** One call to the controller; its answer is handled, and the next call scheduled, on this manager's thread. */
    private void tick() {
        long sentAt = lease.now(); // before the heartbeat leaves: the lease counts from no later than the controller
        CompletableFuture<Long> delay = brokerEpoch < 0
                ? controller.registerBroker(registration()).thenApplyAsync(this::registered, this::onThread)
                : controller.brokerHeartbeat(heartbeat()).thenApplyAsync(
                        response -> heartbeatAnswered(sentAt, response), this::onThread);
        delay.whenComplete((next, failure) -> onThread(() -> scheduleNext(next, failure)));
    }

    private void scheduleNext(Long answered, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        long delay = failure == null ? answered : RETRY_BACKOFF_MS;
        if (cause instanceof ControllerUnavailableException) {
            // The kind: the reason, but for the controller ids and times that change from one try to the next.
            retries.failed(cause.getMessage().replaceAll("[0-9.]+", "#"), "Broker {}: no active controller yet ({}); retrying",
                    brokerId, cause.getMessage());
        } else if (cause != null) {
            log.error("Broker {}: a call to the controller failed; retrying", brokerId, cause);
        }
        if (delay >= 0 && !thread.isShutdown()) {
            thread.schedule(this::tick, delay, TimeUnit.MILLISECONDS);
        }
    }

    /** Runs {@code task} on this manager's thread, unless it is closed. */
    private void onThread(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException closed) {
            // Closed: no more calls.
        }
    }

    private RegisterBrokerRequest registration() {
        return RegisterBrokerRequest.newBuilder()
                .setBrokerId(brokerId).setClusterId(clusterId).setIncarnationId(Uuids.toProto(incarnationId))
                .addAllEndpoints(endpoints).setHttpEndpoint(http)
                .addAllLogDirIds(logDirIds.stream().map(Uuids::toProto).toList())
                .build();
    }

    /** @return the delay before the next call, or -1 to make no more */
    private long registered(RegisterBrokerResponse response) {
        ErrorCode code = response.getError().getCode();
        if (code == ErrorCode.DUPLICATE_BROKER_REGISTRATION || code == ErrorCode.INCONSISTENT_CLUSTER_ID) {
            RuntimeException fatal = new IllegalStateException("The controller refused broker " + brokerId + ": "
                    + response.getError().getMessage());
            caughtUp.completeExceptionally(fatal);
            unfenced.completeExceptionally(fatal);
            return -1;
        }
        if (code != ErrorCode.NONE) {
            retries.failed(code.name(), "Broker {}: registration failed ({}: {}); retrying", brokerId, code,
                    response.getError().getMessage());
            return RETRY_BACKOFF_MS;
        }
        retries.succeeded("Broker {}: the active controller answers again", brokerId);
        brokerEpoch = response.getBrokerEpoch();
        log.info("Broker {} registered with epoch {}", brokerId, brokerEpoch);
        return 0;
    }

    private BrokerHeartbeatRequest heartbeat() {
        return BrokerHeartbeatRequest.newBuilder()
                .setBrokerId(brokerId).setBrokerEpoch(brokerEpoch).setCurrentMetadataOffset(metadataOffset.getAsLong())
                .setWantFence(!readyToUnfence).setWantShutDown(wantShutDown).build();
    }

    private long heartbeatAnswered(long sentAt, BrokerHeartbeatResponse response) {
        lease.heartbeatAnswered(sentAt, response);
        ErrorCode code = response.getError().getCode();
        if (code == ErrorCode.STALE_BROKER_EPOCH || code == ErrorCode.BROKER_ID_NOT_REGISTERED) {
            log.warn("Broker {}: the controller no longer knows epoch {} ({}); registering again", brokerId,
                    brokerEpoch, response.getError().getMessage());
            brokerEpoch = -1;
            return 0;
        }
        if (code != ErrorCode.NONE) {
            retries.failed(code.name(), "Broker {}: heartbeat failed ({}: {}); retrying", brokerId, code,
                    response.getError().getMessage());
            return RETRY_BACKOFF_MS;
        }
        retries.succeeded("Broker {}: the active controller answers again", brokerId);
        if (response.getIsCaughtUp() && caughtUp.complete(null)) {
            log.info("Broker {} has caught up with the metadata log", brokerId);
        }
        if (!response.getIsFenced() && unfenced.complete(null)) {
            log.info("Broker {} is unfenced", brokerId);
        }
        if (response.getShouldShutDown()) {
            shutDownAllowed.complete(null);
        }
        return unfenced.isDone() && !wantShutDown ? heartbeatIntervalMs : STARTUP_HEARTBEAT_MS;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
