package io.skein.broker.group;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.PartitionLog;
import io.skein.testing.ChildJvm;
import io.skein.testing.GroupMember;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.GroupSubscribedToTopicException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Consumer groups of the classic protocol with the project's kafka-clients, against a real node. */
@Timeout(180)
class ConsumerGroupsTest {
    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        // Small segments and a busy cleaner, so that __consumer_offsets compacts within a test.
        node = TestNode.start(dir, Map.of("group.initial.rebalance.delay.ms", "0", "offsets.topic.segment.bytes", "16384",
                "log.cleaner.backoff.ms", "100"));
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    @ParameterizedTest
    @ValueSource(classes = {RangeAssignor.class, RoundRobinAssignor.class, CooperativeStickyAssignor.class})
    void everyPartitionHasOneOwnerAndMovesWhenItsOwnerLeaves(Class<?> assignor) throws Exception {
        String topic = "assign-" + assignor.getSimpleName();
        String group = "group-" + assignor.getSimpleName();
        createTopic(topic, 6);
        List<Member> members = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                members.add(new Member(consumer(group, Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                        assignor.getName())), topic));
            }
            awaitOwners(members, 6, 3);
            Member leaving = members.remove(0);
            leaving.consumer.close();
            awaitOwners(members, 6, 2);
        } finally {
            members.forEach(m -> m.consumer.close());
        }
    }

    @Test
    void syncCommitsAfterEachPollConsumeNothingTwiceAcrossRebalances() throws Exception {
        String topic = "once";
        createTopic(topic, 6);
        produce(topic, 3000);
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        List<Member> members = new ArrayList<>();
        try {
            members.add(new Member(consumer("once-group", Map.of()), topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                members.forEach(m -> m.pollAndCommit(seen));
                return seen.size() >= 500;
            });
            members.add(new Member(consumer("once-group", Map.of()), topic));
            members.add(new Member(consumer("once-group", Map.of()), topic));
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                members.forEach(m -> m.pollAndCommit(seen));
                return seen.size() >= 3000;
            });
        } finally {
            members.forEach(m -> m.consumer.close());
        }
        assertEquals(3000, seen.size());
        assertEquals(Set.of(1), new HashSet<>(seen.values()), "a record was consumed twice");
    }

    @Test
    void autoOffsetResetEarliestLatestAndNone() throws Exception {
        String topic = "reset";
        createTopic(topic, 1);
        produce(topic, 10);
        try (KafkaConsumer<String, String> earliest = consumer("reset-earliest",
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            earliest.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> records = pollUntil(earliest, 10);
            assertEquals(0, records.get(0).offset());
        }
        try (KafkaConsumer<String, String> latest = consumer("reset-latest",
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"))) {
            latest.subscribe(List.of(topic));
            TopicPartition tp = new TopicPartition(topic, 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                latest.poll(Duration.ofMillis(100));
                return latest.assignment().contains(tp);
            });
            assertEquals(10, latest.position(tp));
            produce(topic, 1);
            List<ConsumerRecord<String, String>> records = pollUntil(latest, 1);
            assertEquals(10, records.get(0).offset());
        }
        try (KafkaConsumer<String, String> none = consumer("reset-none",
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            none.subscribe(List.of(topic));
            assertThrows(NoOffsetForPartitionException.class, () -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline) {
                    none.poll(Duration.ofMillis(100));
                }
            });
        }
    }

    @Test
    void committedOffsetsSurviveARestartAndConsumptionResumesAfterThem() throws Exception {
        String topic = "resume";
        createTopic(topic, 1);
        produce(topic, 100);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = consumer("resume-group", Map.of())) {
            consumer.subscribe(List.of(topic));
            pollUntil(consumer, 100);
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(70, "seventy")));
        }
        node.restart();
        try (KafkaConsumer<String, String> consumer = consumer("resume-group", Map.of())) {
            OffsetAndMetadata committed = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> consumer.committed(Set.of(tp), Duration.ofSeconds(5)).get(tp), o -> o != null);
            assertEquals(70, committed.offset());
            assertEquals("seventy", committed.metadata());
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> resumed = pollUntil(consumer, 30);
            assertEquals(70, resumed.get(0).offset(), "the committed value is the next offset to read");
            assertEquals(30, resumed.size());
        }
    }

    @Test
    void aMemberKilledWithoutLeavingLosesItsPartitionsWhenItsSessionEnds() throws Exception {
        String topic = "killed";
        createTopic(topic, 6);
        Path output = dir.resolve("killed-member.out");
        // The member runs kafka-clients 3.9 in a process of its own, so that it can die without a LeaveGroup.
        Process child = ChildJvm.start(System.getProperty("skein.kafka.compat.clients.version"), null, output,
                GroupMember.class.getName(), node.bootstrap(), "killed-group", topic, "6000");
        try (KafkaConsumer<String, String> consumer = consumer("killed-group", Map.of())) {
            Member survivor = new Member(consumer, topic);
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                consumer.poll(Duration.ofMillis(50));
                return survivor.owned.size() == 3 && Files.readString(output).contains("ASSIGNMENT 3");
            });
            child.destroyForcibly().waitFor();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(50));
                return survivor.owned.size() == 6;
            });
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    @Test
    void aStaticMemberThatComesBackWithinItsSessionCausesNoRebalance() throws Exception {
        String topic = "static";
        createTopic(topic, 6);
        Map<String, String> a = Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "a",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000", ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        Map<String, String> b = Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "b",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000", ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        Member first = new Member(consumer("static-group", a), topic);
        try (KafkaConsumer<String, String> other = consumer("static-group", b); Admin admin = admin()) {
            Member stays = new Member(other, topic);
            List<Member> both = List.of(first, stays);
            awaitOwners(both, 6, 2);
            Set<TopicPartition> ownedByA = Set.copyOf(first.owned);
            int generation = other.groupMetadata().generationId();
            int revocations = stays.revocations.get();
            first.consumer.close(); // a static member sends no LeaveGroup: its place is kept for its session
            try (KafkaConsumer<String, String> again = consumer("static-group", a)) {
                Member returned = new Member(again, topic);
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    again.poll(Duration.ofMillis(50));
                    other.poll(Duration.ofMillis(50));
                    return returned.owned.equals(ownedByA);
                });
                assertEquals(generation, again.groupMetadata().generationId(), "the returning member's generation");
                // A rebalance reaches the other member through its heartbeats' REBALANCE_IN_PROGRESS, and its
                // next poll revokes its partitions to rejoin: several heartbeats later, nothing of that happened.
                double heartbeats = heartbeats(other);
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    again.poll(Duration.ofMillis(50));
                    other.poll(Duration.ofMillis(50));
                    return heartbeats(other) >= heartbeats + 3;
                });
                other.poll(Duration.ofMillis(50)); // the rejoin a last heartbeat would have asked for
                assertEquals(generation, other.groupMetadata().generationId(), "the group rebalanced");
                assertEquals(revocations, stays.revocations.get(), "the other member lost partitions");
                assertEquals(GroupState.STABLE, admin.describeConsumerGroups(List.of("static-group"))
                        .describedGroups().get("static-group").get().groupState());
            }
        }
    }

    /** How many heartbeat responses a consumer has had (kafka-clients' own coordinator metric). */
    private static double heartbeats(KafkaConsumer<?, ?> consumer) {
        return consumer.metrics().entrySet().stream()
                .filter(m -> m.getKey().name().equals("heartbeat-total")
                        && m.getKey().group().equals("consumer-coordinator-metrics"))
                .mapToDouble(m -> (Double) m.getValue().metricValue()).findFirst().orElseThrow();
    }

    @Test
    void aRestartedCoordinatorLosesNoCommit() throws Exception {
        String topic = "many-groups";
        createTopic(topic, 3);
        Map<String, Map<TopicPartition, OffsetAndMetadata>> expected = new HashMap<>();
        try (Admin admin = admin()) {
            for (int g = 0; g < 30; g++) { // spread over many partitions of __consumer_offsets
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (int round = 1; round <= 3; round++) {
                    for (int p = 0; p < 3; p++) {
                        offsets.put(new TopicPartition(topic, p), new OffsetAndMetadata(g * 100L + round * 10 + p));
                    }
                    admin.alterConsumerGroupOffsets("commits-" + g, offsets).all().get();
                }
                expected.put("commits-" + g, offsets);
            }
        }
        node.restart();
        try (Admin admin = admin()) {
            for (Map.Entry<String, Map<TopicPartition, OffsetAndMetadata>> group : expected.entrySet()) {
                Map<TopicPartition, OffsetAndMetadata> found = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> admin.listConsumerGroupOffsets(group.getKey()).partitionsToOffsetAndMetadata().get(),
                                m -> m != null);
                assertEquals(group.getValue(), found, group.getKey());
            }
        }
    }

    @Test
    void repeatedCommitsAreCompactedAwayAndTheLatestSurvivesARestart() throws Exception {
        createTopic("compacted-data", 1);
        TopicPartition tp = new TopicPartition("compacted-data", 0);
        try (Admin admin = admin()) {
            for (int i = 1; i <= 400; i++) {
                admin.alterConsumerGroupOffsets("compacted", Map.of(tp, new OffsetAndMetadata(i))).all().get();
            }
        }
        PartitionLog offsetsLog = node.node().broker().orElseThrow().replicaManager()
                .partition(new TopicPartition(GroupCoordinator.OFFSETS_TOPIC, GroupCoordinator.partitionFor("compacted", 50)))
                .orElseThrow().log();
        assertTrue(offsetsLog.logEndOffset() >= 400 && offsetsLog.numberOfSegments() > 2,
                "the commits span several segments: " + offsetsLog.numberOfSegments());
        // Counted in records, not bytes: the cleaner may have compacted much of the log before this line runs.
        await().atMost(Duration.ofSeconds(60)).until(() -> recordsIn(offsetsLog) < 400 / 2);
        node.restart();
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> found = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> admin.listConsumerGroupOffsets("compacted").partitionsToOffsetAndMetadata().get(),
                            m -> m != null && !m.isEmpty());
            assertEquals(400, found.get(tp).offset());
        }
    }

    private static long recordsIn(PartitionLog log) {
        AtomicLong records = new AtomicLong();
        log.forEachBatchHeader(log.logStartOffset(), batch -> records.addAndGet(batch.recordCount()));
        return records.get();
    }

    @Test
    void adminDescribesGroupsAndDeletesOffsetsOfTopicsNoLongerSubscribed() throws Exception {
        createTopic("described", 2);
        createTopic("unsubscribed", 1);
        try (KafkaConsumer<String, String> consumer = consumer("described-group",
                Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "describer")); Admin admin = admin()) {
            Member member = new Member(consumer, "described");
            awaitOwners(List.of(member), 2, 1);
            TopicPartition old = new TopicPartition("unsubscribed", 0);
            consumer.commitSync(Map.of(new TopicPartition("described", 0), new OffsetAndMetadata(0), old,
                    new OffsetAndMetadata(0)));
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of("described-group"))
                    .describedGroups().get("described-group").get();
            assertEquals(GroupState.STABLE, description.groupState());
            assertEquals(1, description.members().size());
            MemberDescription described = description.members().iterator().next();
            assertEquals("describer", described.clientId());
            assertEquals(Set.of(new TopicPartition("described", 0), new TopicPartition("described", 1)),
                    described.assignment().topicPartitions());
            assertTrue(admin.listGroups().all().get().stream().anyMatch(g -> g.groupId().equals("described-group")));

            ExecutionException subscribed = assertThrows(ExecutionException.class, () -> admin.deleteConsumerGroupOffsets(
                    "described-group", Set.of(new TopicPartition("described", 0))).all().get());
            assertTrue(subscribed.getCause() instanceof GroupSubscribedToTopicException, subscribed.toString());
            admin.deleteConsumerGroupOffsets("described-group", Set.of(old)).all().get();
            assertEquals(Set.of(new TopicPartition("described", 0)), admin.listConsumerGroupOffsets("described-group")
                    .partitionsToOffsetAndMetadata().get().keySet());
            ExecutionException live = assertThrows(ExecutionException.class,
                    () -> admin.deleteConsumerGroups(List.of("described-group")).all().get());
            assertTrue(live.getCause() instanceof GroupNotEmptyException, live.toString());
        }
    }

    @Test
    void clientsCannotWriteToTheOffsetsTopic() throws Exception {
        try (KafkaConsumer<String, String> consumer = consumer("makes-offsets-topic", Map.of())) {
            consumer.committed(Set.of(new TopicPartition("any", 0)), Duration.ofSeconds(30)); // creates the topic
        }
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            ExecutionException refused = assertThrows(ExecutionException.class, () -> producer.send(
                    new ProducerRecord<>(GroupCoordinator.OFFSETS_TOPIC, 0, "key", "forged offset")).get());
            assertTrue(refused.getCause() instanceof InvalidTopicException, refused.toString());
        }
    }

    @Test
    void oldRequestVersionsAreAnsweredInTheirOwnShape() throws Exception {
        createTopic("old-versions", 2);
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            FindCoordinatorResponseData coordinator = await().atMost(Duration.ofSeconds(30)).until(() -> client.call(
                    new FindCoordinatorRequestData().setKey("old-group"), (short) 0),
                    r -> r.errorCode() == Errors.NONE.code());
            assertEquals(1, coordinator.nodeId());

            OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId("old-group")
                    .setGenerationIdOrMemberEpoch(-1).setMemberId("").setRetentionTimeMs(-1);
            commit.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("old-versions")
                    .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                            .setPartitionIndex(0).setCommittedOffset(5).setCommittedMetadata("m"))));
            OffsetCommitResponseData committed = await().atMost(Duration.ofSeconds(30)).until(
                    () -> client.call(commit, (short) 2), r -> r.topics().get(0).partitions().get(0).errorCode()
                            != Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
            assertEquals(Errors.NONE.code(), committed.topics().get(0).partitions().get(0).errorCode());

            OffsetFetchRequestData fetchTwo = new OffsetFetchRequestData().setGroupId("old-group").setTopics(List.of(
                    new OffsetFetchRequestData.OffsetFetchRequestTopic().setName("old-versions")
                            .setPartitionIndexes(List.of(0, 1))));
            OffsetFetchResponseData v1 = client.call(fetchTwo, (short) 1);
            List<OffsetFetchResponseData.OffsetFetchResponsePartition> partitions = v1.topics().get(0).partitions();
            assertEquals(5, partitions.get(0).committedOffset());
            assertEquals("m", partitions.get(0).metadata());
            assertEquals(-1, partitions.get(1).committedOffset(), "no commit: -1");
            OffsetFetchResponseData all = client.call(new OffsetFetchRequestData().setGroupId("old-group")
                    .setTopics(null), (short) 7);
            assertEquals(5, all.topics().get(0).partitions().get(0).committedOffset());

            JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                    new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
            protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[1]));
            JoinGroupResponseData joined = client.call(new JoinGroupRequestData().setGroupId("old-group")
                    .setSessionTimeoutMs(10_000).setMemberId("").setProtocolType("consumer").setProtocols(protocols),
                    (short) 0);
            assertEquals(Errors.NONE.code(), joined.errorCode(), "v0 knows no MEMBER_ID_REQUIRED");
            assertEquals(joined.memberId(), joined.leader());
            LeaveGroupResponseData left = client.call(new LeaveGroupRequestData().setGroupId("old-group")
                    .setMemberId(joined.memberId()), (short) 0);
            assertEquals(Errors.NONE.code(), left.errorCode());
            LeaveGroupResponseData unknown = client.call(new LeaveGroupRequestData().setGroupId("old-group")
                    .setMemberId("nobody"), (short) 2);
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), unknown.errorCode());
            DescribeGroupsResponseData described = client.call(new DescribeGroupsRequestData()
                    .setGroups(List.of("old-group")), (short) 0);
            assertEquals("Empty", described.groups().get(0).groupState());
        }
    }

    // ---------------------------------------------------------------- helpers

    static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap()));
    }

    /** A subscribed consumer and the partitions its rebalance listener says it owns. */
    static final class Member {
        final KafkaConsumer<String, String> consumer;
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        final AtomicInteger revocations = new AtomicInteger();

        Member(KafkaConsumer<String, String> consumer, String topic) {
            this.consumer = consumer;
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        revocations.incrementAndGet();
                    }
                    owned.removeAll(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    owned.addAll(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    owned.removeAll(partitions);
                }
            });
        }

        void pollAndCommit(Map<String, Integer> seen) {
            var records = consumer.poll(Duration.ofMillis(50));
            records.forEach(r -> seen.merge(r.value(), 1, Integer::sum));
            if (!records.isEmpty()) {
                consumer.commitSync();
            }
        }
    }

    /** Polls every member until the partitions are owned by exactly {@code owners} members, each once. */
    private static void awaitOwners(List<Member> members, int partitions, int owners) {
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            members.forEach(m -> m.consumer.poll(Duration.ofMillis(50)));
            List<TopicPartition> all = members.stream().flatMap(m -> m.owned.stream()).toList();
            return all.size() == partitions && new HashSet<>(all).size() == partitions
                    && members.stream().filter(m -> !m.owned.isEmpty()).count() == owners;
        });
    }

    private static List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            return records.size() >= count;
        });
        return records;
    }

    static KafkaConsumer<String, String> consumer(String group, Map<String, String> overrides) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap());
        if (group != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.putAll(overrides);
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    static void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    static void produce(String topic, int count) throws Exception {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (String value : IntStream.range(0, count).mapToObj(i -> topic + "-" + System.nanoTime() + "-" + i)
                    .collect(Collectors.toList())) {
                producer.send(new ProducerRecord<>(topic, value, value));
            }
            producer.flush();
        }
    }
}
