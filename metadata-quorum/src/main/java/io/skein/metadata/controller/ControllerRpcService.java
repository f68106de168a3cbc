package io.skein.metadata.controller;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
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
import io.skein.proto.controller.FetchMetadataRequest;
import io.skein.proto.controller.MetadataUpdate;
import io.skein.proto.controller.RegisterBrokerRequest;
import io.skein.proto.controller.RegisterBrokerResponse;
import io.skein.metadata.quorum.MetadataQuorum;
import io.skein.metadata.quorum.VoterState;
import io.skein.proto.controller.DescribeVoterRequest;
import io.skein.proto.controller.DescribeVoterResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The ControllerService over gRPC: requests go to this voter's {@link QuorumController} (which acts
 * only if it is the active controller); FetchMetadata streams this voter's applied log.
 */
final class ControllerRpcService extends ControllerServiceGrpc.ControllerServiceImplBase {
    private final QuorumController controller;
    private final MetadataStreamer streamer;
    private final MetadataQuorum quorum;

    ControllerRpcService(QuorumController controller, MetadataStreamer streamer, MetadataQuorum quorum) {
        this.controller = controller;
        this.streamer = streamer;
        this.quorum = quorum;
    }

    private static <T> void reply(CompletableFuture<T> response, StreamObserver<T> observer) {
        response.whenComplete((value, failure) -> {
            if (failure != null) {
                observer.onError(io.grpc.Status.INTERNAL.withDescription(failure.toString()).asRuntimeException());
            } else {
                observer.onNext(value);
                observer.onCompleted();
            }
        });
    }

    @Override
    public void registerBroker(RegisterBrokerRequest request, StreamObserver<RegisterBrokerResponse> observer) {
        reply(controller.registerBroker(request), observer);
    }

    @Override
    public void brokerHeartbeat(BrokerHeartbeatRequest request, StreamObserver<BrokerHeartbeatResponse> observer) {
        reply(controller.brokerHeartbeat(request), observer);
    }

    @Override
    public void alterPartition(AlterPartitionRequest request, StreamObserver<AlterPartitionResponse> observer) {
        reply(controller.alterPartition(request), observer);
    }

    @Override
    public void reportOfflineReplicas(ReportOfflineReplicasRequest request,
                                      StreamObserver<ReportOfflineReplicasResponse> observer) {
        reply(controller.reportOfflineReplicas(request), observer);
    }

    @Override
    public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> observer) {
        reply(controller.createTopics(request), observer);
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> observer) {
        reply(controller.deleteTopics(request), observer);
    }

    @Override
    public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> observer) {
        reply(controller.createPartitions(request), observer);
    }

    @Override
    public void electLeaders(ElectLeadersRequest request, StreamObserver<ElectLeadersResponse> observer) {
        reply(controller.electLeaders(request), observer);
    }

    @Override
    public void allocateProducerIds(AllocateProducerIdsRequest request,
                                    StreamObserver<AllocateProducerIdsResponse> observer) {
        reply(controller.allocateProducerIds(request), observer);
    }

    @Override
    public void alterConfigs(AlterConfigsRequest request, StreamObserver<AlterConfigsResponse> observer) {
        reply(controller.alterConfigs(request), observer);
    }

    @Override
    public void alterPartitionReassignments(AlterPartitionReassignmentsRequest request,
                                            StreamObserver<AlterPartitionReassignmentsResponse> observer) {
        reply(controller.alterPartitionReassignments(request), observer);
    }

    @Override
    public void createAcls(CreateAclsRequest request, StreamObserver<CreateAclsResponse> observer) {
        reply(controller.createAcls(request), observer);
    }

    @Override
    public void deleteAcls(DeleteAclsRequest request, StreamObserver<DeleteAclsResponse> observer) {
        reply(controller.deleteAcls(request), observer);
    }

    @Override
    public void alterUserScramCredentials(AlterUserScramCredentialsRequest request,
                                          StreamObserver<AlterUserScramCredentialsResponse> observer) {
        reply(controller.alterUserScramCredentials(request), observer);
    }

    @Override
    public void alterClientQuotas(AlterClientQuotasRequest request, StreamObserver<AlterClientQuotasResponse> observer) {
        reply(controller.alterClientQuotas(request), observer);
    }

    @Override
    public void fetchMetadata(FetchMetadataRequest request, StreamObserver<MetadataUpdate> observer) {
        streamer.subscribe(request, (ServerCallStreamObserver<MetadataUpdate>) observer, ConnectionLossTracer.current());
    }

    @Override
    public void describeQuorum(DescribeQuorumRequest request, StreamObserver<DescribeQuorumResponse> observer) {
        reply(controller.describeQuorum(request), observer);
    }

    @Override
    public void describeVoter(DescribeVoterRequest request, StreamObserver<DescribeVoterResponse> observer) {
        VoterState self = quorum.describeSelf();
        observer.onNext(DescribeVoterResponse.newBuilder().setNodeId(self.nodeId()).setRole(self.role())
                .setTerm(self.term()).setCommitIndex(self.commitIndex()).setAppliedIndex(self.appliedIndex())
                .setLeaderId(self.leaderId()).build());
        observer.onCompleted();
    }
}
