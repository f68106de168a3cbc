package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.skein.proto.admin.AbortTransactionRequest;
import io.skein.proto.admin.Acl;
import io.skein.proto.admin.AclFilter;
import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.AdminServiceGrpc;
import io.skein.proto.admin.AlterTopicConfigsRequest;
import io.skein.proto.admin.AlterUserRequest;
import io.skein.proto.admin.BrowseMessagesRequest;
import io.skein.proto.admin.CancelReassignmentsRequest;
import io.skein.proto.admin.ClearReplicationThrottlesRequest;
import io.skein.proto.admin.CreateAclsRequest;
import io.skein.proto.admin.CreatePartitionsRequest;
import io.skein.proto.admin.CreateTopicsRequest;
import io.skein.proto.admin.DeleteAclsRequest;
import io.skein.proto.admin.DeleteGroupsRequest;
import io.skein.proto.admin.DeleteRecordsRequest;
import io.skein.proto.admin.DeleteTopicsRequest;
import io.skein.proto.admin.DescribeClusterRequest;
import io.skein.proto.admin.DescribeGroupsRequest;
import io.skein.proto.admin.DescribeProducersRequest;
import io.skein.proto.admin.DescribeQuorumRequest;
import io.skein.proto.admin.DescribeTopicConfigsRequest;
import io.skein.proto.admin.DescribeTopicsRequest;
import io.skein.proto.admin.DescribeTransactionsRequest;
import io.skein.proto.admin.ElectLeadersRequest;
import io.skein.proto.admin.ExecuteReassignmentRequest;
import io.skein.proto.admin.GetGroupHistoryRequest;
import io.skein.proto.admin.GetHistoryRequest;
import io.skein.proto.admin.GetOverviewRequest;
import io.skein.proto.admin.GetTimelineRequest;
import io.skein.proto.admin.ListAclsRequest;
import io.skein.proto.admin.ListGroupsRequest;
import io.skein.proto.admin.ListGroupsResponse;
import io.skein.proto.admin.ListReassignmentsRequest;
import io.skein.proto.admin.ListTopicsRequest;
import io.skein.proto.admin.ListTopicsResponse;
import io.skein.proto.admin.ListTransactionsRequest;
import io.skein.proto.admin.ListTransactionsResponse;
import io.skein.proto.admin.ListUsersRequest;
import io.skein.proto.admin.PartitionTarget;
import io.skein.proto.admin.ProposeReassignmentRequest;
import io.skein.proto.admin.RemoveUserRequest;
import io.skein.proto.admin.ResetGroupOffsetsRequest;
import io.skein.proto.admin.TopicSpec;
import io.skein.testing.SecuredNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every method of the admin API against the ACL its Kafka request needs, on a real node with Kafka's
 * authorizer, called over gRPC through {@code skein}'s own channel (TLS, a SCRAM user's password in
 * each call): a user of its own for each method is refused it (PERMISSION_DENIED naming the operation
 * and the resource), or shown nothing of a list, until it is granted the ACL the table names; then the
 * call goes through. As {@code ApiAuthorizationTest} holds Kafka's requests' table.
 */
@Timeout(300)
class AdminApiAuthorizationTest {
    private static final String PASSWORD = "secret";

    @TempDir
    static Path dir;
    static SecuredNode node;

    /** One ACL the row's user is granted: an operation on a resource. */
    private record Grant(ResourceType type, String name, AclOperation operation) {
    }

    /**
     * An admin method, how to call it, and what makes it go through. {@code shows} null: refused without
     * the grants; else a list whose answer shows the resource only with them. {@code fails}: how the call
     * fails for a reason of its own once allowed (no such transaction), or null if it succeeds.
     */
    private record Row(String method, Function<AdminServiceBlockingStub, Object> call, Predicate<Object> shows,
                       List<Grant> grants, Status.Code fails) {
        Row failingWith(Status.Code code) {
            return new Row(method, call, shows, grants, code);
        }

        String user() {
            return "u-" + method.toLowerCase(Locale.ROOT);
        }

        @Override
        public String toString() {
            return method + " needs " + (grants.isEmpty() ? "nothing" : grants.stream()
                    .map(g -> g.operation() + " on " + g.type() + " " + g.name()).collect(Collectors.joining(" and ")));
        }
    }

    private static Row refused(String method, Function<AdminServiceBlockingStub, Object> call, Grant... grants) {
        return new Row(method, call, null, List.of(grants), null);
    }

    /** A method anyone may call, as Kafka's request asks nothing. */
    private static Row open(String method, Function<AdminServiceBlockingStub, Object> call) {
        return new Row(method, call, null, List.of(), null);
    }

    private static Row filtered(String method, Function<AdminServiceBlockingStub, Object> call,
                                Predicate<Object> shows, Grant grant) {
        return new Row(method, call, shows, List.of(grant), null);
    }

    private static Grant topic(String name, AclOperation operation) {
        return new Grant(ResourceType.TOPIC, name, operation);
    }

    private static Grant group(String name, AclOperation operation) {
        return new Grant(ResourceType.GROUP, name, operation);
    }

    private static Grant cluster(AclOperation operation) {
        return new Grant(ResourceType.CLUSTER, "kafka-cluster", operation);
    }

    private static final List<Row> ROWS = List.of(
            refused("CreateTopics", a -> a.createTopics(CreateTopicsRequest.newBuilder().addTopics(
                    TopicSpec.newBuilder().setName("t-create").setPartitions(1)).build()),
                    topic("t-create", AclOperation.CREATE)),
            refused("DeleteTopics", a -> a.deleteTopics(DeleteTopicsRequest.newBuilder().addNames("t-delete").build()),
                    topic("t-delete", AclOperation.DELETE)),
            filtered("ListTopics", a -> a.listTopics(ListTopicsRequest.getDefaultInstance()),
                    answer -> ((ListTopicsResponse) answer).getTopicsList().stream()
                            .anyMatch(t -> t.getName().equals("t-list")),
                    topic("t-list", AclOperation.DESCRIBE)),
            refused("DescribeTopics", a -> a.describeTopics(DescribeTopicsRequest.newBuilder().addNames("t-describe")
                    .build()), topic("t-describe", AclOperation.DESCRIBE)),
            refused("CreatePartitions", a -> a.createPartitions(CreatePartitionsRequest.newBuilder()
                    .setTopic("t-partitions").setPartitions(2).build()), topic("t-partitions", AclOperation.ALTER)),
            refused("AlterTopicConfigs", a -> a.alterTopicConfigs(AlterTopicConfigsRequest.newBuilder()
                    .setTopic("t-configs").putSet("retention.ms", "3600000").build()),
                    topic("t-configs", AclOperation.ALTER_CONFIGS)),
            refused("DescribeTopicConfigs", a -> a.describeTopicConfigs(DescribeTopicConfigsRequest.newBuilder()
                    .setTopic("t-describe-configs").build()),
                    topic("t-describe-configs", AclOperation.DESCRIBE_CONFIGS)),
            open("DescribeCluster", a -> a.describeCluster(DescribeClusterRequest.getDefaultInstance())),
            refused("DescribeQuorum", a -> a.describeQuorum(DescribeQuorumRequest.getDefaultInstance()),
                    cluster(AclOperation.DESCRIBE)),
            refused("ElectLeaders", a -> a.electLeaders(ElectLeadersRequest.getDefaultInstance()),
                    cluster(AclOperation.ALTER)),
            filtered("ListGroups", a -> a.listGroups(ListGroupsRequest.getDefaultInstance()),
                    answer -> ((ListGroupsResponse) answer).getGroupsList().stream()
                            .anyMatch(g -> g.getGroupId().equals("g-list")),
                    group("g-list", AclOperation.DESCRIBE)),
            refused("DescribeGroups", a -> a.describeGroups(DescribeGroupsRequest.newBuilder()
                    .addGroupIds("g-describe").build()), group("g-describe", AclOperation.DESCRIBE)),
            refused("ResetGroupOffsets", a -> a.resetGroupOffsets(ResetGroupOffsetsRequest.newBuilder()
                    .setGroupId("g-reset").addTopics("t-reset").setToEarliest(true).build()),
                    group("g-reset", AclOperation.READ), topic("t-reset", AclOperation.READ)),
            refused("DeleteGroups", a -> a.deleteGroups(DeleteGroupsRequest.newBuilder().addGroupIds("g-delete")
                    .build()), group("g-delete", AclOperation.DELETE)),
            refused("DeleteRecords", a -> a.deleteRecords(DeleteRecordsRequest.newBuilder().setTopic("t-records")
                    .addPartitions(0).setBeforeOffset(0).build()), topic("t-records", AclOperation.DELETE)),
            filtered("ListTransactions", a -> a.listTransactions(ListTransactionsRequest.getDefaultInstance()),
                    answer -> ((ListTransactionsResponse) answer).getTransactionsList().stream()
                            .anyMatch(t -> t.getTransactionalId().equals("tx-list")),
                    new Grant(ResourceType.TRANSACTIONAL_ID, "tx-list", AclOperation.DESCRIBE)),
            refused("DescribeTransactions", a -> a.describeTransactions(DescribeTransactionsRequest.newBuilder()
                    .addTransactionalIds("tx-describe").build()),
                    new Grant(ResourceType.TRANSACTIONAL_ID, "tx-describe", AclOperation.DESCRIBE)),
            refused("DescribeProducers", a -> a.describeProducers(DescribeProducersRequest.newBuilder()
                    .setTopic("t-producers").build()), topic("t-producers", AclOperation.READ)),
            refused("AbortTransaction", a -> a.abortTransaction(AbortTransactionRequest.newBuilder()
                    .setTopic("t-producers").setStartOffset(0).build()), cluster(AclOperation.ALTER))
                    .failingWith(Status.Code.INVALID_ARGUMENT),
            refused("BrowseMessages", a -> a.browseMessages(BrowseMessagesRequest.newBuilder().setTopic("t-browse")
                    .build()), topic("t-browse", AclOperation.READ)),
            refused("GetHistory", a -> a.getHistory(GetHistoryRequest.getDefaultInstance()),
                    cluster(AclOperation.DESCRIBE)),
            refused("GetGroupHistory", a -> a.getGroupHistory(GetGroupHistoryRequest.newBuilder()
                    .setGroupId("g-history").build()), group("g-history", AclOperation.DESCRIBE))
                    .failingWith(Status.Code.NOT_FOUND), // until a broker has sampled the group's offsets
            refused("GetTimeline", a -> a.getTimeline(GetTimelineRequest.getDefaultInstance()),
                    cluster(AclOperation.DESCRIBE)),
            refused("GetOverview", a -> a.getOverview(GetOverviewRequest.getDefaultInstance()),
                    cluster(AclOperation.DESCRIBE)),
            refused("ProposeReassignment", a -> a.proposeReassignment(ProposeReassignmentRequest.getDefaultInstance()),
                    cluster(AclOperation.DESCRIBE)),
            refused("ExecuteReassignment", a -> a.executeReassignment(ExecuteReassignmentRequest.newBuilder()
                    .addPartitions(PartitionTarget.newBuilder().setTopic("t-move").setPartition(0).addReplicas(1))
                    .build()), cluster(AclOperation.ALTER), cluster(AclOperation.ALTER_CONFIGS)),
            refused("ListReassignments", a -> a.listReassignments(ListReassignmentsRequest.getDefaultInstance()),
                    cluster(AclOperation.DESCRIBE)),
            refused("CancelReassignments", a -> a.cancelReassignments(CancelReassignmentsRequest.getDefaultInstance()),
                    cluster(AclOperation.ALTER), cluster(AclOperation.ALTER_CONFIGS))
                    .failingWith(Status.Code.INVALID_ARGUMENT), // none is in progress
            refused("ClearReplicationThrottles", a -> a.clearReplicationThrottles(
                    ClearReplicationThrottlesRequest.getDefaultInstance()), cluster(AclOperation.ALTER_CONFIGS)),
            refused("ListAcls", a -> a.listAcls(ListAclsRequest.getDefaultInstance()), cluster(AclOperation.DESCRIBE)),
            refused("CreateAcls", a -> a.createAcls(CreateAclsRequest.newBuilder().addAcls(Acl.newBuilder()
                    .setResourceType("TOPIC").setResourceName("t-acl").setPatternType("LITERAL")
                    .setPrincipal("User:nobody").setHost("*").setOperation("READ").setPermission("ALLOW")).build()),
                    cluster(AclOperation.ALTER)),
            refused("DeleteAcls", a -> a.deleteAcls(DeleteAclsRequest.newBuilder().addFilters(AclFilter.newBuilder()
                    .setPrincipal("User:nobody")).build()), cluster(AclOperation.ALTER)),
            refused("ListUsers", a -> a.listUsers(ListUsersRequest.getDefaultInstance()),
                    cluster(AclOperation.DESCRIBE)),
            refused("AlterUser", a -> a.alterUser(AlterUserRequest.newBuilder().setName("u-new")
                    .setMechanism("SCRAM-SHA-512").setIterations(4096).setSalt(ByteString.copyFromUtf8("salt"))
                    .setSaltedPassword(ByteString.copyFrom(new byte[64])).build()), cluster(AclOperation.ALTER)),
            refused("RemoveUser", a -> a.removeUser(RemoveUserRequest.newBuilder().setName("u-gone").build()),
                    cluster(AclOperation.ALTER)).failingWith(Status.Code.NOT_FOUND));

    @BeforeAll
    static void startNode() throws Exception {
        node = SecuredNode.start(dir, Map.of());
        node.addUsers(ROWS.stream().collect(Collectors.toMap(Row::user, row -> PASSWORD, (a, b) -> a,
                LinkedHashMap::new)));
        node.admin().createTopics(Stream.of("t-delete", "t-list", "t-describe", "t-partitions", "t-configs",
                "t-describe-configs", "t-reset", "t-records", "t-producers", "t-browse", "t-move")
                .map(name -> new NewTopic(name, 1, (short) 1)).toList()).all().get();
        OffsetAndMetadata start = new OffsetAndMetadata(0);
        for (String group : List.of("g-list", "g-describe", "g-delete", "g-history")) {
            node.admin().alterConsumerGroupOffsets(group, Map.of(new TopicPartition("t-list", 0), start)).all().get();
        }
        for (String transactionalId : List.of("tx-list", "tx-describe")) {
            Map<String, Object> settings = node.superUserClient();
            settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                producer.initTransactions();
            }
        }
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    @Test
    void theTableNamesEveryMethodOfTheAdminApi() {
        Set<String> methods = AdminServiceGrpc.getServiceDescriptor().getMethods().stream()
                .map(MethodDescriptor::getBareMethodName).collect(Collectors.toSet());
        assertEquals(methods, ROWS.stream().map(Row::method).collect(Collectors.toSet()));
    }

    @TestFactory
    Stream<DynamicTest> eachMethodNeedsTheAclItsKafkaRequestNeeds() {
        return ROWS.stream().map(row -> DynamicTest.dynamicTest(row.toString(), () -> check(row)));
    }

    private static void check(Row row) throws Exception {
        ManagedChannel channel = channel(row.user());
        try {
            AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(channel);
            if (row.grants().isEmpty()) {
                call(row, admin);
                return;
            }
            if (row.shows() == null) {
                StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                        () -> row.call().apply(admin.withDeadlineAfter(30, TimeUnit.SECONDS)), "without its ACL");
                assertEquals(Status.Code.PERMISSION_DENIED, refused.getStatus().getCode(), refused.toString());
                Grant first = row.grants().get(0);
                String description = refused.getStatus().getDescription();
                assertTrue(description.contains("User:" + row.user()) && description.contains(first.operation().name())
                        && description.contains(first.type() == ResourceType.CLUSTER ? "the cluster"
                        : "'" + first.name() + "'"), description);
            } else {
                assertFalse(row.shows().test(call(row, admin)), "shown without its ACL");
            }
            for (Grant grant : row.grants()) {
                node.allow("User:" + row.user(), grant.type(), grant.name(), PatternType.LITERAL, grant.operation());
            }
            Object answer = call(row, admin);
            if (row.shows() != null) {
                assertTrue(row.shows().test(answer), "shown with its ACL: " + answer);
            }
        } finally {
            channel.shutdownNow();
        }
    }

    /** The call's answer; null if it failed as the row says it does once allowed. */
    private static Object call(Row row, AdminServiceBlockingStub admin) {
        try {
            return row.call().apply(admin.withDeadlineAfter(30, TimeUnit.SECONDS));
        } catch (StatusRuntimeException e) {
            assertEquals(row.fails(), e.getStatus().getCode(), e.toString());
            return null;
        }
    }

    /** {@code skein}'s channel to the node's admin API, logged in as {@code user}. */
    private static ManagedChannel channel(String user) {
        CommandConfig config = new CommandConfig();
        config.file = node.scramClient(user, PASSWORD);
        return config.adminChannel(node.node().adminAddress());
    }
}
