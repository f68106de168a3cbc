package io.skein.metadata.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.ImageRecords;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.metadata.loader.MetadataLoader;
import io.skein.proto.Uuids;
import io.skein.proto.controller.AllocateProducerIdsRequest;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterPartitionRequest;
import io.skein.proto.controller.AlterPartitionResponse;
import io.skein.proto.controller.BrokerHeartbeatResponse;
import io.skein.proto.controller.ConfigChange;
import io.skein.proto.controller.CreatableTopic;
import io.skein.proto.controller.CreatePartitionsRequest;
import io.skein.proto.controller.CreateTopicsRequest;
import io.skein.proto.controller.CreateTopicsResponse;
import io.skein.proto.controller.DeleteTopicsRequest;
import io.skein.proto.controller.DescribeQuorumResponse;
import io.skein.proto.controller.ElectLeadersRequest;
import io.skein.proto.controller.ElectionType;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.PartitionCount;
import io.skein.proto.controller.PartitionIsr;
import io.skein.proto.controller.RegisterBrokerRequest;
import io.skein.proto.controller.TopicPartitions;
import io.skein.proto.metadata.ConfigResourceType;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class QuorumControllerTest {
    @TempDir
    Path dir;

    public static CreateTopicsResponse create(ControllerClient client, String name, int partitions, int replicationFactor) {
        return client.createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                .setName(name).setNumPartitions(partitions).setReplicationFactor(replicationFactor)).build()).join();
    }

    public static ErrorCode createError(ControllerClient client, String name, int partitions, int replicationFactor) {
        return create(client, name, partitions, replicationFactor).getTopics(0).getError().getCode();
    }

    /**
     * Creates a topic of a name the test has not used. Among several voters a busy machine can move
     * the leadership while a create commits; the client then retries, and finds the topic its own
     * first attempt created (TOPIC_ALREADY_EXISTS), as Kafka's admin client can.
     */
    public static void createNewTopic(ControllerClient client, String name, int partitions, int replicationFactor) {
        ErrorCode error = createError(client, name, partitions, replicationFactor);
        assertTrue(error == ErrorCode.NONE || error == ErrorCode.TOPIC_ALREADY_EXISTS, name + ": " + error);
    }

    /** No ISR holds a fenced broker, and every leader is in its ISR. */
    static void assertIsrInvariant(MetadataImage image) {
        for (TopicImage topic : image.topicsById().values()) {
            topic.partitions().forEach((id, partition) -> {
                for (int member : partition.isr()) {
                    assertFalse(image.broker(member).fenced(), topic.name() + "-" + id + " has fenced " + member);
                }
                if (partition.hasLeader()) {
                    assertTrue(partition.isr().contains(partition.leader()), topic.name() + "-" + id);
                }
            });
        }
    }

    @Test
    void metadataSurvivesTheActiveControllersDeathAndVotersAndBrokersConverge() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 3);
             MetadataLoader broker = MetadataLoader.start(1, controllers.rpcAddresses())) {
            controllers.broker(1).join();
            for (int i = 0; i < 5; i++) {
                createNewTopic(controllers.client(), "before-" + i, 3, 1);
            }
            int killed = controllers.active().quorum().nodeId();

            controllers.stop(killed);
            for (int i = 0; i < 5; i++) {
                createNewTopic(controllers.client(), "after-" + i, 3, 1);
            }
            assertNotEquals(killed, controllers.active().quorum().nodeId());
            assertEquals(10, controllers.awaitConvergence().topicsById().size());

            controllers.start(killed);
            MetadataImage image = controllers.awaitConvergence();
            assertEquals(10, image.topicsById().size());
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    ImageRecords.of(broker.image()).equals(ImageRecords.of(controllers.awaitConvergence())));
            assertEquals(3, image.topic("after-4").partitions().size());
            DescribeQuorumResponse quorum = controllers.client().describeQuorum().join();
            assertEquals(controllers.active().quorum().nodeId(), quorum.getLeaderId());
            assertEquals(3, quorum.getVotersCount());
        }
    }

    @Test
    void twoClientsRacingToCreateOneTopicExactlyOneSucceeds() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 3)) {
            controllers.broker(1).join();
            Map<Integer, InetSocketAddress> addresses = new HashMap<>();
            for (ControllerServer server : controllers.running()) {
                addresses.put(server.quorum().nodeId(), server.rpcAddress());
            }
            try (ControllerClient other = new ControllerClient(addresses, Duration.ofSeconds(30))) {
                for (int round = 0; round < 10; round++) {
                    String name = "race-" + round;
                    CountDownLatch go = new CountDownLatch(1);
                    CompletableFuture<ErrorCode> first = CompletableFuture.supplyAsync(() -> {
                        awaitLatch(go);
                        return createError(controllers.client(), name, 2, 1);
                    });
                    CompletableFuture<ErrorCode> second = CompletableFuture.supplyAsync(() -> {
                        awaitLatch(go);
                        return createError(other, name, 2, 1);
                    });
                    go.countDown();
                    List<ErrorCode> outcomes = List.of(first.get(30, TimeUnit.SECONDS), second.get(30, TimeUnit.SECONDS));
                    assertTrue(outcomes.contains(ErrorCode.NONE) && outcomes.contains(ErrorCode.TOPIC_ALREADY_EXISTS),
                            name + ": " + outcomes);
                }
            }
            assertEquals(10, controllers.awaitConvergence().topicsById().size());
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A change's response names the metadata offset it committed at: a broker's image at that offset
     * shows it and its image before does not, so a caller that waits for the offset reads its write.
     */
    @Test
    void aChangeNamesTheMetadataOffsetABrokerShowsItAt() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 1);
             MetadataLoader broker = MetadataLoader.start(1, controllers.rpcAddresses())) {
            Map<Long, MetadataImage> images = new ConcurrentHashMap<>();
            broker.addPublisher((delta, image) -> images.put(image.offset(), image));
            controllers.broker(1).join();
            ControllerClient client = controllers.client();

            CreateTopicsResponse created = create(client, "shown", 1, 1);
            assertShownFirstAt(images, created.getMetadataOffset(), image -> image.topic("shown") != null);
            long grown = client.createPartitions(CreatePartitionsRequest.newBuilder()
                    .addTopics(PartitionCount.newBuilder().setName("shown").setCount(3)).build()).join().getMetadataOffset();
            assertShownFirstAt(images, grown, image -> image.topic("shown").partitions().size() == 3);
            long configured = client.alterConfigs(AlterConfigsRequest.newBuilder().addChanges(ConfigChange.newBuilder()
                    .setResourceType(ConfigResourceType.TOPIC).setResourceName("shown").setName("retention.ms")
                    .setValue("1000")).build()).join().getMetadataOffset();
            assertShownFirstAt(images, configured, image -> !image.configs(new io.skein.metadata.image.ConfigResource(
                    ConfigResourceType.TOPIC, "shown")).isEmpty());
            long deleted = client.deleteTopics(DeleteTopicsRequest.newBuilder().addNames("shown").build()).join()
                    .getMetadataOffset();
            assertShownFirstAt(images, deleted, image -> image.topic("shown") == null);

            assertEquals(0, create(client, "shown-not", 1, 5).getMetadataOffset(), "a refused change writes nothing");
            assertEquals(0, client.createTopics(CreateTopicsRequest.newBuilder().setValidateOnly(true)
                    .addTopics(CreatableTopic.newBuilder().setName("checked").setNumPartitions(1)
                            .setReplicationFactor(1)).build()).join().getMetadataOffset(), "nor does a validation");
        }
    }

    /** The broker's image at {@code offset} {@code shows} the change, and the image before it does not. */
    private static void assertShownFirstAt(Map<Long, MetadataImage> images, long offset,
                                           Predicate<MetadataImage> shows) {
        assertTrue(offset > 0, "no offset: " + offset);
        await().atMost(Duration.ofSeconds(30)).until(() -> images.containsKey(offset));
        assertTrue(shows.test(images.get(offset)), "not shown at offset " + offset);
        long before = images.keySet().stream().filter(at -> at < offset).max(Long::compare).orElseThrow();
        assertFalse(shows.test(images.get(before)), "shown before, at offset " + before);
    }

    @Test
    void threeBrokersSixPartitionsReplicationThreeEveryBrokerLeadsTwo() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 1)) {
            for (int id = 1; id <= 3; id++) {
                controllers.broker(id).join();
            }
            assertEquals(ErrorCode.NONE, createError(controllers.client(), "spread", 6, 3));

            TopicImage topic = controllers.awaitConvergence().topic("spread");
            Map<Integer, Integer> leaders = new HashMap<>();
            for (PartitionRegistration partition : topic.partitions().values()) {
                assertEquals(3, new HashSet<>(partition.replicas()).size(), partition.toString());
                assertEquals(partition.replicas().get(0), partition.leader(), "the preferred replica leads");
                leaders.merge(partition.leader(), 1, Integer::sum);
            }
            assertEquals(Map.of(1, 2, 2, 2, 3, 2), leaders);
            assertNotEquals(topic.partition(0).replicas(), topic.partition(3).replicas(), "the next round shifts");
        }
    }

    @Test
    void alterPartitionIsCheckedByEpochsAndFencingMovesLeadershipWithinTheIsr() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 3)) {
            List<TestControllers.Broker> brokers = new ArrayList<>();
            for (int id = 1; id <= 3; id++) {
                brokers.add(controllers.broker(id).join());
            }
            createNewTopic(controllers.client(), "t", 3, 3);
            TopicImage topic = controllers.awaitConvergence().topic("t");
            PartitionRegistration p0 = topic.partition(0);
            int leader = p0.leader();
            int follower = p0.isr().stream().filter(r -> r != leader).findFirst().orElseThrow();
            TestControllers.Broker leaderBroker = brokers.get(leader - 1);

            assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, alter(controllers, brokers.get(follower - 1), topic, p0,
                    p0.leaderEpoch(), p0.partitionEpoch(), p0.isr()));
            assertEquals(ErrorCode.INVALID_UPDATE_VERSION, alter(controllers, leaderBroker, topic, p0,
                    p0.leaderEpoch(), p0.partitionEpoch() + 5, List.of(leader)));
            assertEquals(ErrorCode.FENCED_LEADER_EPOCH, alter(controllers, leaderBroker, topic, p0,
                    p0.leaderEpoch() - 1, p0.partitionEpoch(), List.of(leader)));
            assertEquals(ErrorCode.INVALID_REQUEST, alter(controllers, leaderBroker, topic, p0,
                    p0.leaderEpoch(), p0.partitionEpoch(), List.of(follower)));
            assertEquals(ErrorCode.NONE, alter(controllers, leaderBroker, topic, p0, p0.leaderEpoch(),
                    p0.partitionEpoch(), List.of(leader, follower)));
            assertEquals(ErrorCode.INVALID_UPDATE_VERSION, alter(controllers, leaderBroker, topic, p0,
                    p0.leaderEpoch(), p0.partitionEpoch(), List.of(leader)), "the epoch it used is stale now");
            PartitionRegistration shrunk = controllers.awaitConvergence().topic("t").partition(0);
            assertEquals(List.of(leader, follower), shrunk.isr());
            assertEquals(p0.partitionEpoch() + 1, shrunk.partitionEpoch());

            // The leader of partition 0 stops heartbeating; the others keep going.
            Map<Integer, PartitionRegistration> before = controllers.awaitConvergence().topic("t").partitions();
            fenceBySilence(controllers, brokers, leader);

            MetadataImage after = controllers.awaitConvergence();
            assertIsrInvariant(after);
            before.forEach((id, old) -> {
                PartitionRegistration now = after.topic("t").partition(id);
                if (old.leader() == leader) {
                    assertTrue(old.isr().contains(now.leader()) && now.leader() != leader, "new leader from the ISR");
                    assertEquals(old.leaderEpoch() + 1, now.leaderEpoch());
                } else {
                    assertEquals(old.leader(), now.leader());
                }
            });
            assertEquals(ErrorCode.INELIGIBLE_REPLICA, alter(controllers, brokers.get(follower - 1),
                    after.topic("t"), after.topic("t").partition(0), after.topic("t").partition(0).leaderEpoch(),
                    after.topic("t").partition(0).partitionEpoch(), List.of(follower, leader)));
        }
    }

    /**
     * KIP-903: an expansion vouches for the incarnation whose fetches caught up. If that broker has
     * registered again since (it may have restarted with the tail of its log lost), the controller
     * refuses it; vouching for the current incarnation is accepted.
     */
    @Test
    void anExpansionVouchingForAnEarlierIncarnationOfTheReplicaIsRefused() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 3)) {
            List<TestControllers.Broker> brokers = new ArrayList<>();
            for (int id = 1; id <= 3; id++) {
                brokers.add(controllers.broker(id).join());
            }
            assertEquals(ErrorCode.NONE, createError(controllers.client(), "t", 1, 3));
            TopicImage topic = controllers.awaitConvergence().topic("t");
            PartitionRegistration p0 = topic.partition(0);
            int leader = p0.leader();
            List<Integer> others = p0.replicas().stream().filter(r -> r != leader).toList();
            TestControllers.Broker leaderBroker = brokers.get(leader - 1);
            TestControllers.Broker restarted = brokers.get(others.get(1) - 1);
            assertEquals(ErrorCode.NONE, alter(controllers, leaderBroker, topic, p0, p0.leaderEpoch(),
                    p0.partitionEpoch(), List.of(leader, others.get(0))));
            long earlierEpoch = restarted.epoch;
            restarted.join(); // registers again: a new incarnation, a new broker epoch
            assertNotEquals(earlierEpoch, restarted.epoch);

            TopicImage now = controllers.awaitConvergence().topic("t");
            PartitionRegistration shrunk = now.partition(0);
            List<Integer> expanded = List.of(leader, others.get(0), others.get(1));
            assertEquals(ErrorCode.INELIGIBLE_REPLICA, alter(controllers, leaderBroker, now, shrunk,
                    shrunk.leaderEpoch(), shrunk.partitionEpoch(), expanded, List.of(-1L, -1L, earlierEpoch)));
            assertEquals(ErrorCode.NONE, alter(controllers, leaderBroker, now, shrunk, shrunk.leaderEpoch(),
                    shrunk.partitionEpoch(), expanded, List.of(-1L, -1L, restarted.epoch)));
        }
    }

    /** Lets broker {@code silent} miss its session while the others heartbeat, until the controller fences it. */
    private static void fenceBySilence(TestControllers controllers, List<TestControllers.Broker> brokers, int silent) {
        // In steps, so the others never look silent for a whole session timeout between advance and heartbeat.
        for (int step = 0; step < 2; step++) {
            brokers.stream().filter(b -> b.id != silent).forEach(TestControllers.Broker::heartbeat);
            controllers.clock.advance(600);
        }
        brokers.stream().filter(b -> b.id != silent).forEach(TestControllers.Broker::heartbeat);
        await().atMost(Duration.ofSeconds(30)).until(() -> controllers.active().quorum().image().broker(silent).fenced());
    }

    @Test
    void aPreferredReplicaBackInTheIsrTakesItsLeadershipBack() throws Exception {
        ControllerSettings rebalancing = new ControllerSettings(TestControllers.CLUSTER_ID, 1_000, 1, 1, 1_000, false, 50);
        try (TestControllers controllers = TestControllers.start(dir, 1, rebalancing)) {
            List<TestControllers.Broker> brokers = new ArrayList<>();
            for (int id = 1; id <= 3; id++) {
                brokers.add(controllers.broker(id).join());
            }
            assertEquals(ErrorCode.NONE, createError(controllers.client(), "t", 1, 3));
            PartitionRegistration placed = controllers.awaitConvergence().topic("t").partition(0);
            int preferred = placed.replicas().get(0);
            assertEquals(preferred, placed.leader());

            fenceBySilence(controllers, brokers, preferred);
            TestControllers.Broker returning = brokers.get(preferred - 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> !returning.heartbeat().getIsFenced());
            TopicImage topic = controllers.awaitConvergence().topic("t");
            PartitionRegistration moved = topic.partition(0);
            assertNotEquals(preferred, moved.leader(), "not in the ISR yet: it may not lead");
            assertFalse(moved.isr().contains(preferred));

            // Its new leader takes it back into the ISR once it has caught up; then it leads again.
            List<Integer> isr = new ArrayList<>(moved.isr());
            isr.add(preferred);
            assertEquals(ErrorCode.NONE, alter(controllers, brokers.get(moved.leader() - 1), topic, moved,
                    moved.leaderEpoch(), moved.partitionEpoch(), isr));
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    controllers.awaitConvergence().topic("t").partition(0).leader() == preferred);
            PartitionRegistration back = controllers.awaitConvergence().topic("t").partition(0);
            assertEquals(moved.leaderEpoch() + 1, back.leaderEpoch());
            assertEquals(List.copyOf(isr), back.isr());
        }
    }

    @Test
    void onlyAnUncleanElectionLetsAReplicaOutsideTheIsrLead() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 1)) {
            List<TestControllers.Broker> brokers = List.of(controllers.broker(1).join(), controllers.broker(2).join());
            assertEquals(ErrorCode.NONE, createError(controllers.client(), "clean", 2, 2));
            assertEquals(ErrorCode.NONE, controllers.client().createTopics(CreateTopicsRequest.newBuilder()
                    .addTopics(CreatableTopic.newBuilder().setName("unclean").setNumPartitions(2).setReplicationFactor(2)
                            .putConfigs("unclean.leader.election.enable", "true")).build()).join().getTopics(0).getError().getCode());
            // In each topic, broker 1 leads one partition alone: its follower, broker 2, fell out of the ISR.
            MetadataImage placed = controllers.awaitConvergence();
            Map<String, Integer> ledBy1 = new HashMap<>();
            for (String name : List.of("clean", "unclean")) {
                TopicImage topic = placed.topic(name);
                int id = topic.partitions().entrySet().stream().filter(e -> e.getValue().leader() == 1)
                        .findFirst().orElseThrow().getKey();
                ledBy1.put(name, id);
                PartitionRegistration partition = topic.partition(id);
                assertEquals(ErrorCode.NONE, alter(controllers, brokers.get(0), topic, partition,
                        partition.leaderEpoch(), partition.partitionEpoch(), List.of(1)));
            }

            fenceBySilence(controllers, brokers, 1);
            MetadataImage after = controllers.awaitConvergence();
            PartitionRegistration offline = after.topic("clean").partition(ledBy1.get("clean"));
            assertEquals(PartitionRegistration.NO_LEADER, offline.leader(), "unclean election is off by default");
            assertEquals(List.of(), offline.isr());
            assertEquals(1, offline.lastKnownLeader());
            PartitionRegistration uncleanlyLed = after.topic("unclean").partition(ledBy1.get("unclean"));
            assertEquals(2, uncleanlyLed.leader(), "the topic allows it: the live replica leads, losing what it lacks");
            assertEquals(List.of(2), uncleanlyLed.isr());

            // An operator's unclean election (kafka-leader-election --election-type unclean) does it on demand.
            assertEquals(ErrorCode.NONE, controllers.client().electLeaders(ElectLeadersRequest.newBuilder()
                    .setElectionType(ElectionType.UNCLEAN).addTopics(TopicPartitions.newBuilder().setName("clean")
                            .addPartitions(ledBy1.get("clean"))).build()).join().getResults(0).getError().getCode());
            PartitionRegistration elected = controllers.awaitConvergence().topic("clean").partition(ledBy1.get("clean"));
            assertEquals(2, elected.leader());
            assertEquals(List.of(2), elected.isr());
            assertEquals(offline.leaderEpoch() + 1, elected.leaderEpoch());
        }
    }

    private static ErrorCode alter(TestControllers controllers, TestControllers.Broker broker, TopicImage topic,
                                   PartitionRegistration partition, int leaderEpoch, int partitionEpoch,
                                   List<Integer> isr) {
        return alter(controllers, broker, topic, partition, leaderEpoch, partitionEpoch, isr, List.of());
    }

    /** AlterPartition vouching for the broker epochs of {@code isr}'s members ({@code brokerEpochs}, -1: none). */
    private static ErrorCode alter(TestControllers controllers, TestControllers.Broker broker, TopicImage topic,
                                   PartitionRegistration partition, int leaderEpoch, int partitionEpoch,
                                   List<Integer> isr, List<Long> brokerEpochs) {
        int partitionId = topic.partitions().entrySet().stream().filter(e -> e.getValue().equals(partition))
                .findFirst().orElseThrow().getKey();
        AlterPartitionResponse response = controllers.client().alterPartition(AlterPartitionRequest.newBuilder()
                .setBrokerId(broker.id).setBrokerEpoch(broker.epoch).addPartitions(PartitionIsr.newBuilder()
                        .setTopicId(Uuids.toProto(topic.id())).setPartitionId(partitionId).setLeaderEpoch(leaderEpoch)
                        .setPartitionEpoch(partitionEpoch).addAllNewIsr(isr).addAllNewIsrBrokerEpochs(brokerEpochs))
                .build()).join();
        return response.getError().getCode() != ErrorCode.NONE ? response.getError().getCode()
                : response.getPartitions(0).getError().getCode();
    }

    @Test
    void aCaughtUpBrokerStaysFencedWhileItAsksToBe() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 1)) {
            TestControllers.Broker broker = controllers.broker(1);
            assertEquals(ErrorCode.NONE, broker.register().getError().getCode());
            for (int i = 0; i < 3; i++) {
                BrokerHeartbeatResponse loading = broker.heartbeat(true);
                assertTrue(loading.getIsCaughtUp());
                assertTrue(loading.getIsFenced());
            }
            assertFalse(broker.heartbeat(false).getIsFenced());
        }
    }

    @Test
    void aBrokerBehindTheMetadataLogStaysFencedUntilItHasCaughtUp() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 3)) {
            controllers.broker(2).join();
            createNewTopic(controllers.client(), "earlier", 1, 1);
            long beforeRegistration = controllers.metadataOffset();
            TestControllers.Broker late = controllers.broker(1);
            assertEquals(ErrorCode.NONE, late.register().getError().getCode());
            for (int i = 0; i < 3; i++) {
                BrokerHeartbeatResponse behind = late.heartbeat(false, beforeRegistration);
                assertEquals(ErrorCode.NONE, behind.getError().getCode());
                assertFalse(behind.getIsCaughtUp(), "it has not applied its own registration");
                assertTrue(behind.getIsFenced());
            }
            assertTrue(controllers.awaitConvergence().broker(1).fenced());

            // A new active controller holds the broker to the whole log it took over, its registration included.
            controllers.stop(controllers.active().quorum().nodeId());
            BrokerHeartbeatResponse afterFailover = await().atMost(Duration.ofSeconds(30)).until(
                    () -> late.heartbeat(false, beforeRegistration), r -> r.getError().getCode() == ErrorCode.NONE);
            assertFalse(afterFailover.getIsCaughtUp());
            assertTrue(afterFailover.getIsFenced());

            BrokerHeartbeatResponse caughtUp = late.heartbeat(false, controllers.metadataOffset());
            assertTrue(caughtUp.getIsCaughtUp());
            assertFalse(caughtUp.getIsFenced());
            assertFalse(controllers.awaitConvergence().broker(1).fenced());
        }
    }

    @Test
    void anEmptiedIsrGoesOfflineAndItsLastMemberLeadsAgainWhenItReturns() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 1)) {
            TestControllers.Broker broker = controllers.broker(1).join();
            assertEquals(ErrorCode.NONE, createError(controllers.client(), "solo", 1, 1));

            controllers.clock.advance(1_500);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    !controllers.awaitConvergence().topic("solo").partition(0).hasLeader());
            PartitionRegistration offline = controllers.awaitConvergence().topic("solo").partition(0);
            assertEquals(List.of(), offline.isr());
            assertEquals(1, offline.lastKnownLeader());

            assertFalse(broker.heartbeat().getIsFenced());
            PartitionRegistration back = controllers.awaitConvergence().topic("solo").partition(0);
            assertEquals(1, back.leader());
            assertEquals(List.of(1), back.isr());
            assertEquals(offline.leaderEpoch() + 1, back.leaderEpoch());
        }
    }

    @Test
    void aRestartedBrokerReplacesItselfAtOnceButASecondLiveProcessIsRefused() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 1)) {
            TestControllers.Broker first = controllers.broker(1).join();
            long firstEpoch = first.epoch;
            assertEquals(ErrorCode.NONE, createError(controllers.client(), "led", 2, 1));

            TestControllers.Broker impostor = controllers.broker(1, List.of(UUID.randomUUID()));
            assertEquals(ErrorCode.DUPLICATE_BROKER_REGISTRATION, impostor.register().getError().getCode());

            TestControllers.Broker restarted = controllers.broker(1, first.logDirs);
            assertEquals(ErrorCode.NONE, restarted.register().getError().getCode(), "no session timeout to wait out");
            assertTrue(restarted.epoch > firstEpoch);
            MetadataImage replaced = controllers.awaitConvergence();
            assertTrue(replaced.broker(1).fenced());
            assertIsrInvariant(replaced);
            assertEquals(ErrorCode.STALE_BROKER_EPOCH, first.heartbeat().getError().getCode());

            assertFalse(restarted.heartbeat().getIsFenced());
            assertEquals(1, controllers.awaitConvergence().topic("led").partition(0).leader(), "it leads again");

            assertEquals(ErrorCode.INCONSISTENT_CLUSTER_ID, controllers.client().registerBroker(
                    RegisterBrokerRequest.newBuilder().setBrokerId(2).setClusterId("other")
                            .setIncarnationId(Uuids.toProto(UUID.randomUUID())).build()).join().getError().getCode());
        }
    }

    @Test
    void userErrorsSayWhatIsWrong() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 1)) {
            ControllerClient client = controllers.client();
            assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, createError(client, "early", 1, 1), "no broker yet");
            controllers.broker(1).join();

            assertEquals(ErrorCode.NONE, createError(client, "a.b", 1, 1));
            assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, createError(client, "a.b", 1, 1));
            assertEquals(ErrorCode.INVALID_TOPIC_EXCEPTION, createError(client, "a_b", 1, 1), "collides with a.b");
            for (String bad : List.of("a/b", "..", "", "x".repeat(250))) {
                assertEquals(ErrorCode.INVALID_TOPIC_EXCEPTION, createError(client, bad, 1, 1), bad);
            }
            CreateTopicsResponse tooMany = create(client, "wide", 1, 3);
            assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, tooMany.getTopics(0).getError().getCode());
            assertTrue(tooMany.getTopics(0).getError().getMessage().contains("only 1 broker(s)"));
            assertEquals(ErrorCode.INVALID_PARTITIONS, createError(client, "none", 0, 1));
            assertEquals(ErrorCode.INVALID_CONFIG, client.createTopics(CreateTopicsRequest.newBuilder()
                    .addTopics(CreatableTopic.newBuilder().setName("configured").setNumPartitions(1)
                            .setReplicationFactor(1).putConfigs("bogus", "1")).build()).join().getTopics(0).getError().getCode());
            assertEquals(ErrorCode.NONE, createError(client, "defaults", -1, -1));

            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, client.deleteTopics(DeleteTopicsRequest.newBuilder()
                    .addNames("missing").build()).join().getTopics(0).getError().getCode());
            assertEquals(ErrorCode.INVALID_PARTITIONS, client.createPartitions(CreatePartitionsRequest.newBuilder()
                    .addTopics(PartitionCount.newBuilder().setName("a.b").setCount(1)).build()).join().getTopics(0)
                    .getError().getCode());
            assertEquals(ErrorCode.NONE, client.createPartitions(CreatePartitionsRequest.newBuilder()
                    .addTopics(PartitionCount.newBuilder().setName("a.b").setCount(4)).build()).join().getTopics(0)
                    .getError().getCode());
            io.skein.proto.controller.Error fewer = client.createPartitions(CreatePartitionsRequest.newBuilder()
                    .addTopics(PartitionCount.newBuilder().setName("a.b").setCount(2)).build()).join().getTopics(0).getError();
            assertEquals(ErrorCode.INVALID_PARTITIONS, fewer.getCode());
            assertTrue(fewer.getMessage().contains("can only be increased"), fewer.getMessage());
            assertEquals(ErrorCode.ELECTION_NOT_NEEDED, client.electLeaders(ElectLeadersRequest.newBuilder()
                    .setElectionType(ElectionType.PREFERRED).addTopics(TopicPartitions.newBuilder().setName("a.b")
                            .addPartitions(0)).build()).join().getResults(0).getError().getCode());
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, client.alterConfigs(AlterConfigsRequest.newBuilder()
                    .addChanges(ConfigChange.newBuilder().setResourceType(ConfigResourceType.TOPIC)
                            .setResourceName("missing").setName("retention.ms").setValue("1")).build()).join()
                    .getResults(0).getError().getCode());
            assertEquals(ErrorCode.NONE, client.alterConfigs(AlterConfigsRequest.newBuilder()
                    .addChanges(ConfigChange.newBuilder().setResourceType(ConfigResourceType.TOPIC)
                            .setResourceName("a.b").setName("retention.ms").setValue("1000")).build()).join()
                    .getResults(0).getError().getCode());
            assertEquals(ErrorCode.STALE_BROKER_EPOCH, client.allocateProducerIds(AllocateProducerIdsRequest
                    .newBuilder().setBrokerId(1).setBrokerEpoch(-7).build()).join().getError().getCode());

            MetadataImage image = controllers.awaitConvergence();
            assertEquals(4, image.topic("a.b").partitions().size());
            assertEquals("1000", image.configs(new io.skein.metadata.image.ConfigResource(ConfigResourceType.TOPIC,
                    "a.b")).get("retention.ms"));
            assertEquals(1, image.topic("defaults").partitions().size());
        }
    }

    @Test
    void producerIdBlocksNeverOverlap() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 1)) {
            TestControllers.Broker broker = controllers.broker(1).join();
            long previousEnd = -1;
            for (int i = 0; i < 3; i++) {
                var block = controllers.client().allocateProducerIds(AllocateProducerIdsRequest.newBuilder()
                        .setBrokerId(1).setBrokerEpoch(broker.epoch).build()).join();
                assertEquals(ErrorCode.NONE, block.getError().getCode());
                assertTrue(block.getProducerIdStart() > previousEnd);
                previousEnd = block.getProducerIdStart() + block.getProducerIdLen() - 1;
            }
        }
    }
}
