package io.skein.broker.admin;

import static io.skein.broker.admin.AdminAssertions.assertFails;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.skein.broker.group.GroupCoordinator;
import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.AdminServiceGrpc.AdminServiceFutureStub;
import io.skein.proto.admin.AdminServiceGrpc;
import io.skein.proto.admin.AlterTopicConfigsRequest;
import io.skein.proto.admin.Broker;
import io.skein.proto.admin.BrokerState;
import io.skein.proto.admin.ConfigEntry;
import io.skein.proto.admin.ConfigSource;
import io.skein.proto.admin.CreatePartitionsRequest;
import io.skein.proto.admin.CreateTopicsRequest;
import io.skein.proto.admin.CreateTopicsResponse;
import io.skein.proto.admin.DeleteGroupsRequest;
import io.skein.proto.admin.DeleteRecordsRequest;
import io.skein.proto.admin.DeleteTopicsRequest;
import io.skein.proto.admin.DescribeClusterRequest;
import io.skein.proto.admin.DescribeClusterResponse;
import io.skein.proto.admin.DescribeGroupsRequest;
import io.skein.proto.admin.DescribeQuorumRequest;
import io.skein.proto.admin.DescribeQuorumResponse;
import io.skein.proto.admin.DescribeTopicConfigsRequest;
import io.skein.proto.admin.DescribeTopicsRequest;
import io.skein.proto.admin.ElectLeadersRequest;
import io.skein.proto.admin.ElectLeadersResponse;
import io.skein.proto.admin.ElectionResult;
import io.skein.proto.admin.GroupDescription;
import io.skein.proto.admin.GroupOffset;
import io.skein.proto.admin.GroupSummary;
import io.skein.proto.admin.ListGroupsRequest;
import io.skein.proto.admin.ListTopicsRequest;
import io.skein.proto.admin.PartitionDescription;
import io.skein.proto.admin.QuorumMember;
import io.skein.proto.admin.ResetGroupOffsetsRequest;
import io.skein.proto.admin.TopicDescription;
import io.skein.proto.admin.TopicPartitions;
import io.skein.proto.admin.TopicSpec;
import io.skein.proto.admin.TopicSummary;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.testing.ChildJvm;
import io.skein.testing.EveryBroker;
import io.skein.testing.TestCluster;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicDeletionDisabledException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every AdminService RPC, through the generated stubs, against a real three-node cluster. */
@Timeout(180)
class AdminServiceTest {
    @TempDir
    static Path dir;
    static TestCluster cluster;
    static ManagedChannel channel;
    static AdminServiceBlockingStub admin;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of("broker.heartbeat.interval.ms", "500",
                "broker.session.timeout.ms", "3000", "auto.leader.rebalance.enable", "false",
                "offsets.topic.num.partitions", "3", "group.initial.rebalance.delay.ms", "0"));
        channel = NettyChannelBuilder.forTarget(cluster.node(1).adminAddress()).usePlaintext().build();
        admin = AdminServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stopCluster() {
        if (channel != null) {
            channel.shutdownNow();
        }
        cluster.close();
    }

    private static AdminServiceBlockingStub admin() {
        return admin.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static CreateTopicsResponse create(String name, int partitions, int replicas, Map<String, String> configs) {
        return admin().createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName(name)
                .setPartitions(partitions).setReplicationFactor(replicas).putAllConfigs(configs)).build());
    }

    private static TopicDescription describe(String name) {
        return admin().describeTopics(DescribeTopicsRequest.newBuilder().addNames(name).build()).getTopics(0);
    }

    private static void produce(String topic, int count) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i)).get();
            }
        }
    }

    @Test
    void topicsAreCreatedDescribedListedAndDeleted() throws Exception {
        CreateTopicsResponse created = create("orders", 3, 3, Map.of("retention.ms", "86400000"));
        TopicSummary summary = created.getTopics(0);
        assertEquals("orders", summary.getName());
        assertEquals(3, summary.getPartitions());
        assertEquals(3, summary.getReplicationFactor());
        produce("orders", 30);

        TopicDescription orders = describe("orders");
        assertEquals(summary.getTopicId(), orders.getTopicId());
        assertEquals(Map.of("retention.ms", "86400000"), orders.getConfigsMap());
        assertEquals(3, orders.getPartitionsCount());
        long records = 0;
        for (PartitionDescription p : orders.getPartitionsList()) {
            assertEquals(p.getReplicas(0), p.getLeader(), "a new topic is led by its preferred replicas");
            assertEquals(3, p.getIsrCount());
            assertFalse(p.getOffline());
            assertFalse(p.getUnderReplicated());
            assertEquals(0, p.getLogStartOffset());
            records += p.getLogEndOffset();
            int leader = p.getLeader();
            assertEquals(cluster.node(leader).replica(new TopicPartition("orders", p.getPartition())).orElseThrow().size(),
                    p.getSizeBytes(), "the leader's replica, as it answers DescribeLogDirs");
        }
        assertEquals(30, records);
        PartitionDescription second = admin().describeTopics(DescribeTopicsRequest.newBuilder().addNames("orders")
                .addPartitions(1).build()).getTopics(0).getPartitions(0);
        assertEquals(orders.getPartitions(1), second, "one partition of a topic, as described with all");
        assertFails(Status.Code.NOT_FOUND, "UNKNOWN_TOPIC_OR_PARTITION", () -> admin().describeTopics(
                DescribeTopicsRequest.newBuilder().addNames("orders").addPartitions(3).build()));

        List<String> listed = admin().listTopics(ListTopicsRequest.getDefaultInstance()).getTopicsList().stream()
                .map(TopicSummary::getName).toList();
        assertTrue(listed.contains("orders"));
        assertFalse(listed.contains("__consumer_offsets"), "internal topics only when asked for");

        assertFails(Status.Code.ALREADY_EXISTS, "TOPIC_ALREADY_EXISTS", () -> create("orders", 1, 1, Map.of()));
        assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_PARTITIONS", () -> create("negative", -2, 1, Map.of()));
        assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_PARTITIONS", () -> create("none", 0, 1, Map.of()));
        assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_REPLICATION_FACTOR", () -> create("unreplicated", 1, 0,
                Map.of()));
        assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_REPLICATION_FACTOR", () -> create("wide", 1, 4, Map.of()));
        assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_TOPIC_EXCEPTION", () -> create("no spaces", 1, 1, Map.of()));
        assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_CONFIG",
                () -> create("badconfig", 1, 1, Map.of("retention.ms", "soon")));
        // One bad topic in a batch creates none of them.
        assertFails(Status.Code.ALREADY_EXISTS, "TOPIC_ALREADY_EXISTS", () -> admin().createTopics(
                CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName("fresh").setPartitions(1))
                        .addTopics(TopicSpec.newBuilder().setName("orders").setPartitions(1)).build()));
        assertFails(Status.Code.NOT_FOUND, "UNKNOWN_TOPIC_OR_PARTITION", () -> describe("fresh"));

        admin().deleteTopics(DeleteTopicsRequest.newBuilder().addNames("orders").build());
        assertFalse(admin().listTopics(ListTopicsRequest.getDefaultInstance()).getTopicsList().stream()
                .anyMatch(t -> t.getName().equals("orders")));
        assertFails(Status.Code.NOT_FOUND, "UNKNOWN_TOPIC_OR_PARTITION",
                () -> admin().deleteTopics(DeleteTopicsRequest.newBuilder().addNames("orders").build()));
    }

    @Test
    void partitionsGrowAndConfigsChange() {
        create("payments", 2, 2, Map.of());
        TopicSummary grown = admin().createPartitions(CreatePartitionsRequest.newBuilder().setTopic("payments")
                .setPartitions(4).build()).getTopic();
        assertEquals(4, grown.getPartitions());
        assertEquals(4, describe("payments").getPartitionsCount());
        assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_PARTITIONS", () -> admin().createPartitions(
                CreatePartitionsRequest.newBuilder().setTopic("payments").setPartitions(3).build()));
        assertFails(Status.Code.NOT_FOUND, "UNKNOWN_TOPIC_OR_PARTITION", () -> admin().createPartitions(
                CreatePartitionsRequest.newBuilder().setTopic("nothing").setPartitions(3).build()));

        Map<String, String> configs = admin().alterTopicConfigs(AlterTopicConfigsRequest.newBuilder()
                .setTopic("payments").putSet("retention.ms", "3600000").putSet("cleanup.policy", "compact").build())
                .getConfigsMap();
        assertEquals(Map.of("retention.ms", "3600000", "cleanup.policy", "compact"), configs);
        configs = admin().alterTopicConfigs(AlterTopicConfigsRequest.newBuilder().setTopic("payments")
                .addDelete("cleanup.policy").build()).getConfigsMap();
        assertEquals(Map.of("retention.ms", "3600000"), configs);
        assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_CONFIG", () -> admin().alterTopicConfigs(
                AlterTopicConfigsRequest.newBuilder().setTopic("payments").putSet("retention.ms", "soon").build()));
        assertFails(Status.Code.NOT_FOUND, "UNKNOWN_TOPIC_OR_PARTITION", () -> admin().alterTopicConfigs(
                AlterTopicConfigsRequest.newBuilder().setTopic("nothing").putSet("retention.ms", "1").build()));

        Map<String, ConfigEntry> entries = new java.util.HashMap<>();
        admin().describeTopicConfigs(DescribeTopicConfigsRequest.newBuilder().setTopic("payments").build())
                .getConfigsList().forEach(e -> entries.put(e.getName(), e));
        assertEquals("3600000", entries.get("retention.ms").getValue());
        assertEquals(ConfigSource.DYNAMIC_TOPIC_CONFIG, entries.get("retention.ms").getSource());
        assertEquals("delete", entries.get("cleanup.policy").getValue());
        assertEquals(ConfigSource.DEFAULT_CONFIG, entries.get("cleanup.policy").getSource());
        assertFails(Status.Code.NOT_FOUND, "UNKNOWN_TOPIC_OR_PARTITION", () -> admin().describeTopicConfigs(
                DescribeTopicConfigsRequest.newBuilder().setTopic("nothing").build()));
    }

    /**
     * Makes a change through node 1 while node 1's metadata is held back, as on a broker that lags:
     * the answer must wait until node 1 shows the change, however soon the others do.
     */
    private static <T> T whileNodeOneLags(String what, Predicate<MetadataImage> shows,
                                          Function<AdminServiceFutureStub, ListenableFuture<T>> call) throws Exception {
        TestNode one = cluster.node(1);
        CompletableFuture<Boolean> shownWhenAnswered = new CompletableFuture<>();
        ListenableFuture<T> answer;
        try (TestNode.MetadataHold hold = one.holdMetadata()) {
            answer = call.apply(AdminServiceGrpc.newFutureStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS));
            answer.addListener(() -> shownWhenAnswered.complete(shows.test(one.image())), Runnable::run);
            TestNode.awaitAll(List.of(cluster.node(2), cluster.node(3)), what, shows);
            assertFalse(shows.test(one.image()), "node 1 is held back");
        }
        T result = answer.get(60, TimeUnit.SECONDS);
        assertTrue(shownWhenAnswered.get(60, TimeUnit.SECONDS), "answered before node 1 showed " + what);
        return result;
    }

    @Test
    void aChangeIsAnsweredOnceTheBrokerAskedShowsIt() throws Exception {
        TopicSummary created = whileNodeOneLags("topic lagging", image -> image.topic("lagging") != null,
                stub -> stub.createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder()
                        .setName("lagging").setPartitions(1).setReplicationFactor(3)).build())).getTopics(0);
        assertEquals(1, created.getPartitions());

        TopicSummary grown = whileNodeOneLags("3 partitions of lagging",
                image -> image.topic("lagging").partitions().size() == 3,
                stub -> stub.createPartitions(CreatePartitionsRequest.newBuilder().setTopic("lagging").setPartitions(3)
                        .build())).getTopic();
        assertEquals(3, grown.getPartitions());

        ConfigResource resource = new ConfigResource(ConfigResourceType.TOPIC, "lagging");
        Map<String, String> configs = whileNodeOneLags("retention.ms of lagging",
                image -> image.configs(resource).containsKey("retention.ms"),
                stub -> stub.alterTopicConfigs(AlterTopicConfigsRequest.newBuilder().setTopic("lagging")
                        .putSet("retention.ms", "3600000").build())).getConfigsMap();
        assertEquals(Map.of("retention.ms", "3600000"), configs);

        whileNodeOneLags("lagging deleted", image -> image.topic("lagging") == null,
                stub -> stub.deleteTopics(DeleteTopicsRequest.newBuilder().addNames("lagging").build()));
        assertFails(Status.Code.NOT_FOUND, "UNKNOWN_TOPIC_OR_PARTITION", () -> describe("lagging"));
    }

    /** delete.topic.enable=false refuses deletions through the admin API as through Kafka's, and keeps the topic. */
    @Test
    void topicDeletionCanBeDisabled() throws Exception {
        try (TestNode node = TestNode.start(dir.resolve("no-deletion"), Map.of("delete.topic.enable", "false"));
             Admin kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap()))) {
            ManagedChannel single = NettyChannelBuilder.forTarget(node.adminAddress()).usePlaintext().build();
            try {
                AdminServiceBlockingStub stub = AdminServiceGrpc.newBlockingStub(single)
                        .withDeadlineAfter(60, TimeUnit.SECONDS);
                stub.createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName("kept"))
                        .build());
                StatusRuntimeException refused = assertFails(Status.Code.FAILED_PRECONDITION, "TOPIC_DELETION_DISABLED",
                        () -> stub.deleteTopics(DeleteTopicsRequest.newBuilder().addNames("kept").build()));
                assertTrue(refused.getMessage().contains("delete.topic.enable"), refused.getMessage());
                ExecutionException viaKafka = assertThrows(ExecutionException.class,
                        () -> kafka.deleteTopics(List.of("kept")).all().get(60, TimeUnit.SECONDS));
                assertTrue(viaKafka.getCause() instanceof TopicDeletionDisabledException, viaKafka.toString());
                assertEquals(List.of("kept"), stub.listTopics(ListTopicsRequest.getDefaultInstance()).getTopicsList()
                        .stream().map(TopicSummary::getName).toList());
            } finally {
                single.shutdownNow();
            }
        }
    }

    /** Configs are described from the broker asked, which shows what was written through it. */
    @Test
    void configsWrittenThroughABrokerAreDescribedByItWhileTheOthersLag() throws Exception {
        create("described", 1, 3, Map.of());
        try (TestNode.MetadataHold two = cluster.node(2).holdMetadata();
             TestNode.MetadataHold three = cluster.node(3).holdMetadata()) {
            for (int i = 1; i <= 5; i++) {
                String retention = Integer.toString(3_600_000 * i);
                admin().alterTopicConfigs(AlterTopicConfigsRequest.newBuilder().setTopic("described")
                        .putSet("retention.ms", retention).build());
                ConfigEntry described = admin().describeTopicConfigs(DescribeTopicConfigsRequest.newBuilder()
                        .setTopic("described").build()).getConfigsList().stream()
                        .filter(e -> e.getName().equals("retention.ms")).findFirst().orElseThrow();
                assertEquals(retention, described.getValue());
                assertEquals(ConfigSource.DYNAMIC_TOPIC_CONFIG, described.getSource());
            }
        }
    }

    @Test
    void groupsAreDescribedResetAndDeleted() throws Exception {
        create("clicks", 2, 3, Map.of());
        produce("clicks", 20);
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "analytics");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "analytics-1");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of("clicks"));
            int[] read = {0};
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                read[0] += consumer.poll(Duration.ofMillis(100)).count();
                return read[0] >= 20;
            });
            consumer.commitSync();

            GroupDescription group = admin().describeGroups(DescribeGroupsRequest.newBuilder()
                    .addGroupIds("analytics").build()).getGroups(0);
            assertEquals("Stable", group.getState());
            assertEquals("range", group.getProtocol());
            assertEquals(1, group.getMembersCount());
            assertEquals("analytics-1", group.getMembers(0).getClientId());
            assertEquals(List.of(0, 1), group.getMembers(0).getAssignment(0).getPartitionsList());
            assertEquals(2, group.getOffsetsCount());
            long committed = 0;
            for (GroupOffset offset : group.getOffsetsList()) {
                assertEquals(0, offset.getLag());
                assertEquals(offset.getLogEndOffset(), offset.getCommittedOffset());
                assertEquals(group.getMembers(0).getMemberId(), offset.getMemberId());
                committed += offset.getCommittedOffset();
            }
            assertEquals(20, committed);
            assertTrue(admin().listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList().stream()
                    .map(GroupSummary::getGroupId).toList().contains("analytics"));

            assertFails(Status.Code.FAILED_PRECONDITION, "NON_EMPTY_GROUP", () -> admin().resetGroupOffsets(
                    ResetGroupOffsetsRequest.newBuilder().setGroupId("analytics").setToEarliest(true).build()));
            assertFails(Status.Code.FAILED_PRECONDITION, "NON_EMPTY_GROUP", () -> admin().deleteGroups(
                    DeleteGroupsRequest.newBuilder().addGroupIds("analytics").build()));
        }

        List<GroupOffset> preview = admin().resetGroupOffsets(ResetGroupOffsetsRequest.newBuilder()
                .setGroupId("analytics").setShiftBy(-3).setDryRun(true).build()).getOffsetsList();
        assertEquals(20 - 6, preview.stream().mapToLong(GroupOffset::getCommittedOffset).sum());
        List<GroupOffset> reset = admin().resetGroupOffsets(ResetGroupOffsetsRequest.newBuilder()
                .setGroupId("analytics").setToEarliest(true).build()).getOffsetsList();
        assertEquals(List.of(0L, 0L), reset.stream().map(GroupOffset::getCommittedOffset).toList());
        GroupDescription after = admin().describeGroups(DescribeGroupsRequest.newBuilder()
                .addGroupIds("analytics").build()).getGroups(0);
        assertEquals("Empty", after.getState());
        assertEquals(20, after.getOffsetsList().stream().mapToLong(GroupOffset::getLag).sum(),
                "the dry run committed nothing; the reset to earliest did");

        assertFails(Status.Code.NOT_FOUND, "GROUP_ID_NOT_FOUND", () -> admin().describeGroups(
                DescribeGroupsRequest.newBuilder().addGroupIds("nobody").build()));
        assertFails(Status.Code.NOT_FOUND, "GROUP_ID_NOT_FOUND", () -> admin().deleteGroups(
                DeleteGroupsRequest.newBuilder().addGroupIds("nobody").build()));
        assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST", () -> admin().resetGroupOffsets(
                ResetGroupOffsetsRequest.newBuilder().setGroupId("analytics").build()));

        admin().deleteGroups(DeleteGroupsRequest.newBuilder().addGroupIds("analytics").build());
        assertFalse(admin().listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList().stream()
                .anyMatch(g -> g.getGroupId().equals("analytics")));
    }

    /**
     * As in Kafka, deleting a topic deletes the offsets groups committed on it, and the group is
     * described at once meanwhile: through the admin API while its coordinator does not know of the
     * deletion yet, and through kafka-consumer-groups once it does. A topic created again under the
     * same name starts with no offsets.
     */
    @Test
    void aDeletedTopicsCommittedOffsetsGoWithIt() throws Exception {
        String group = groupCoordinatedElsewhere();
        TestNode coordinator = cluster.node(coordinatorOf(group));
        create("doomed", 2, 3, Map.of());
        create("lasting", 1, 3, Map.of());
        produce("lasting", 5);
        try (Admin kafka = cluster.admin()) {
            kafka.alterConsumerGroupOffsets(group, Map.of(new TopicPartition("doomed", 0), new OffsetAndMetadata(0),
                    new TopicPartition("doomed", 1), new OffsetAndMetadata(0),
                    new TopicPartition("lasting", 0), new OffsetAndMetadata(5))).all().get(60, TimeUnit.SECONDS);
        }

        try (TestNode.MetadataHold hold = coordinator.holdMetadata()) {
            admin().deleteTopics(DeleteTopicsRequest.newBuilder().addNames("doomed").build());
            // Well within the Kafka client's 60 s wait for the leader of a partition that no longer exists.
            List<GroupOffset> stale = admin.withDeadlineAfter(30, TimeUnit.SECONDS).describeGroups(
                    DescribeGroupsRequest.newBuilder().addGroupIds(group).build()).getGroups(0).getOffsetsList();
            assertEquals(List.of("doomed", "doomed", "lasting"), stale.stream().map(GroupOffset::getTopic).toList(),
                    "the coordinator has not removed them yet");
            assertEquals(List.of(-1L, -1L, 5L), stale.stream().map(GroupOffset::getLogEndOffset).toList());
        }
        // The coordinator writes the tombstones once its own metadata shows the deletion.
        await("the offsets of the deleted topic gone from " + group).atMost(EveryBroker.WITHIN)
                .until(() -> offsetTopics(group).equals(List.of("lasting")));
        ChildJvm.Result described = ChildJvm.run(System.getProperty("skein.kafka.tools.version"), null,
                Duration.ofSeconds(90), "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                "--bootstrap-server", cluster.bootstrap(), "--describe", "--group", group);
        assertEquals(0, described.exitCode(), described.output());
        assertTrue(described.output().lines().anyMatch(line -> line.matches(
                group + "\\s+lasting\\s+0\\s+5\\s+5\\s+0.*")), described.output());
        assertFalse(described.output().contains("doomed"), described.output());

        create("doomed", 1, 3, Map.of());
        assertEquals(List.of("lasting"), offsetTopics(group), "a new topic of the same name inherits nothing");
        try (Admin kafka = cluster.admin()) {
            assertEquals(Set.of(new TopicPartition("lasting", 0)), kafka.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS).keySet());
        }
    }

    /** A group whose coordinator is not node 1, the node the test asks, once __consumer_offsets exists. */
    private static String groupCoordinatedElsewhere() throws Exception {
        try (Admin kafka = cluster.admin()) {
            kafka.listConsumerGroupOffsets("first").all().get(60, TimeUnit.SECONDS); // finding it creates the topic
        }
        cluster.awaitAll("__consumer_offsets with leaders", image -> {
            TopicImage offsets = image.topic(GroupCoordinator.OFFSETS_TOPIC);
            return offsets != null && offsets.partitions().values().stream().allMatch(PartitionRegistration::hasLeader);
        });
        return IntStream.range(0, 100).mapToObj(i -> "orphaned-" + i).filter(g -> coordinatorOf(g) != 1)
                .findFirst().orElseThrow();
    }

    private static int coordinatorOf(String groupId) {
        TopicImage offsets = cluster.node(1).image().topic(GroupCoordinator.OFFSETS_TOPIC);
        return offsets.partition(GroupCoordinator.partitionFor(groupId, offsets.partitions().size())).leader();
    }

    /** The topic of each offset the group has committed, as the admin API describes the group. */
    private static List<String> offsetTopics(String groupId) {
        return admin().describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds(groupId).build()).getGroups(0)
                .getOffsetsList().stream().map(GroupOffset::getTopic).toList();
    }

    @Test
    void recordsBelowAnOffsetAreDeleted() throws Exception {
        create("logs", 1, 3, Map.of());
        produce("logs", 10);
        long lowWatermark = admin().deleteRecords(DeleteRecordsRequest.newBuilder().setTopic("logs")
                .setBeforeOffset(4).build()).getPartitions(0).getLowWatermark();
        assertEquals(4, lowWatermark);
        PartitionDescription partition = describe("logs").getPartitions(0);
        assertEquals(4, partition.getLogStartOffset());
        assertEquals(10, partition.getLogEndOffset());
        assertFails(Status.Code.INVALID_ARGUMENT, "OFFSET_OUT_OF_RANGE", () -> admin().deleteRecords(
                DeleteRecordsRequest.newBuilder().setTopic("logs").setBeforeOffset(11).build()));
        assertFails(Status.Code.NOT_FOUND, "UNKNOWN_TOPIC_OR_PARTITION", () -> admin().deleteRecords(
                DeleteRecordsRequest.newBuilder().setTopic("nothing").setBeforeOffset(1).build()));
    }

    @Test
    void clusterQuorumAndPreferredLeadersFollowABrokerThatStopsAndComesBack() throws Exception {
        DescribeClusterResponse described = admin().describeCluster(DescribeClusterRequest.getDefaultInstance());
        assertEquals(3, described.getBrokersCount());
        assertTrue(described.getBrokersList().stream().allMatch(b -> b.getState() == BrokerState.UNFENCED));
        assertTrue(described.getClusterId().length() > 0);
        DescribeQuorumResponse quorum = admin().describeQuorum(DescribeQuorumRequest.getDefaultInstance());
        assertEquals(described.getActiveController(), quorum.getLeaderId());
        assertEquals(3, quorum.getVotersCount());
        for (QuorumMember voter : quorum.getVotersList()) {
            assertEquals(voter.getId() == quorum.getLeaderId() ? "LEADER" : "FOLLOWER", voter.getRole());
            assertEquals(quorum.getTerm(), voter.getTerm());
            assertTrue(voter.getAppliedIndex() > 0 && voter.getLag() >= 0, voter.toString());
        }

        create("moves", 3, 3, Map.of());
        cluster.node(3).close();
        await().atMost(Duration.ofSeconds(30)).until(() -> brokerState(3) == BrokerState.SHUTTING_DOWN);
        DescribeQuorumResponse withoutThree = admin().describeQuorum(DescribeQuorumRequest.getDefaultInstance());
        assertEquals("UNREACHABLE", withoutThree.getVotersList().stream().filter(v -> v.getId() == 3).findFirst()
                .orElseThrow().getRole());
        assertTrue(describe("moves").getPartitionsList().stream().allMatch(PartitionDescription::getUnderReplicated));

        cluster.node(3).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> brokerState(3) == BrokerState.UNFENCED
                && describe("moves").getPartitionsList().stream().noneMatch(PartitionDescription::getUnderReplicated));
        List<PartitionDescription> ledElsewhere = describe("moves").getPartitionsList().stream()
                .filter(p -> p.getReplicas(0) == 3).toList();
        assertFalse(ledElsewhere.isEmpty(), "node 3 is the preferred leader of a partition of moves");
        assertTrue(ledElsewhere.stream().allMatch(p -> p.getLeader() != 3), "no automatic rebalance in this test");

        ElectLeadersResponse elected = admin().electLeaders(ElectLeadersRequest.newBuilder()
                .addPartitions(TopicPartitions.newBuilder().setTopic("moves")).build());
        assertEquals(3, elected.getResultsCount());
        for (ElectionResult result : elected.getResultsList()) {
            PartitionDescription before = describe("moves").getPartitions(result.getPartition());
            assertEquals(before.getReplicas(0), result.getLeader(), result.toString());
            assertEquals(before.getReplicas(0) == 3 ? "NONE" : "ELECTION_NOT_NEEDED", result.getOutcome(),
                    result.toString());
        }
        assertTrue(describe("moves").getPartitionsList().stream().allMatch(p -> p.getLeader() == p.getReplicas(0)));
        assertFails(Status.Code.NOT_FOUND, "UNKNOWN_TOPIC_OR_PARTITION", () -> admin().electLeaders(
                ElectLeadersRequest.newBuilder().addPartitions(TopicPartitions.newBuilder().setTopic("nothing"))
                        .build()));
    }

    private static BrokerState brokerState(int id) {
        return admin().describeCluster(DescribeClusterRequest.getDefaultInstance()).getBrokersList().stream()
                .filter(b -> b.getId() == id).map(Broker::getState).findFirst().orElseThrow();
    }

    @Test
    void serverReflectionListsTheAdminService() throws Exception {
        CompletableFuture<List<String>> services = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        services.complete(response.getListServicesResponse().getServiceList().stream()
                                .map(ServiceResponse::getName).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        services.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        assertTrue(services.get(30, TimeUnit.SECONDS).contains("skein.admin.AdminService"));
    }
}
