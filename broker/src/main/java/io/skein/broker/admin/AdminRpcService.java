package io.skein.broker.admin;

import io.grpc.stub.StreamObserver;
import io.skein.broker.security.Caller;
import io.skein.proto.admin.AbortTransactionRequest;
import io.skein.proto.admin.AbortTransactionResponse;
import io.skein.proto.admin.AdminServiceGrpc;
import io.skein.proto.admin.AlterClientQuotasRequest;
import io.skein.proto.admin.AlterClientQuotasResponse;
import io.skein.proto.admin.AlterTopicConfigsRequest;
import io.skein.proto.admin.AlterTopicConfigsResponse;
import io.skein.proto.admin.AlterUserRequest;
import io.skein.proto.admin.AlterUserResponse;
import io.skein.proto.admin.BrowseMessagesRequest;
import io.skein.proto.admin.BrowseMessagesResponse;
import io.skein.proto.admin.CancelReassignmentsRequest;
import io.skein.proto.admin.CancelReassignmentsResponse;
import io.skein.proto.admin.ClearReplicationThrottlesRequest;
import io.skein.proto.admin.ClearReplicationThrottlesResponse;
import io.skein.proto.admin.CreateAclsRequest;
import io.skein.proto.admin.CreateAclsResponse;
import io.skein.proto.admin.CreatePartitionsRequest;
import io.skein.proto.admin.CreatePartitionsResponse;
import io.skein.proto.admin.CreateTopicsRequest;
import io.skein.proto.admin.CreateTopicsResponse;
import io.skein.proto.admin.DeleteAclsRequest;
import io.skein.proto.admin.DeleteAclsResponse;
import io.skein.proto.admin.DeleteGroupsRequest;
import io.skein.proto.admin.DeleteGroupsResponse;
import io.skein.proto.admin.DeleteRecordsRequest;
import io.skein.proto.admin.DeleteRecordsResponse;
import io.skein.proto.admin.DeleteTopicsRequest;
import io.skein.proto.admin.DeleteTopicsResponse;
import io.skein.proto.admin.DescribeClusterRequest;
import io.skein.proto.admin.DescribeClusterResponse;
import io.skein.proto.admin.DescribeGroupsRequest;
import io.skein.proto.admin.DescribeGroupsResponse;
import io.skein.proto.admin.DescribeProducersRequest;
import io.skein.proto.admin.DescribeProducersResponse;
import io.skein.proto.admin.DescribeQuorumRequest;
import io.skein.proto.admin.DescribeQuorumResponse;
import io.skein.proto.admin.DescribeTopicConfigsRequest;
import io.skein.proto.admin.DescribeTopicConfigsResponse;
import io.skein.proto.admin.DescribeTopicsRequest;
import io.skein.proto.admin.DescribeTopicsResponse;
import io.skein.proto.admin.DescribeTransactionsRequest;
import io.skein.proto.admin.DescribeTransactionsResponse;
import io.skein.proto.admin.ElectLeadersRequest;
import io.skein.proto.admin.ElectLeadersResponse;
import io.skein.proto.admin.ExecuteReassignmentRequest;
import io.skein.proto.admin.ExecuteReassignmentResponse;
import io.skein.proto.admin.GetGroupHistoryRequest;
import io.skein.proto.admin.GetHistoryRequest;
import io.skein.proto.admin.GetHistoryResponse;
import io.skein.proto.admin.GetOverviewRequest;
import io.skein.proto.admin.GetOverviewResponse;
import io.skein.proto.admin.GetTimelineRequest;
import io.skein.proto.admin.GetTimelineResponse;
import io.skein.proto.admin.ListAclsRequest;
import io.skein.proto.admin.ListClientQuotasRequest;
import io.skein.proto.admin.ListClientQuotasResponse;
import io.skein.proto.admin.ListAclsResponse;
import io.skein.proto.admin.ListGroupsRequest;
import io.skein.proto.admin.ListGroupsResponse;
import io.skein.proto.admin.ListReassignmentsRequest;
import io.skein.proto.admin.ListReassignmentsResponse;
import io.skein.proto.admin.ListTopicsRequest;
import io.skein.proto.admin.ListTopicsResponse;
import io.skein.proto.admin.ListTransactionsRequest;
import io.skein.proto.admin.ListTransactionsResponse;
import io.skein.proto.admin.ListUsersRequest;
import io.skein.proto.admin.ListUsersResponse;
import io.skein.proto.admin.ProposeReassignmentRequest;
import io.skein.proto.admin.ProposeReassignmentResponse;
import io.skein.proto.admin.RemoveUserRequest;
import io.skein.proto.admin.RemoveUserResponse;
import io.skein.proto.admin.ResetGroupOffsetsRequest;
import io.skein.proto.admin.ResetGroupOffsetsResponse;
import io.skein.proto.admin.TopicSpec;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.errors.BrokerNotAvailableException;

/**
 * AdminService over gRPC: each call is authorized first, as its caller ({@link AdminAuthentication}),
 * by {@link AdminAuthorization}, then answered asynchronously, never blocking a gRPC thread.
 */
final class AdminRpcService extends AdminServiceGrpc.AdminServiceImplBase {
    private final AdminAuthorization authorization;
    private final TopicRpcs topics;
    private final ClusterRpcs cluster;
    private final GroupRpcs groups;
    private final TransactionRpcs transactions;
    private final MessageBrowser messages;
    private final AclRpcs acls;
    private final UserRpcs users;
    private final ClientQuotaRpcs clientQuotas;
    private final ReassignmentRpcs reassignments;
    private final GroupLag lag;
    private volatile HistoryRpcs history;

    AdminRpcService(AdminContext context, AdminAuthorization authorization) {
        this.authorization = authorization;
        this.topics = new TopicRpcs(context);
        this.cluster = new ClusterRpcs(context);
        this.lag = new GroupLag(topics, new RecordTimes(context), Clock.systemUTC());
        this.groups = new GroupRpcs(context, topics, lag);
        this.transactions = new TransactionRpcs(context);
        this.messages = new MessageBrowser(context);
        this.acls = new AclRpcs(context);
        this.users = new UserRpcs(context);
        this.clientQuotas = new ClientQuotaRpcs(context);
        this.reassignments = new ReassignmentRpcs(context);
    }

    TopicRpcs topics() {
        return topics;
    }

    ClusterRpcs cluster() {
        return cluster;
    }

    GroupRpcs groups() {
        return groups;
    }

    GroupLag lag() {
        return lag;
    }

    void serveHistory(HistoryRpcs rpcs) {
        history = rpcs;
    }

    /** The node's history; BROKER_NOT_AVAILABLE in the moment between the admin API starting and the node starting it. */
    private HistoryRpcs history() {
        HistoryRpcs rpcs = history;
        if (rpcs == null) {
            throw new BrokerNotAvailableException("This broker is still starting: its history is not sampled yet");
        }
        return rpcs;
    }

    MessageBrowser messages() {
        return messages;
    }

    /**
     * Sends the answer to the call's caller, or the failure (thrown at once or later) as a status with
     * its Kafka error.
     */
    private static <T> void reply(Function<Caller, CompletableFuture<T>> call, StreamObserver<T> observer) {
        CompletableFuture<T> answer;
        try {
            answer = call.apply(AdminAuthentication.caller());
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((value, failure) -> {
            if (failure != null) {
                observer.onError(AdminErrors.toStatus(failure));
            } else {
                observer.onNext(value);
                observer.onCompleted();
            }
        });
    }

    @Override
    public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> observer) {
        reply(caller -> {
            authorization.listUsers(caller);
            return CompletableFuture.completedFuture(users.listUsers(request));
        }, observer);
    }

    @Override
    public void alterUser(AlterUserRequest request, StreamObserver<AlterUserResponse> observer) {
        reply(caller -> {
            authorization.changeUsers(caller, "AlterUser");
            return users.alterUser(request);
        }, observer);
    }

    @Override
    public void removeUser(RemoveUserRequest request, StreamObserver<RemoveUserResponse> observer) {
        reply(caller -> {
            authorization.changeUsers(caller, "RemoveUser");
            return users.removeUser(request);
        }, observer);
    }

    @Override
    public void listClientQuotas(ListClientQuotasRequest request, StreamObserver<ListClientQuotasResponse> observer) {
        reply(caller -> {
            authorization.listClientQuotas(caller);
            return CompletableFuture.completedFuture(clientQuotas.listClientQuotas(request));
        }, observer);
    }

    @Override
    public void alterClientQuotas(AlterClientQuotasRequest request, StreamObserver<AlterClientQuotasResponse> observer) {
        reply(caller -> {
            authorization.alterClientQuotas(caller);
            return clientQuotas.alterClientQuotas(request);
        }, observer);
    }

    @Override
    public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> observer) {
        reply(caller -> {
            authorization.createTopics(caller, request.getTopicsList().stream().map(TopicSpec::getName).toList());
            return topics.createTopics(request);
        }, observer);
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> observer) {
        reply(caller -> {
            authorization.deleteTopics(caller, request.getNamesList());
            return topics.deleteTopics(request);
        }, observer);
    }

    @Override
    public void listTopics(ListTopicsRequest request, StreamObserver<ListTopicsResponse> observer) {
        reply(caller -> CompletableFuture.completedFuture(authorization.listTopics(caller,
                topics.listTopics(request))), observer);
    }

    @Override
    public void describeTopics(DescribeTopicsRequest request, StreamObserver<DescribeTopicsResponse> observer) {
        reply(caller -> {
            authorization.describeTopics(caller, request.getNamesList());
            return topics.describeTopics(request).thenApply(described -> authorization.describedTopics(caller,
                    described));
        }, observer);
    }

    @Override
    public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> observer) {
        reply(caller -> {
            authorization.createPartitions(caller, request.getTopic());
            return topics.createPartitions(request);
        }, observer);
    }

    @Override
    public void alterTopicConfigs(AlterTopicConfigsRequest request,
                                  StreamObserver<AlterTopicConfigsResponse> observer) {
        reply(caller -> {
            authorization.alterTopicConfigs(caller, request.getTopic());
            return topics.alterTopicConfigs(request);
        }, observer);
    }

    @Override
    public void describeTopicConfigs(DescribeTopicConfigsRequest request,
                                     StreamObserver<DescribeTopicConfigsResponse> observer) {
        reply(caller -> {
            authorization.describeTopicConfigs(caller, request.getTopic());
            return CompletableFuture.completedFuture(topics.describeTopicConfigs(request));
        }, observer);
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> observer) {
        reply(caller -> {
            authorization.describeCluster(caller);
            return cluster.describeCluster();
        }, observer);
    }

    @Override
    public void describeQuorum(DescribeQuorumRequest request, StreamObserver<DescribeQuorumResponse> observer) {
        reply(caller -> {
            authorization.describeQuorum(caller);
            return cluster.describeQuorum();
        }, observer);
    }

    @Override
    public void electLeaders(ElectLeadersRequest request, StreamObserver<ElectLeadersResponse> observer) {
        reply(caller -> {
            authorization.electLeaders(caller);
            return topics.electLeaders(request);
        }, observer);
    }

    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> observer) {
        reply(caller -> groups.listGroups().thenApply(all -> authorization.listGroups(caller, all)), observer);
    }

    @Override
    public void describeGroups(DescribeGroupsRequest request, StreamObserver<DescribeGroupsResponse> observer) {
        reply(caller -> groups.describeGroups(request,
                authorization.describeGroups(caller, request.getGroupIdsList())), observer);
    }

    @Override
    public void resetGroupOffsets(ResetGroupOffsetsRequest request,
                                  StreamObserver<ResetGroupOffsetsResponse> observer) {
        reply(caller -> groups.resetGroupOffsets(request,
                authorization.resetGroupOffsets(caller, request.getGroupId())), observer);
    }

    @Override
    public void deleteGroups(DeleteGroupsRequest request, StreamObserver<DeleteGroupsResponse> observer) {
        reply(caller -> {
            authorization.deleteGroups(caller, request.getGroupIdsList());
            return groups.deleteGroups(request);
        }, observer);
    }

    @Override
    public void deleteRecords(DeleteRecordsRequest request, StreamObserver<DeleteRecordsResponse> observer) {
        reply(caller -> {
            authorization.deleteRecords(caller, request.getTopic());
            return topics.deleteRecords(request);
        }, observer);
    }

    @Override
    public void listTransactions(ListTransactionsRequest request, StreamObserver<ListTransactionsResponse> observer) {
        reply(caller -> transactions.listTransactions(request)
                .thenApply(all -> authorization.listTransactions(caller, all)), observer);
    }

    @Override
    public void describeTransactions(DescribeTransactionsRequest request,
                                     StreamObserver<DescribeTransactionsResponse> observer) {
        reply(caller -> {
            authorization.describeTransactions(caller, request.getTransactionalIdsList());
            return transactions.describeTransactions(request)
                    .thenApply(described -> authorization.describedTransactions(caller, described));
        }, observer);
    }

    @Override
    public void describeProducers(DescribeProducersRequest request, StreamObserver<DescribeProducersResponse> observer) {
        reply(caller -> {
            authorization.describeProducers(caller, request.getTopic());
            return transactions.describeProducers(request);
        }, observer);
    }

    @Override
    public void abortTransaction(AbortTransactionRequest request, StreamObserver<AbortTransactionResponse> observer) {
        reply(caller -> {
            authorization.abortTransaction(caller);
            return transactions.abortTransaction(request);
        }, observer);
    }

    @Override
    public void browseMessages(BrowseMessagesRequest request, StreamObserver<BrowseMessagesResponse> observer) {
        reply(caller -> {
            authorization.browseMessages(caller, request.getTopic());
            return messages.browse(request);
        }, observer);
    }

    @Override
    public void getHistory(GetHistoryRequest request, StreamObserver<GetHistoryResponse> observer) {
        reply(caller -> {
            authorization.clusterHistory(caller, "GetHistory");
            return history().history(request);
        }, observer);
    }

    @Override
    public void getGroupHistory(GetGroupHistoryRequest request, StreamObserver<GetHistoryResponse> observer) {
        reply(caller -> {
            authorization.groupHistory(caller, request.getGroupId());
            return history().groupHistory(request);
        }, observer);
    }

    @Override
    public void getTimeline(GetTimelineRequest request, StreamObserver<GetTimelineResponse> observer) {
        reply(caller -> {
            authorization.clusterHistory(caller, "GetTimeline");
            return history().timeline(request);
        }, observer);
    }

    @Override
    public void getOverview(GetOverviewRequest request, StreamObserver<GetOverviewResponse> observer) {
        reply(caller -> {
            authorization.clusterHistory(caller, "GetOverview");
            return history().overview(request);
        }, observer);
    }

    @Override
    public void listAcls(ListAclsRequest request, StreamObserver<ListAclsResponse> observer) {
        reply(caller -> {
            authorization.listAcls(caller);
            return CompletableFuture.completedFuture(acls.listAcls(request));
        }, observer);
    }

    @Override
    public void createAcls(CreateAclsRequest request, StreamObserver<CreateAclsResponse> observer) {
        reply(caller -> {
            authorization.changeAcls(caller, "CreateAcls");
            return acls.createAcls(request);
        }, observer);
    }

    @Override
    public void deleteAcls(DeleteAclsRequest request, StreamObserver<DeleteAclsResponse> observer) {
        reply(caller -> {
            authorization.changeAcls(caller, "DeleteAcls");
            return acls.deleteAcls(request);
        }, observer);
    }

    @Override
    public void proposeReassignment(ProposeReassignmentRequest request,
                                    StreamObserver<ProposeReassignmentResponse> observer) {
        reply(caller -> {
            authorization.describeReassignments(caller, "ProposeReassignment");
            return reassignments.propose(request);
        }, observer);
    }

    @Override
    public void executeReassignment(ExecuteReassignmentRequest request,
                                    StreamObserver<ExecuteReassignmentResponse> observer) {
        reply(caller -> {
            authorization.changeReassignments(caller, "ExecuteReassignment");
            return reassignments.execute(request);
        }, observer);
    }

    @Override
    public void listReassignments(ListReassignmentsRequest request, StreamObserver<ListReassignmentsResponse> observer) {
        reply(caller -> {
            authorization.describeReassignments(caller, "ListReassignments");
            return reassignments.list(request);
        }, observer);
    }

    @Override
    public void cancelReassignments(CancelReassignmentsRequest request,
                                    StreamObserver<CancelReassignmentsResponse> observer) {
        reply(caller -> {
            authorization.changeReassignments(caller, "CancelReassignments");
            return reassignments.cancel(request);
        }, observer);
    }

    @Override
    public void clearReplicationThrottles(ClearReplicationThrottlesRequest request,
                                          StreamObserver<ClearReplicationThrottlesResponse> observer) {
        reply(caller -> {
            authorization.clearReplicationThrottles(caller);
            return reassignments.clearThrottles(request);
        }, observer);
    }
}
