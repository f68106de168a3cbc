package io.skein.broker.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.skein.broker.kafka.BrokerConnection;
import io.skein.broker.kafka.KafkaRequest;
import io.skein.broker.network.AppendOrder;
import io.skein.broker.network.RequestContext;
import io.skein.node.NodeConfig;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeQuorumRequestData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Kafka API the broker serves has Kafka's authorization rule: a table of requests, each sent to
 * the real handlers of a real node as {@code User:alice} (straight to the handlers, so no listener needs
 * to authenticate anyone: the node's PLAINTEXT connections are ANONYMOUS, its super user here so that its
 * own clients work), first without the ACLs its rule needs, then with them. Without, the answer is the
 * API's authorization error; with, it is not. The table must name every served API.
 */
@Timeout(300)
class ApiAuthorizationTest {
    private static final KafkaPrincipal ALICE = new KafkaPrincipal("User", "alice");
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final String TRANSACTIONAL_ID = "payments-tx";
    private static final String CLUSTER = "kafka-cluster";

    @TempDir
    static Path dir;
    static TestNode node;
    static Admin admin;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir.resolve("node"), Map.of(
                NodeConfig.AUTHORIZER_CLASS_NAME, NodeConfig.STANDARD_AUTHORIZER,
                NodeConfig.SUPER_USERS, "User:ANONYMOUS",
                "offsets.topic.num.partitions", "1", "transaction.state.log.num.partitions", "1"));
        admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()));
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        admin.alterConsumerGroupOffsets(GROUP, Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(0)))
                .all().get();
        try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID))) {
            producer.initTransactions();
        }
    }

    @AfterAll
    static void stopNode() {
        if (admin != null) {
            admin.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @AfterEach
    void deleteAcls() throws Exception {
        admin.deleteAcls(List.of(AclBindingFilter.ANY)).all().get();
    }

    /**
     * One rule: {@code request} at {@code version}, sent with the ACLs {@code given}; its outcome is
     * {@code denied} until the ACLs {@code grants} are added too (null: an API open to everyone).
     */
    record Rule(String name, ApiKeys api, short version, ApiMessage request, List<AclBinding> given,
                List<AclBinding> grants, Errors denied, Function<ApiMessage, Errors> outcome) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static AclBinding allow(ResourceType type, String name, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry(ALICE.toString(), "*", operation, AclPermissionType.ALLOW));
    }

    private static Rule rule(String name, ApiKeys api, int version, ApiMessage request, List<AclBinding> given,
                             List<AclBinding> grants, Errors denied, Function<ApiMessage, Errors> outcome) {
        return new Rule(name, api, (short) version, request, given, grants, denied, outcome);
    }

    private static <T extends ApiMessage> Function<ApiMessage, Errors> error(Class<T> type,
                                                                             Function<T, Short> code) {
        return response -> Errors.forCode(code.apply(type.cast(response)));
    }

    /** NONE for the ILLEGAL_SASL_STATE a SASL request gets outside an authentication, whatever its ACLs. */
    private static <T extends ApiMessage> Function<ApiMessage, Errors> saslState(Class<T> type,
                                                                                 Function<T, Short> code) {
        return response -> {
            Errors error = Errors.forCode(code.apply(type.cast(response)));
            return error == Errors.ILLEGAL_SASL_STATE ? Errors.NONE : error;
        };
    }

    /** A validate-only change, so that an allowed one changes nothing for the other rules. */
    private static IncrementalAlterConfigsRequestData incrementalAlterConfigs(byte type, String name, String key) {
        IncrementalAlterConfigsRequestData.AlterConfigsResource resource = new IncrementalAlterConfigsRequestData
                .AlterConfigsResource().setResourceType(type).setResourceName(name);
        resource.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName(key)
                .setConfigOperation((byte) 0).setValue("3600000"));
        IncrementalAlterConfigsRequestData request = new IncrementalAlterConfigsRequestData().setValidateOnly(true);
        request.resources().add(resource);
        return request;
    }

    private static AlterConfigsRequestData alterConfigs(byte type, String name, String key) {
        AlterConfigsRequestData.AlterConfigsResource resource = new AlterConfigsRequestData.AlterConfigsResource()
                .setResourceType(type).setResourceName(name);
        resource.configs().add(new AlterConfigsRequestData.AlterableConfig().setName(key).setValue("3600000"));
        AlterConfigsRequestData request = new AlterConfigsRequestData().setValidateOnly(true);
        request.resources().add(resource);
        return request;
    }

    private static MemoryRecords records() {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("x".getBytes(StandardCharsets.UTF_8)));
    }

    private static MemoryRecords transactionalRecords() {
        return MemoryRecords.withTransactionalRecords(Compression.NONE, 4242L, (short) 0, 0,
                new SimpleRecord("x".getBytes(StandardCharsets.UTF_8)));
    }

    private static ProduceRequestData produce(String transactionalId, MemoryRecords records) {
        ProduceRequestData request = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(30_000)
                .setTransactionalId(transactionalId);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName(TOPIC);
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        request.topicData().add(topic);
        return request;
    }

    private static FetchRequestData fetch(int replicaId) {
        return new FetchRequestData().setReplicaId(replicaId).setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                                .setPartitionMaxBytes(1 << 20)))));
    }

    private static AddPartitionsToTxnRequestData addPartitions(String topic, int version) {
        AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnTopicCollection();
        topics.add(new AddPartitionsToTxnTopic().setName(topic).setPartitions(List.of(0)));
        if (version < 4) {
            return new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId(TRANSACTIONAL_ID)
                    .setV3AndBelowProducerId(4242).setV3AndBelowProducerEpoch((short) 0).setV3AndBelowTopics(topics);
        }
        AddPartitionsToTxnTransactionCollection transactions = new AddPartitionsToTxnTransactionCollection();
        transactions.add(new AddPartitionsToTxnTransaction().setTransactionalId(TRANSACTIONAL_ID).setProducerId(4242)
                .setProducerEpoch((short) 0).setVerifyOnly(true).setTopics(topics));
        return new AddPartitionsToTxnRequestData().setTransactions(transactions);
    }

    private static Errors addPartitionsError(AddPartitionsToTxnResponseData response) {
        if (response.errorCode() != 0) {
            return Errors.forCode(response.errorCode()); // a leader's request refused whole
        }
        var topics = response.resultsByTopicV3AndBelow().isEmpty()
                ? response.resultsByTransaction().iterator().next().topicResults() : response.resultsByTopicV3AndBelow();
        return Errors.forCode(topics.iterator().next().resultsByPartition().iterator().next().partitionErrorCode());
    }

    private static TxnOffsetCommitRequestData txnOffsetCommit() {
        return new TxnOffsetCommitRequestData().setTransactionalId(TRANSACTIONAL_ID).setGroupId(GROUP)
                .setProducerId(4242).setProducerEpoch((short) 0).setGenerationIdOrMemberEpoch(-1).setMemberId("")
                .setTopics(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName(TOPIC)
                        .setPartitions(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                                .setPartitionIndex(0).setCommittedOffset(0)))));
    }

    private static Errors txnOffsetCommitError(ApiMessage response) {
        return Errors.forCode(((TxnOffsetCommitResponseData) response).topics().get(0).partitions().get(0).errorCode());
    }

    /** A preferred election of a partition its preferred replica leads: allowed, it is ELECTION_NOT_NEEDED. */
    private static ElectLeadersRequestData electLeaders() {
        ElectLeadersRequestData.TopicPartitionsCollection topics = new ElectLeadersRequestData.TopicPartitionsCollection();
        topics.add(new ElectLeadersRequestData.TopicPartitions().setTopic(TOPIC).setPartitions(List.of(0)));
        return new ElectLeadersRequestData().setElectionType((byte) 0).setTimeoutMs(30_000).setTopicPartitions(topics);
    }

    private static Errors deniedUnless(boolean shown) {
        return shown ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED;
    }

    static Stream<Rule> rules() {
        AclBinding writeTopic = allow(ResourceType.TOPIC, TOPIC, AclOperation.WRITE);
        AclBinding readTopic = allow(ResourceType.TOPIC, TOPIC, AclOperation.READ);
        AclBinding describeTopic = allow(ResourceType.TOPIC, TOPIC, AclOperation.DESCRIBE);
        AclBinding readGroup = allow(ResourceType.GROUP, GROUP, AclOperation.READ);
        AclBinding describeGroup = allow(ResourceType.GROUP, GROUP, AclOperation.DESCRIBE);
        AclBinding deleteGroup = allow(ResourceType.GROUP, GROUP, AclOperation.DELETE);
        AclBinding writeTxn = allow(ResourceType.TRANSACTIONAL_ID, TRANSACTIONAL_ID, AclOperation.WRITE);
        AclBinding describeTxn = allow(ResourceType.TRANSACTIONAL_ID, TRANSACTIONAL_ID, AclOperation.DESCRIBE);
        AclBinding clusterAction = allow(ResourceType.CLUSTER, CLUSTER, AclOperation.CLUSTER_ACTION);
        AclBinding alterCluster = allow(ResourceType.CLUSTER, CLUSTER, AclOperation.ALTER);
        AclBinding describeCluster = allow(ResourceType.CLUSTER, CLUSTER, AclOperation.DESCRIBE);
        List<AclBinding> none = List.of();
        Function<ApiMessage, Errors> produced = error(ProduceResponseData.class,
                r -> r.responses().iterator().next().partitionResponses().get(0).errorCode());
        Function<ApiMessage, Errors> fetched = error(FetchResponseData.class,
                r -> r.responses().get(0).partitions().get(0).errorCode());
        Function<ApiMessage, Errors> topicMetadata = error(MetadataResponseData.class,
                r -> r.topics().iterator().next().errorCode());
        Function<ApiMessage, Errors> offsetFetched = response -> {
            OffsetFetchResponseData.OffsetFetchResponseGroup group = ((OffsetFetchResponseData) response).groups().get(0);
            return Errors.forCode(group.errorCode() != 0 ? group.errorCode()
                    : group.topics().get(0).partitions().get(0).errorCode());
        };
        Function<ApiMessage, Errors> offsetDeleted = response -> {
            OffsetDeleteResponseData data = (OffsetDeleteResponseData) response;
            return Errors.forCode(data.errorCode() != 0 ? data.errorCode()
                    : data.topics().iterator().next().partitions().iterator().next().errorCode());
        };
        OffsetFetchRequestData offsetFetch = new OffsetFetchRequestData().setGroups(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(GROUP).setTopics(List.of(
                        new OffsetFetchRequestData.OffsetFetchRequestTopics().setName(TOPIC)
                                .setPartitionIndexes(List.of(0))))));
        OffsetCommitRequestData offsetCommit = new OffsetCommitRequestData().setGroupId(GROUP)
                .setGenerationIdOrMemberEpoch(-1).setMemberId("").setTopics(List.of(
                        new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(TOPIC).setPartitions(List.of(
                                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                                        .setCommittedOffset(0)))));
        OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection offsetDeleteTopics =
                new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection();
        offsetDeleteTopics.add(new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName(TOPIC)
                .setPartitions(List.of(new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0))));
        WriteTxnMarkersRequestData markers = new WriteTxnMarkersRequestData().setMarkers(List.of(
                new WriteTxnMarkersRequestData.WritableTxnMarker().setProducerId(4242).setProducerEpoch((short) 0)
                        .setTransactionResult(true).setCoordinatorEpoch(0).setTopics(List.of(
                                new WriteTxnMarkersRequestData.WritableTxnMarkerTopic().setName("no-such-topic")
                                        .setPartitionIndexes(List.of(0))))));
        return Stream.of(
                rule("Produce: WRITE on the topic", ApiKeys.PRODUCE, 12, produce(null, records()), none,
                        List.of(writeTopic), Errors.TOPIC_AUTHORIZATION_FAILED, produced),
                rule("Produce: transactional records need WRITE on their transactional id", ApiKeys.PRODUCE, 12,
                        produce(TRANSACTIONAL_ID, transactionalRecords()), List.of(writeTopic), List.of(writeTxn),
                        Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, produced),
                rule("Fetch: READ on the topic", ApiKeys.FETCH, 12, fetch(-1), none, List.of(readTopic),
                        Errors.TOPIC_AUTHORIZATION_FAILED, fetched),
                rule("Fetch from a follower: CLUSTER_ACTION", ApiKeys.FETCH, 12, fetch(99), List.of(readTopic),
                        List.of(clusterAction), Errors.TOPIC_AUTHORIZATION_FAILED, fetched),
                rule("ListOffsets: DESCRIBE on the topic", ApiKeys.LIST_OFFSETS, 9, new ListOffsetsRequestData()
                                .setReplicaId(-1).setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic()
                                        .setName(TOPIC).setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition()
                                                .setPartitionIndex(0).setTimestamp(-1))))), none, List.of(describeTopic),
                        Errors.TOPIC_AUTHORIZATION_FAILED, error(ListOffsetsResponseData.class,
                                r -> r.topics().get(0).partitions().get(0).errorCode())),
                rule("Metadata: DESCRIBE on the topic", ApiKeys.METADATA, 12, new MetadataRequestData()
                                .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(TOPIC))),
                        none, List.of(readTopic), Errors.TOPIC_AUTHORIZATION_FAILED, topicMetadata),
                rule("Metadata: a topic that does not exist is not disclosed", ApiKeys.METADATA, 12,
                        new MetadataRequestData().setAllowAutoTopicCreation(false).setTopics(List.of(
                                new MetadataRequestData.MetadataRequestTopic().setName("no-such-topic"))),
                        none, List.of(allow(ResourceType.TOPIC, "no-such-topic", AclOperation.DESCRIBE)),
                        Errors.TOPIC_AUTHORIZATION_FAILED, topicMetadata),
                rule("Metadata: auto-creation needs CREATE", ApiKeys.METADATA, 12, new MetadataRequestData()
                                .setAllowAutoTopicCreation(true).setTopics(List.of(
                                        new MetadataRequestData.MetadataRequestTopic().setName("auto-created"))),
                        List.of(allow(ResourceType.TOPIC, "auto-created", AclOperation.DESCRIBE)),
                        List.of(allow(ResourceType.TOPIC, "auto-created", AclOperation.CREATE)),
                        Errors.TOPIC_AUTHORIZATION_FAILED, topicMetadata),
                rule("Metadata of all topics: those not described are left out", ApiKeys.METADATA, 12,
                        new MetadataRequestData().setTopics(null), none, List.of(describeTopic),
                        Errors.TOPIC_AUTHORIZATION_FAILED, response -> deniedUnless(((MetadataResponseData) response)
                                .topics().find(TOPIC) != null)),
                rule("OffsetsForLeaderEpoch: DESCRIBE on the topic (or CLUSTER_ACTION)", ApiKeys.OFFSET_FOR_LEADER_EPOCH,
                        4, new OffsetForLeaderEpochRequestData().setReplicaId(-1).setTopics(
                                new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection(List.of(
                                        new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(TOPIC)
                                                .setPartitions(List.of(new OffsetForLeaderEpochRequestData
                                                        .OffsetForLeaderPartition().setPartition(0).setLeaderEpoch(0)
                                                        .setCurrentLeaderEpoch(-1)))).iterator())),
                        none, List.of(describeTopic), Errors.TOPIC_AUTHORIZATION_FAILED,
                        error(OffsetForLeaderEpochResponseData.class,
                                r -> r.topics().iterator().next().partitions().get(0).errorCode())),
                rule("DeleteRecords: DELETE on the topic", ApiKeys.DELETE_RECORDS, 2, new DeleteRecordsRequestData()
                                .setTimeoutMs(30_000).setTopics(List.of(new DeleteRecordsRequestData.DeleteRecordsTopic()
                                        .setName(TOPIC).setPartitions(List.of(new DeleteRecordsRequestData
                                                .DeleteRecordsPartition().setPartitionIndex(0).setOffset(0))))),
                        none, List.of(allow(ResourceType.TOPIC, TOPIC, AclOperation.DELETE)),
                        Errors.TOPIC_AUTHORIZATION_FAILED, error(DeleteRecordsResponseData.class,
                                r -> r.topics().iterator().next().partitions().iterator().next().errorCode())),
                rule("InitProducerId (idempotent): IDEMPOTENT_WRITE on the cluster", ApiKeys.INIT_PRODUCER_ID, 5,
                        new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000)
                                .setProducerId(-1)
                                .setProducerEpoch((short) -1), none,
                        List.of(allow(ResourceType.CLUSTER, CLUSTER, AclOperation.IDEMPOTENT_WRITE)),
                        Errors.CLUSTER_AUTHORIZATION_FAILED,
                        error(InitProducerIdResponseData.class, InitProducerIdResponseData::errorCode)),
                rule("InitProducerId (idempotent): or WRITE on some topic", ApiKeys.INIT_PRODUCER_ID, 5,
                        new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000)
                                .setProducerId(-1)
                                .setProducerEpoch((short) -1), none, List.of(writeTopic),
                        Errors.CLUSTER_AUTHORIZATION_FAILED,
                        error(InitProducerIdResponseData.class, InitProducerIdResponseData::errorCode)),
                rule("InitProducerId (transactional): WRITE on the transactional id", ApiKeys.INIT_PRODUCER_ID, 5,
                        new InitProducerIdRequestData().setTransactionalId(TRANSACTIONAL_ID)
                                .setTransactionTimeoutMs(60_000).setProducerId(-1).setProducerEpoch((short) -1),
                        none, List.of(writeTxn), Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                        error(InitProducerIdResponseData.class, InitProducerIdResponseData::errorCode)),
                rule("CreateTopics: CREATE on the topic (or the cluster)", ApiKeys.CREATE_TOPICS, 7,
                        new CreateTopicsRequestData().setValidateOnly(true).setTimeoutMs(30_000).setTopics(
                                new CreateTopicsRequestData.CreatableTopicCollection(List.of(
                                        new CreateTopicsRequestData.CreatableTopic().setName("created")
                                                .setNumPartitions(1).setReplicationFactor((short) 1)).iterator())),
                        none, List.of(allow(ResourceType.TOPIC, "created", AclOperation.CREATE)),
                        Errors.TOPIC_AUTHORIZATION_FAILED, error(CreateTopicsResponseData.class,
                                r -> r.topics().iterator().next().errorCode())),
                rule("DeleteTopics: DESCRIBE and DELETE on the topic", ApiKeys.DELETE_TOPICS, 6,
                        new DeleteTopicsRequestData().setTimeoutMs(30_000).setTopics(List.of(
                                new DeleteTopicsRequestData.DeleteTopicState().setName("no-such-topic"))),
                        none, List.of(allow(ResourceType.TOPIC, "no-such-topic", AclOperation.DELETE)),
                        Errors.TOPIC_AUTHORIZATION_FAILED, error(DeleteTopicsResponseData.class,
                                r -> r.responses().iterator().next().errorCode())),
                rule("CreatePartitions: ALTER on the topic", ApiKeys.CREATE_PARTITIONS, 3,
                        new CreatePartitionsRequestData().setValidateOnly(true).setTimeoutMs(30_000).setTopics(
                                new CreatePartitionsRequestData.CreatePartitionsTopicCollection(List.of(
                                        new CreatePartitionsRequestData.CreatePartitionsTopic().setName(TOPIC)
                                                .setCount(2)).iterator())),
                        none, List.of(allow(ResourceType.TOPIC, TOPIC, AclOperation.ALTER)),
                        Errors.TOPIC_AUTHORIZATION_FAILED, error(CreatePartitionsResponseData.class,
                                r -> r.results().get(0).errorCode())),
                rule("ElectLeaders: ALTER on the cluster", ApiKeys.ELECT_LEADERS, 2, electLeaders(), none,
                        List.of(alterCluster), Errors.CLUSTER_AUTHORIZATION_FAILED, error(ElectLeadersResponseData.class,
                                r -> r.replicaElectionResults().get(0).partitionResult().get(0).errorCode())),
                rule("DescribeCluster: open; its authorized operations need DESCRIBE", ApiKeys.DESCRIBE_CLUSTER, 1,
                        new DescribeClusterRequestData().setIncludeClusterAuthorizedOperations(true), none,
                        List.of(describeCluster), Errors.CLUSTER_AUTHORIZATION_FAILED, response -> {
                            DescribeClusterResponseData data = (DescribeClusterResponseData) response;
                            return data.errorCode() != 0 ? Errors.forCode(data.errorCode())
                                    : data.clusterAuthorizedOperations() == 0 ? Errors.CLUSTER_AUTHORIZATION_FAILED
                                    : Errors.NONE;
                        }),
                rule("DescribeQuorum: DESCRIBE on the cluster", ApiKeys.DESCRIBE_QUORUM, 2,
                        new DescribeQuorumRequestData().setTopics(List.of(new DescribeQuorumRequestData.TopicData()
                                .setTopicName("__cluster_metadata").setPartitions(List.of(
                                        new DescribeQuorumRequestData.PartitionData().setPartitionIndex(0))))),
                        none, List.of(describeCluster), Errors.CLUSTER_AUTHORIZATION_FAILED,
                        error(DescribeQuorumResponseData.class, DescribeQuorumResponseData::errorCode)),
                rule("DescribeConfigs of a topic: DESCRIBE_CONFIGS on it", ApiKeys.DESCRIBE_CONFIGS, 4,
                        new DescribeConfigsRequestData().setResources(List.of(new DescribeConfigsRequestData
                                .DescribeConfigsResource().setResourceType((byte) 2).setResourceName(TOPIC))),
                        none, List.of(allow(ResourceType.TOPIC, TOPIC, AclOperation.ALTER_CONFIGS)),
                        Errors.TOPIC_AUTHORIZATION_FAILED, error(DescribeConfigsResponseData.class,
                                r -> r.results().get(0).errorCode())),
                rule("DescribeConfigs of a broker: DESCRIBE_CONFIGS on the cluster", ApiKeys.DESCRIBE_CONFIGS, 4,
                        new DescribeConfigsRequestData().setResources(List.of(new DescribeConfigsRequestData
                                .DescribeConfigsResource().setResourceType((byte) 4).setResourceName("1"))),
                        none, List.of(allow(ResourceType.CLUSTER, CLUSTER, AclOperation.DESCRIBE_CONFIGS)),
                        Errors.CLUSTER_AUTHORIZATION_FAILED, error(DescribeConfigsResponseData.class,
                                r -> r.results().get(0).errorCode())),
                rule("IncrementalAlterConfigs of a topic: ALTER_CONFIGS on it", ApiKeys.INCREMENTAL_ALTER_CONFIGS, 1,
                        incrementalAlterConfigs((byte) 2, TOPIC, "retention.ms"), none,
                        List.of(allow(ResourceType.TOPIC, TOPIC, AclOperation.ALTER_CONFIGS)),
                        Errors.TOPIC_AUTHORIZATION_FAILED, error(IncrementalAlterConfigsResponseData.class,
                                r -> r.responses().get(0).errorCode())),
                rule("IncrementalAlterConfigs of the brokers: ALTER_CONFIGS on the cluster",
                        ApiKeys.INCREMENTAL_ALTER_CONFIGS, 1, incrementalAlterConfigs((byte) 4, "", "log.retention.ms"),
                        none, List.of(allow(ResourceType.CLUSTER, CLUSTER, AclOperation.ALTER_CONFIGS)),
                        Errors.CLUSTER_AUTHORIZATION_FAILED, error(IncrementalAlterConfigsResponseData.class,
                                r -> r.responses().get(0).errorCode())),
                rule("AlterConfigs of a topic: ALTER_CONFIGS on it", ApiKeys.ALTER_CONFIGS, 2,
                        alterConfigs((byte) 2, TOPIC, "retention.ms"), none,
                        List.of(allow(ResourceType.TOPIC, TOPIC, AclOperation.ALTER_CONFIGS)),
                        Errors.TOPIC_AUTHORIZATION_FAILED, error(AlterConfigsResponseData.class,
                                r -> r.responses().get(0).errorCode())),
                rule("AlterConfigs of the brokers: ALTER_CONFIGS on the cluster", ApiKeys.ALTER_CONFIGS, 2,
                        alterConfigs((byte) 4, "", "log.retention.ms"), none,
                        List.of(allow(ResourceType.CLUSTER, CLUSTER, AclOperation.ALTER_CONFIGS)),
                        Errors.CLUSTER_AUTHORIZATION_FAILED, error(AlterConfigsResponseData.class,
                                r -> r.responses().get(0).errorCode())),
                rule("DescribeLogDirs: DESCRIBE on the cluster", ApiKeys.DESCRIBE_LOG_DIRS, 4,
                        new DescribeLogDirsRequestData().setTopics(null), none, List.of(describeCluster),
                        Errors.CLUSTER_AUTHORIZATION_FAILED, error(DescribeLogDirsResponseData.class,
                                DescribeLogDirsResponseData::errorCode)),
                rule("FindCoordinator of a group: DESCRIBE on it", ApiKeys.FIND_COORDINATOR, 4,
                        new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of(GROUP)),
                        none, List.of(describeGroup), Errors.GROUP_AUTHORIZATION_FAILED,
                        error(FindCoordinatorResponseData.class, r -> r.coordinators().get(0).errorCode())),
                rule("FindCoordinator of a transactional id: DESCRIBE on it", ApiKeys.FIND_COORDINATOR, 4,
                        new FindCoordinatorRequestData().setKeyType((byte) 1)
                                .setCoordinatorKeys(List.of(TRANSACTIONAL_ID)),
                        none, List.of(describeTxn), Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                        error(FindCoordinatorResponseData.class, r -> r.coordinators().get(0).errorCode())),
                rule("JoinGroup: READ on the group", ApiKeys.JOIN_GROUP, 9, new JoinGroupRequestData().setGroupId(GROUP)
                                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000).setMemberId("")
                                .setProtocolType("consumer").setProtocols(new JoinGroupRequestData
                                        .JoinGroupRequestProtocolCollection(List.of(new JoinGroupRequestData
                                        .JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]))
                                        .iterator())), none, List.of(readGroup),
                        Errors.GROUP_AUTHORIZATION_FAILED, error(JoinGroupResponseData.class,
                                JoinGroupResponseData::errorCode)),
                rule("SyncGroup: READ on the group", ApiKeys.SYNC_GROUP, 5, new SyncGroupRequestData().setGroupId(GROUP)
                                .setGenerationId(1).setMemberId("m").setProtocolType("consumer").setProtocolName("range"),
                        none, List.of(readGroup), Errors.GROUP_AUTHORIZATION_FAILED,
                        error(SyncGroupResponseData.class, SyncGroupResponseData::errorCode)),
                rule("Heartbeat: READ on the group", ApiKeys.HEARTBEAT, 4, new HeartbeatRequestData().setGroupId(GROUP)
                                .setGenerationId(1).setMemberId("m"), none, List.of(readGroup),
                        Errors.GROUP_AUTHORIZATION_FAILED, error(HeartbeatResponseData.class,
                                HeartbeatResponseData::errorCode)),
                rule("LeaveGroup: READ on the group", ApiKeys.LEAVE_GROUP, 5, new LeaveGroupRequestData().setGroupId(GROUP)
                                .setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId("m"))),
                        none, List.of(readGroup), Errors.GROUP_AUTHORIZATION_FAILED,
                        error(LeaveGroupResponseData.class, LeaveGroupResponseData::errorCode)),
                rule("OffsetCommit: READ on the group", ApiKeys.OFFSET_COMMIT, 9, offsetCommit, none,
                        List.of(readGroup), Errors.GROUP_AUTHORIZATION_FAILED, error(OffsetCommitResponseData.class,
                                r -> r.topics().get(0).partitions().get(0).errorCode())),
                rule("OffsetCommit: and READ on each topic", ApiKeys.OFFSET_COMMIT, 9, offsetCommit,
                        List.of(readGroup), List.of(readTopic), Errors.TOPIC_AUTHORIZATION_FAILED,
                        error(OffsetCommitResponseData.class, r -> r.topics().get(0).partitions().get(0).errorCode())),
                rule("OffsetFetch: DESCRIBE on the group", ApiKeys.OFFSET_FETCH, 8, offsetFetch, none,
                        List.of(describeGroup), Errors.GROUP_AUTHORIZATION_FAILED, offsetFetched),
                rule("OffsetFetch: and DESCRIBE on each topic", ApiKeys.OFFSET_FETCH, 8, offsetFetch,
                        List.of(describeGroup), List.of(describeTopic), Errors.TOPIC_AUTHORIZATION_FAILED,
                        offsetFetched),
                rule("OffsetDelete: DELETE on the group", ApiKeys.OFFSET_DELETE, 0, new OffsetDeleteRequestData()
                                .setGroupId(GROUP).setTopics(offsetDeleteTopics), none, List.of(deleteGroup),
                        Errors.GROUP_AUTHORIZATION_FAILED, offsetDeleted),
                rule("OffsetDelete: and READ on each topic", ApiKeys.OFFSET_DELETE, 0, new OffsetDeleteRequestData()
                                .setGroupId(GROUP).setTopics(offsetDeleteTopics.duplicate()), List.of(deleteGroup),
                        List.of(readTopic), Errors.TOPIC_AUTHORIZATION_FAILED, offsetDeleted),
                rule("ListGroups: only the groups the client may describe", ApiKeys.LIST_GROUPS, 5,
                        new ListGroupsRequestData(), none, List.of(describeGroup), Errors.GROUP_AUTHORIZATION_FAILED,
                        response -> ((ListGroupsResponseData) response).groups().stream()
                                .anyMatch(g -> g.groupId().equals(GROUP)) ? Errors.NONE
                                : Errors.GROUP_AUTHORIZATION_FAILED),
                rule("DescribeGroups: DESCRIBE on the group", ApiKeys.DESCRIBE_GROUPS, 5,
                        new DescribeGroupsRequestData().setGroups(List.of(GROUP)), none, List.of(describeGroup),
                        Errors.GROUP_AUTHORIZATION_FAILED, error(DescribeGroupsResponseData.class,
                                r -> r.groups().get(0).errorCode())),
                rule("DeleteGroups: DELETE on the group", ApiKeys.DELETE_GROUPS, 2,
                        new DeleteGroupsRequestData().setGroupsNames(List.of("no-such-group")), none,
                        List.of(allow(ResourceType.GROUP, "no-such-group", AclOperation.DELETE)),
                        Errors.GROUP_AUTHORIZATION_FAILED, error(DeleteGroupsResponseData.class,
                                r -> r.results().iterator().next().errorCode())),
                rule("AddPartitionsToTxn (producer): WRITE on the transactional id", ApiKeys.ADD_PARTITIONS_TO_TXN, 3,
                        addPartitions(TOPIC, 3), none, List.of(writeTxn), Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                        response -> addPartitionsError((AddPartitionsToTxnResponseData) response)),
                rule("AddPartitionsToTxn (producer): and WRITE on each topic", ApiKeys.ADD_PARTITIONS_TO_TXN, 3,
                        addPartitions(TOPIC, 3), List.of(writeTxn), List.of(writeTopic),
                        Errors.TOPIC_AUTHORIZATION_FAILED,
                        response -> addPartitionsError((AddPartitionsToTxnResponseData) response)),
                rule("AddPartitionsToTxn (leader): CLUSTER_ACTION", ApiKeys.ADD_PARTITIONS_TO_TXN, 5,
                        addPartitions(TOPIC, 5), none, List.of(clusterAction), Errors.CLUSTER_AUTHORIZATION_FAILED,
                        response -> addPartitionsError((AddPartitionsToTxnResponseData) response)),
                rule("AddOffsetsToTxn: WRITE on the transactional id", ApiKeys.ADD_OFFSETS_TO_TXN, 3,
                        new AddOffsetsToTxnRequestData().setTransactionalId(TRANSACTIONAL_ID).setProducerId(4242)
                                .setProducerEpoch((short) 0).setGroupId(GROUP), none, List.of(writeTxn),
                        Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, error(AddOffsetsToTxnResponseData.class,
                                AddOffsetsToTxnResponseData::errorCode)),
                rule("AddOffsetsToTxn: and READ on the group", ApiKeys.ADD_OFFSETS_TO_TXN, 3,
                        new AddOffsetsToTxnRequestData().setTransactionalId(TRANSACTIONAL_ID).setProducerId(4242)
                                .setProducerEpoch((short) 0).setGroupId(GROUP), List.of(writeTxn), List.of(readGroup),
                        Errors.GROUP_AUTHORIZATION_FAILED, error(AddOffsetsToTxnResponseData.class,
                                AddOffsetsToTxnResponseData::errorCode)),
                rule("EndTxn: WRITE on the transactional id", ApiKeys.END_TXN, 4, new EndTxnRequestData()
                                .setTransactionalId(TRANSACTIONAL_ID).setProducerId(4242).setProducerEpoch((short) 0)
                                .setCommitted(true), none, List.of(writeTxn),
                        Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                        error(EndTxnResponseData.class, EndTxnResponseData::errorCode)),
                rule("TxnOffsetCommit: WRITE on the transactional id", ApiKeys.TXN_OFFSET_COMMIT, 5, txnOffsetCommit(),
                        none, List.of(writeTxn), Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                        ApiAuthorizationTest::txnOffsetCommitError),
                rule("TxnOffsetCommit: and READ on the group", ApiKeys.TXN_OFFSET_COMMIT, 5, txnOffsetCommit(),
                        List.of(writeTxn), List.of(readGroup), Errors.GROUP_AUTHORIZATION_FAILED,
                        ApiAuthorizationTest::txnOffsetCommitError),
                rule("TxnOffsetCommit: and READ on each topic", ApiKeys.TXN_OFFSET_COMMIT, 5, txnOffsetCommit(),
                        List.of(writeTxn, readGroup), List.of(readTopic), Errors.TOPIC_AUTHORIZATION_FAILED,
                        ApiAuthorizationTest::txnOffsetCommitError),
                rule("WriteTxnMarkers: CLUSTER_ACTION (or ALTER) on the cluster", ApiKeys.WRITE_TXN_MARKERS, 1,
                        markers, none, List.of(clusterAction), Errors.CLUSTER_AUTHORIZATION_FAILED,
                        error(WriteTxnMarkersResponseData.class, r -> r.markers().get(0).topics().get(0).partitions()
                                .get(0).errorCode())),
                rule("DescribeTransactions: DESCRIBE on the transactional id", ApiKeys.DESCRIBE_TRANSACTIONS, 0,
                        new DescribeTransactionsRequestData().setTransactionalIds(List.of(TRANSACTIONAL_ID)), none,
                        List.of(describeTxn), Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                        error(DescribeTransactionsResponseData.class, r -> r.transactionStates().get(0).errorCode())),
                rule("ListTransactions: only the transactional ids the client may describe",
                        ApiKeys.LIST_TRANSACTIONS, 1, new ListTransactionsRequestData(), none, List.of(writeTxn),
                        Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, response -> ((ListTransactionsResponseData)
                                response).transactionStates().stream()
                                .anyMatch(t -> t.transactionalId().equals(TRANSACTIONAL_ID)) ? Errors.NONE
                                : Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
                rule("DescribeProducers: READ on the topic", ApiKeys.DESCRIBE_PRODUCERS, 0,
                        new DescribeProducersRequestData().setTopics(new DescribeProducersRequestData
                                .TopicRequestCollection(List.of(new DescribeProducersRequestData.TopicRequest()
                                        .setName(TOPIC).setPartitionIndexes(List.of(0))).iterator())), none,
                        List.of(readTopic), Errors.TOPIC_AUTHORIZATION_FAILED, error(DescribeProducersResponseData.class,
                                r -> r.topics().get(0).partitions().get(0).errorCode())),
                rule("CreateAcls: ALTER on the cluster", ApiKeys.CREATE_ACLS, 3, new CreateAclsRequestData().setCreations(
                                List.of(new CreateAclsRequestData.AclCreation().setResourceType(ResourceType.TOPIC.code())
                                        .setResourceName("acl-test").setResourcePatternType(PatternType.LITERAL.code())
                                        .setPrincipal("User:bob").setHost("*").setOperation(AclOperation.READ.code())
                                        .setPermissionType(AclPermissionType.ALLOW.code()))), none,
                        List.of(alterCluster), Errors.CLUSTER_AUTHORIZATION_FAILED,
                        error(CreateAclsResponseData.class, r -> r.results().get(0).errorCode())),
                rule("DescribeAcls: DESCRIBE on the cluster", ApiKeys.DESCRIBE_ACLS, 3, new DescribeAclsRequestData()
                                .setResourceTypeFilter(ResourceType.ANY.code()).setPatternTypeFilter(PatternType.ANY.code())
                                .setOperation(AclOperation.ANY.code()).setPermissionType(AclPermissionType.ANY.code()),
                        none, List.of(describeCluster), Errors.CLUSTER_AUTHORIZATION_FAILED,
                        error(DescribeAclsResponseData.class, DescribeAclsResponseData::errorCode)),
                rule("DeleteAcls: ALTER on the cluster", ApiKeys.DELETE_ACLS, 3, new DeleteAclsRequestData().setFilters(
                                List.of(new DeleteAclsRequestData.DeleteAclsFilter()
                                        .setResourceTypeFilter(ResourceType.TOPIC.code()).setResourceNameFilter("acl-test")
                                        .setPatternTypeFilter(PatternType.ANY.code()).setOperation(AclOperation.ANY.code())
                                        .setPermissionType(AclPermissionType.ANY.code()))), none, List.of(alterCluster),
                        Errors.CLUSTER_AUTHORIZATION_FAILED,
                        error(DeleteAclsResponseData.class, r -> r.filterResults().get(0).errorCode())),
                rule("ApiVersions: open to everyone", ApiKeys.API_VERSIONS, 3, new ApiVersionsRequestData()
                                .setClientSoftwareName("test").setClientSoftwareVersion("1"), none, none, null,
                        error(ApiVersionsResponseData.class, ApiVersionsResponseData::errorCode)),
                // A deletion of a credential nobody has: allowed, it is RESOURCE_NOT_FOUND and changes nothing.
                rule("AlterUserScramCredentials: ALTER on the cluster", ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, 0,
                        new AlterUserScramCredentialsRequestData().setDeletions(List.of(
                                new AlterUserScramCredentialsRequestData.ScramCredentialDeletion().setName("nobody")
                                        .setMechanism((byte) 2))), none, List.of(alterCluster),
                        Errors.CLUSTER_AUTHORIZATION_FAILED, error(AlterUserScramCredentialsResponseData.class,
                                r -> r.results().get(0).errorCode())),
                rule("DescribeUserScramCredentials: DESCRIBE on the cluster", ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS,
                        0, new DescribeUserScramCredentialsRequestData(), none, List.of(describeCluster),
                        Errors.CLUSTER_AUTHORIZATION_FAILED, error(DescribeUserScramCredentialsResponseData.class,
                                DescribeUserScramCredentialsResponseData::errorCode)),
                // A cancellation of a move that is not under way: allowed, it is NO_REASSIGNMENT_IN_PROGRESS.
                rule("AlterPartitionReassignments: ALTER on the cluster", ApiKeys.ALTER_PARTITION_REASSIGNMENTS, 1,
                        new AlterPartitionReassignmentsRequestData().setTopics(List.of(
                                new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName(TOPIC)
                                        .setPartitions(List.of(new AlterPartitionReassignmentsRequestData
                                                .ReassignablePartition().setPartitionIndex(0).setReplicas(null))))),
                        none, List.of(alterCluster), Errors.CLUSTER_AUTHORIZATION_FAILED,
                        error(AlterPartitionReassignmentsResponseData.class,
                                r -> r.responses().get(0).partitions().get(0).errorCode())),
                rule("ListPartitionReassignments: DESCRIBE on the cluster", ApiKeys.LIST_PARTITION_REASSIGNMENTS, 0,
                        new ListPartitionReassignmentsRequestData(), none, List.of(describeCluster),
                        Errors.CLUSTER_AUTHORIZATION_FAILED, error(ListPartitionReassignmentsResponseData.class,
                                ListPartitionReassignmentsResponseData::errorCode)),
                // Only checked: nothing changes.
                rule("AlterClientQuotas: ALTER_CONFIGS on the cluster", ApiKeys.ALTER_CLIENT_QUOTAS, 1,
                        new AlterClientQuotasRequestData().setValidateOnly(true).setEntries(List.of(
                                new AlterClientQuotasRequestData.EntryData().setEntity(List.of(
                                        new AlterClientQuotasRequestData.EntityData().setEntityType("user")
                                                .setEntityName("nobody"))).setOps(List.of(
                                        new AlterClientQuotasRequestData.OpData().setKey("producer_byte_rate")
                                                .setValue(1024))))), none,
                        List.of(allow(ResourceType.CLUSTER, CLUSTER, AclOperation.ALTER_CONFIGS)),
                        Errors.CLUSTER_AUTHORIZATION_FAILED, error(AlterClientQuotasResponseData.class,
                                r -> r.entries().get(0).errorCode())),
                rule("DescribeClientQuotas: DESCRIBE_CONFIGS on the cluster", ApiKeys.DESCRIBE_CLIENT_QUOTAS, 1,
                        new DescribeClientQuotasRequestData(), none,
                        List.of(allow(ResourceType.CLUSTER, CLUSTER, AclOperation.DESCRIBE_CONFIGS)),
                        Errors.CLUSTER_AUTHORIZATION_FAILED, error(DescribeClientQuotasResponseData.class,
                                DescribeClientQuotasResponseData::errorCode)),
                // Authentication itself: no ACL applies; an authenticated connection's SASL request is ILLEGAL_SASL_STATE.
                rule("SaslHandshake: open to everyone", ApiKeys.SASL_HANDSHAKE, 1,
                        new SaslHandshakeRequestData().setMechanism("PLAIN"), none, none, null,
                        saslState(SaslHandshakeResponseData.class, SaslHandshakeResponseData::errorCode)),
                rule("SaslAuthenticate: open to everyone", ApiKeys.SASL_AUTHENTICATE, 2,
                        new SaslAuthenticateRequestData().setAuthBytes(new byte[0]), none, none, null,
                        saslState(SaslAuthenticateResponseData.class, SaslAuthenticateResponseData::errorCode)));
    }

    /** Handles {@code request} as {@code User:alice} from 10.0.0.7, through the node's own Kafka APIs. */
    private static ApiMessage handle(ApiKeys api, short version, ApiMessage request) throws Exception {
        byte[] frame = BrokerConnection.frame(request, version, "authorization-test", 1);
        KafkaRequest parsed = KafkaRequest.parse(ByteBuffer.wrap(frame, 4, frame.length - 4).slice());
        assertEquals(api, parsed.apiKey());
        RequestContext context = new RequestContext(parsed, "PLAINTEXT", ALICE,
                new InetSocketAddress("10.0.0.7", 40_000), () -> { }, new AppendOrder(), throttleMs -> { });
        return node.node().broker().orElseThrow().kafkaApis().handle(context).get(60, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void withoutItsAclsARequestIsRefusedWithItsApisErrorAndWithThemItIsNot(Rule rule) throws Exception {
        if (!rule.given().isEmpty()) {
            admin.createAcls(rule.given()).all().get();
        }
        Errors without = rule.outcome().apply(handle(rule.api(), rule.version(), rule.request()));
        if (rule.denied() == null) {
            assertEquals(Errors.NONE, without, rule.name());
            return;
        }
        assertEquals(rule.denied(), without, rule.name() + ", without " + rule.grants());

        admin.createAcls(rule.grants()).all().get();
        Errors with = rule.outcome().apply(handle(rule.api(), rule.version(), rule.request()));
        assertNotEquals(rule.denied(), with, rule.name() + ", with " + rule.grants());
    }

    @Test
    void theTableHasARuleForEveryServedApi() {
        Set<ApiKeys> served = Arrays.stream(ApiKeys.values())
                .filter(api -> node.node().broker().orElseThrow().kafkaApis().supports(api, api.latestVersion()))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<ApiKeys> ruled = rules().map(Rule::api).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(served, ruled);
        List<String> names = new ArrayList<>();
        rules().forEach(rule -> names.add(rule.name()));
        assertEquals(names.size(), Set.copyOf(names).size(), "each rule's name tells it apart");
    }
}
