package io.skein.metadata.controller;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.skein.metadata.tls.GrpcTls;
import io.skein.metadata.tls.TlsSettings;
import io.skein.proto.controller.AllocateProducerIdsRequest;
import io.skein.proto.controller.AllocateProducerIdsResponse;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterConfigsResponse;
import io.skein.proto.controller.AlterPartitionReassignmentsRequest;
import io.skein.proto.controller.AlterPartitionReassignmentsResponse;
import io.skein.proto.controller.AlterPartitionRequest;
import io.skein.proto.controller.AlterPartitionResponse;
import io.skein.proto.controller.ReportOfflineReplicasRequest;
import io.skein.proto.controller.ReportOfflineReplicasResponse;
import io.skein.proto.controller.AlterClientQuotasRequest;
import io.skein.proto.controller.AlterClientQuotasResponse;
import io.skein.proto.controller.AlterUserScramCredentialsRequest;
import io.skein.proto.controller.AlterUserScramCredentialsResponse;
import io.skein.proto.controller.BrokerHeartbeatRequest;
import io.skein.proto.controller.BrokerHeartbeatResponse;
import io.skein.proto.controller.ControllerServiceGrpc;
import io.skein.proto.controller.ControllerServiceGrpc.ControllerServiceStub;
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
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Calls the active controller, whichever voter that is: it follows NOT_CONTROLLER answers to the
 * leader they name, and moves on to another voter when one cannot be reached (trying it last for half
 * a second), until its deadline. Asynchronous: every call returns at once with a future, the next
 * attempt starts from the previous one's answer (gRPC's threads) or from the client's one retry thread
 * after a back-off, so no thread waits on a controller. Thread-safe.
 */
public final class ControllerClient implements AutoCloseable {
    private static final long RETRY_BACKOFF_MS = 10;
    /** How long a voter that refused a connection is tried last: a killed leader stays named for a while. */
    private static final long UNREACHABLE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long ATTEMPT_TIMEOUT_MS = 10_000;

    private final Map<Integer, ManagedChannel> channels = new TreeMap<>();
    private final Map<Integer, ControllerServiceStub> stubs = new TreeMap<>();
    private final List<Integer> ids;
    private final Duration timeout;
    private final ScheduledExecutorService retries;
    private final Map<Integer, Long> unreachableUntil = new ConcurrentHashMap<>();
    private volatile int leaderHint = -1;

    /** A client of controllers that serve in plaintext. */
    public ControllerClient(Map<Integer, InetSocketAddress> controllers, Duration timeout) {
        this(controllers, timeout, Optional.empty());
    }

    /**
     * @param controllers each controller's id and ControllerService address
     * @param tls         the controller listener's TLS as its clients use it; empty for plaintext
     */
    public ControllerClient(Map<Integer, InetSocketAddress> controllers, Duration timeout, Optional<TlsSettings> tls) {
        ChannelCredentials credentials = GrpcTls.channel(tls);
        controllers.forEach((id, address) -> {
            ManagedChannel channel = NettyChannelBuilder.forAddress(address, credentials).build();
            channels.put(id, channel);
            stubs.put(id, ControllerServiceGrpc.newStub(channel));
        });
        this.ids = new ArrayList<>(controllers.keySet());
        this.timeout = timeout;
        this.retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "controller-client-retries");
            thread.setDaemon(true);
            return thread;
        });
    }

    public CompletableFuture<RegisterBrokerResponse> registerBroker(RegisterBrokerRequest request) {
        return call(ControllerServiceStub::registerBroker, RegisterBrokerResponse::getError, request);
    }

    public CompletableFuture<BrokerHeartbeatResponse> brokerHeartbeat(BrokerHeartbeatRequest request) {
        return call(ControllerServiceStub::brokerHeartbeat, BrokerHeartbeatResponse::getError, request);
    }

    public CompletableFuture<AlterPartitionResponse> alterPartition(AlterPartitionRequest request) {
        return call(ControllerServiceStub::alterPartition, AlterPartitionResponse::getError, request);
    }

    public CompletableFuture<ReportOfflineReplicasResponse> reportOfflineReplicas(ReportOfflineReplicasRequest request) {
        return call(ControllerServiceStub::reportOfflineReplicas, ReportOfflineReplicasResponse::getError, request);
    }

    public CompletableFuture<CreateTopicsResponse> createTopics(CreateTopicsRequest request) {
        return call(ControllerServiceStub::createTopics, CreateTopicsResponse::getError, request);
    }

    public CompletableFuture<DeleteTopicsResponse> deleteTopics(DeleteTopicsRequest request) {
        return call(ControllerServiceStub::deleteTopics, DeleteTopicsResponse::getError, request);
    }

    public CompletableFuture<CreatePartitionsResponse> createPartitions(CreatePartitionsRequest request) {
        return call(ControllerServiceStub::createPartitions, CreatePartitionsResponse::getError, request);
    }

    public CompletableFuture<ElectLeadersResponse> electLeaders(ElectLeadersRequest request) {
        return call(ControllerServiceStub::electLeaders, ElectLeadersResponse::getError, request);
    }

    public CompletableFuture<AllocateProducerIdsResponse> allocateProducerIds(AllocateProducerIdsRequest request) {
        return call(ControllerServiceStub::allocateProducerIds, AllocateProducerIdsResponse::getError, request);
    }

    public CompletableFuture<AlterConfigsResponse> alterConfigs(AlterConfigsRequest request) {
        return call(ControllerServiceStub::alterConfigs, AlterConfigsResponse::getError, request);
    }

    public CompletableFuture<AlterPartitionReassignmentsResponse> alterPartitionReassignments(
            AlterPartitionReassignmentsRequest request) {
        return call(ControllerServiceStub::alterPartitionReassignments, AlterPartitionReassignmentsResponse::getError,
                request);
    }

    public CompletableFuture<CreateAclsResponse> createAcls(CreateAclsRequest request) {
        return call(ControllerServiceStub::createAcls, CreateAclsResponse::getError, request);
    }

    public CompletableFuture<DeleteAclsResponse> deleteAcls(DeleteAclsRequest request) {
        return call(ControllerServiceStub::deleteAcls, DeleteAclsResponse::getError, request);
    }

    public CompletableFuture<AlterUserScramCredentialsResponse> alterUserScramCredentials(
            AlterUserScramCredentialsRequest request) {
        return call(ControllerServiceStub::alterUserScramCredentials, AlterUserScramCredentialsResponse::getError,
                request);
    }

    public CompletableFuture<AlterClientQuotasResponse> alterClientQuotas(AlterClientQuotasRequest request) {
        return call(ControllerServiceStub::alterClientQuotas, AlterClientQuotasResponse::getError, request);
    }

    public CompletableFuture<DescribeQuorumResponse> describeQuorum() {
        return call(ControllerServiceStub::describeQuorum, DescribeQuorumResponse::getError,
                DescribeQuorumRequest.getDefaultInstance());
    }

    /**
     * Asks voter {@code id} itself about its role and indexes, within {@code timeout}; the future fails
     * with gRPC's status if it does not answer in time.
     */
    public CompletableFuture<DescribeVoterResponse> describeVoter(int id, Duration timeout) {
        CompletableFuture<DescribeVoterResponse> answer = new CompletableFuture<>();
        stubs.get(id).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .describeVoter(DescribeVoterRequest.getDefaultInstance(), new StreamObserver<>() {
                    @Override
                    public void onNext(DescribeVoterResponse response) {
                        answer.complete(response);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        return answer;
    }

    /** The ids of the controllers this client calls. */
    public List<Integer> controllerIds() {
        return List.copyOf(ids);
    }

    /** A unary method of the controller service's asynchronous stub. */
    @FunctionalInterface
    private interface Method<Q, R> {
        void send(ControllerServiceStub stub, Q request, StreamObserver<R> answer);
    }

    private <Q, R> CompletableFuture<R> call(Method<Q, R> method, Function<R, Error> errorOf, Q request) {
        Call<Q, R> call = new Call<>(method, errorOf, request, System.nanoTime() + timeout.toNanos());
        call.attempt();
        return call.result;
    }

    /**
     * One request until it has an answer: sent to the presumed leader; a NOT_CONTROLLER answer or an
     * unreachable voter means another try (at the named leader, else the next voter) until the
     * deadline; any other answer completes it. At the deadline, the last NOT_CONTROLLER answer, or a
     * {@link ControllerUnavailableException}. Attempts never overlap (each starts from the end of the
     * one before), so its fields have one writer at a time.
     */
    private final class Call<Q, R> {
        final CompletableFuture<R> result = new CompletableFuture<>();
        private final Method<Q, R> method;
        private final Function<R, Error> errorOf;
        private final Q request;
        private final long deadline;
        private int attempts;
        private R lastNotController;
        private String lastFailure = "no controller answered";

        Call(Method<Q, R> method, Function<R, Error> errorOf, Q request, long deadline) {
            this.method = method;
            this.errorOf = errorOf;
            this.request = request;
            this.deadline = deadline;
        }

        void attempt() {
            if (System.nanoTime() >= deadline) {
                if (lastNotController != null) {
                    result.complete(lastNotController);
                } else {
                    result.completeExceptionally(new ControllerUnavailableException(
                            "No active controller within " + timeout + " (" + lastFailure + ")"));
                }
                return;
            }
            int target = pickTarget(attempts++);
            long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            try {
                method.send(stubs.get(target).withDeadlineAfter(Math.min(remainingMs, ATTEMPT_TIMEOUT_MS),
                        TimeUnit.MILLISECONDS), request, new StreamObserver<>() {
                    @Override
                    public void onNext(R response) {
                        answered(target, response);
                    }

                    @Override
                    public void onError(Throwable t) {
                        unreachable(target, t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e); // the channel is shut down: the client is closed
            }
        }

        private void answered(int target, R response) {
            Error error = errorOf.apply(response);
            if (error.getCode() != ErrorCode.NOT_CONTROLLER) {
                leaderHint = target;
                result.complete(response);
                return;
            }
            lastNotController = response;
            int named = error.getLeaderId();
            if (named == target) {
                leaderHint = target; // it leads, and will act once it has applied its whole term
            } else if (named >= 0 && !isUnreachable(named)) {
                leaderHint = named; // ask the leader it names at once
                channels.get(named).resetConnectBackoff(); // it may have just come back
                attempt();
                return;
            } else {
                leaderHint = -1; // no leader yet, or one that is down: an election is under way
            }
            retryLater();
        }

        private void unreachable(int target, Throwable failure) {
            lastFailure = "controller " + target + ": " + failure + GrpcTls.transportCause(failure);
            unreachableUntil.put(target, System.nanoTime() + UNREACHABLE_NANOS);
            leaderHint = -1;
            retryLater();
        }

        private void retryLater() {
            try {
                retries.schedule(this::attempt, RETRY_BACKOFF_MS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closed) {
                result.completeExceptionally(new ControllerUnavailableException("The controller client is closed"));
            }
        }
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

    /** No controller could be reached before the deadline. */
    public static final class ControllerUnavailableException extends RuntimeException {
        ControllerUnavailableException(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        retries.shutdownNow();
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
