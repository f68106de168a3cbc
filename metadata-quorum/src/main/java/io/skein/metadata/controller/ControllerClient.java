package io.skein.metadata.controller;

import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.skein.proto.controller.AllocateProducerIdsRequest;
import io.skein.proto.controller.AllocateProducerIdsResponse;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterConfigsResponse;
import io.skein.proto.controller.AlterPartitionRequest;
import io.skein.proto.controller.AlterPartitionResponse;
import io.skein.proto.controller.BrokerHeartbeatRequest;
import io.skein.proto.controller.BrokerHeartbeatResponse;
import io.skein.proto.controller.ControllerServiceGrpc;
import io.skein.proto.controller.ControllerServiceGrpc.ControllerServiceBlockingStub;
import io.skein.proto.controller.CreatePartitionsRequest;
import io.skein.proto.controller.CreatePartitionsResponse;
import io.skein.proto.controller.CreateTopicsRequest;
import io.skein.proto.controller.CreateTopicsResponse;
import io.skein.proto.controller.DeleteTopicsRequest;
import io.skein.proto.controller.DeleteTopicsResponse;
import io.skein.proto.controller.DescribeQuorumRequest;
import io.skein.proto.controller.DescribeQuorumResponse;
import io.skein.proto.controller.DescribeVoterRequest;
import io.skein.proto.controller.DescribeVoterResponse;
import io.skein.proto.controller.ElectLeadersRequest;
import io.skein.proto.controller.ElectLeadersResponse;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.RegisterBrokerRequest;
import io.skein.proto.controller.RegisterBrokerResponse;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Calls the active controller, whichever voter that is: it follows NOT_CONTROLLER answers to the
 * leader they name, and moves on to another voter when one cannot be reached (trying it last for half
 * a second), until its deadline. Blocking; thread-safe.
 */
public final class ControllerClient implements AutoCloseable {
    private static final long RETRY_BACKOFF_MS = 10;
    /** How long a voter that refused a connection is tried last: a killed leader stays named for a while. */
    private static final long UNREACHABLE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final Map<Integer, ManagedChannel> channels = new TreeMap<>();
    private final Map<Integer, ControllerServiceBlockingStub> stubs = new TreeMap<>();
    private final List<Integer> ids;
    private final Duration timeout;
    private final Map<Integer, Long> unreachableUntil = new ConcurrentHashMap<>();
    private volatile int leaderHint = -1;

    /** @param controllers each controller's id and ControllerService address */
    public ControllerClient(Map<Integer, InetSocketAddress> controllers, Duration timeout) {
        controllers.forEach((id, address) -> {
            ManagedChannel channel = NettyChannelBuilder.forAddress(address, InsecureChannelCredentials.create()).build();
            channels.put(id, channel);
            stubs.put(id, ControllerServiceGrpc.newBlockingStub(channel));
        });
        this.ids = new ArrayList<>(controllers.keySet());
        this.timeout = timeout;
    }

    public RegisterBrokerResponse registerBroker(RegisterBrokerRequest request) {
        return call(ControllerServiceBlockingStub::registerBroker, RegisterBrokerResponse::getError, request);
    }

    public BrokerHeartbeatResponse brokerHeartbeat(BrokerHeartbeatRequest request) {
        return call(ControllerServiceBlockingStub::brokerHeartbeat, BrokerHeartbeatResponse::getError, request);
    }

    public AlterPartitionResponse alterPartition(AlterPartitionRequest request) {
        return call(ControllerServiceBlockingStub::alterPartition, AlterPartitionResponse::getError, request);
    }

    public CreateTopicsResponse createTopics(CreateTopicsRequest request) {
        return call(ControllerServiceBlockingStub::createTopics, CreateTopicsResponse::getError, request);
    }

    public DeleteTopicsResponse deleteTopics(DeleteTopicsRequest request) {
        return call(ControllerServiceBlockingStub::deleteTopics, DeleteTopicsResponse::getError, request);
    }

    public CreatePartitionsResponse createPartitions(CreatePartitionsRequest request) {
        return call(ControllerServiceBlockingStub::createPartitions, CreatePartitionsResponse::getError, request);
    }

    public ElectLeadersResponse electLeaders(ElectLeadersRequest request) {
        return call(ControllerServiceBlockingStub::electLeaders, ElectLeadersResponse::getError, request);
    }

    public AllocateProducerIdsResponse allocateProducerIds(AllocateProducerIdsRequest request) {
        return call(ControllerServiceBlockingStub::allocateProducerIds, AllocateProducerIdsResponse::getError, request);
    }

    public AlterConfigsResponse alterConfigs(AlterConfigsRequest request) {
        return call(ControllerServiceBlockingStub::alterConfigs, AlterConfigsResponse::getError, request);
    }

    public DescribeQuorumResponse describeQuorum() {
        return call(ControllerServiceBlockingStub::describeQuorum, DescribeQuorumResponse::getError,
                DescribeQuorumRequest.getDefaultInstance());
    }

    /**
     * Asks voter {@code id} itself about its role and indexes, within {@code timeout}.
     *
     * @throws StatusRuntimeException if it does not answer in time
     */
    public DescribeVoterResponse describeVoter(int id, Duration timeout) {
        return stubs.get(id).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .describeVoter(DescribeVoterRequest.getDefaultInstance());
    }

    /** The ids of the controllers this client calls. */
    public List<Integer> controllerIds() {
        return List.copyOf(ids);
    }

    /**
     * Sends {@code request} to the presumed leader. A NOT_CONTROLLER answer or an unreachable voter
     * means another try (at the named leader, else the next voter) until the deadline; any other
     * answer is returned. At the deadline, the last NOT_CONTROLLER answer, or one saying none could
     * be reached.
     */
    private <Q, R> R call(BiFunction<ControllerServiceBlockingStub, Q, R> method, Function<R, Error> errorOf, Q request) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int attempt = 0;
        R lastNotController = null;
        String lastFailure = "no controller answered";
        while (System.nanoTime() < deadline) {
            int target = pickTarget(attempt++);
            long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            try {
                R response = method.apply(stubs.get(target).withDeadlineAfter(Math.min(remainingMs, 10_000),
                        TimeUnit.MILLISECONDS), request);
                Error error = errorOf.apply(response);
                if (error.getCode() != ErrorCode.NOT_CONTROLLER) {
                    leaderHint = target;
                    return response;
                }
                lastNotController = response;
                int named = error.getLeaderId();
                if (named == target) {
                    leaderHint = target; // it leads, and will act once it has applied its whole term
                } else if (named >= 0 && !isUnreachable(named)) {
                    leaderHint = named; // ask the leader it names at once
                    channels.get(named).resetConnectBackoff(); // it may have just come back
                    continue;
                } else {
                    leaderHint = -1; // no leader yet, or one that is down: an election is under way
                }
            } catch (StatusRuntimeException e) {
                lastFailure = "controller " + target + ": " + e.getStatus();
                unreachableUntil.put(target, System.nanoTime() + UNREACHABLE_NANOS);
                leaderHint = -1;
            }
            sleep(RETRY_BACKOFF_MS);
        }
        if (lastNotController != null) {
            return lastNotController;
        }
        throw new ControllerUnavailableException("No active controller within " + timeout + " (" + lastFailure + ")");
    }

    /** The named leader if any, else the next voter that did not just refuse a connection. */
    private int pickTarget(int attempt) {
        int hint = leaderHint;
        if (hint >= 0 && stubs.containsKey(hint)) {
            return hint;
        }
        for (int i = 0; i < ids.size(); i++) {
            int candidate = ids.get((attempt + i) % ids.size());
            if (!isUnreachable(candidate)) {
                return candidate;
            }
        }
        int fallback = ids.get(attempt % ids.size());
        // gRPC waits a second or more before reconnecting to a voter that went down; it may be back.
        channels.get(fallback).resetConnectBackoff();
        return fallback;
    }

    private boolean isUnreachable(int id) {
        Long until = unreachableUntil.get(id);
        return until != null && System.nanoTime() < until;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms); // back-off between retries, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ControllerUnavailableException("Interrupted while waiting for the active controller");
        }
    }

    /** No controller could be reached before the deadline. */
    public static final class ControllerUnavailableException extends RuntimeException {
        ControllerUnavailableException(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
