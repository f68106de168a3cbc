package io.skein.metadata.controller;

import static io.skein.metadata.controller.TestImages.apply;
import static io.skein.metadata.controller.TestImages.brokers;
import static io.skein.metadata.controller.TestImages.epoch;
import static io.skein.metadata.controller.TestImages.fence;
import static io.skein.metadata.controller.TestImages.image;
import static io.skein.metadata.controller.TestImages.partition;
import static io.skein.metadata.controller.TestImages.registerBroker;
import static io.skein.metadata.controller.TestImages.topic;
import static io.skein.metadata.controller.TestImages.topicConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.Uuids;
import io.skein.proto.controller.AlterPartitionRequest;
import io.skein.proto.controller.AlterPartitionResponse;
import io.skein.proto.controller.CreatableTopic;
import io.skein.proto.controller.CreatePartitionsRequest;
import io.skein.proto.controller.CreatePartitionsResponse;
import io.skein.proto.controller.CreateTopicsRequest;
import io.skein.proto.controller.CreateTopicsResponse;
import io.skein.proto.controller.DeleteTopicsRequest;
import io.skein.proto.controller.DeleteTopicsResponse;
import io.skein.proto.controller.ElectLeadersRequest;
import io.skein.proto.controller.ElectLeadersResponse;
import io.skein.proto.controller.ElectionResult;
import io.skein.proto.controller.ElectionType;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.PartitionCount;
import io.skein.proto.controller.PartitionIsr;
import io.skein.proto.controller.PartitionState;
import io.skein.proto.controller.ReplicaPartition;
import io.skein.proto.controller.ReportOfflineReplicasRequest;
import io.skein.proto.controller.ReportOfflineReplicasResponse;
import io.skein.proto.controller.TopicPartitions;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Topics, partitions, ISR changes and elections, from records alone. */
class ReplicationControlManagerTest {
    private static final UUID ORDERS = new UUID(2, 1);

    /** Accepts any config but the key "bogus". */
    private final ReplicationControlManager replication = new ReplicationControlManager(2, 1,
            new ConfigControlManager((type, name, configs) -> configs.containsKey("bogus")
                    ? Optional.of(ConfigValidator.Problem.invalidConfig("Unknown topic config name: bogus")) : Optional.empty(), false));

    /** Brokers 1-3 unfenced, {@code more} after them; orders-0 with replicas [1, 2, 3], ISR [1, 2], led by 1. */
    private static MetadataImage cluster(MetadataRecord... more) {
        List<MetadataRecord> records = new ArrayList<>(brokers(3));
        records.add(topic("orders", ORDERS));
        records.add(partition(ORDERS, 0, List.of(1, 2, 3), List.of(1, 2), 1));
        records.addAll(List.of(more));
        return image(records);
    }

    private static PartitionIsr.Builder isrChange(int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        return PartitionIsr.newBuilder().setTopicId(Uuids.toProto(ORDERS)).setPartitionId(0)
                .setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch).addAllNewIsr(isr);
    }

    private static AlterPartitionRequest alter(int brokerId, PartitionIsr.Builder... changes) {
        AlterPartitionRequest.Builder request = AlterPartitionRequest.newBuilder().setBrokerId(brokerId)
                .setBrokerEpoch(epoch(brokerId));
        for (PartitionIsr.Builder change : changes) {
            request.addPartitions(change);
        }
        return request.build();
    }

    /** The outcome of an AlterPartition for orders-0 from its leader, broker 1, at its current epochs. */
    private ErrorCode alterIsr(MetadataImage view, List<Integer> isr) {
        ControllerResult<AlterPartitionResponse> result = replication.alterPartition(view, alter(1, isrChange(3, 7, isr)));
        ErrorCode code = result.response().getPartitions(0).getError().getCode();
        assertEquals(code == ErrorCode.NONE && !isr.equals(List.of(1, 2)), !result.records().isEmpty(), code.name());
        return code;
    }

    // ---------------------------------------------------------------- AlterPartition

    @Test
    void anIsrChangeNeedsTheSendersBrokerEpochItsLeadershipAndThePartitionsCurrentEpochs() {
        MetadataImage view = cluster();
        AlterPartitionRequest stale = alter(1, isrChange(3, 7, List.of(1))).toBuilder().setBrokerEpoch(epoch(1) - 1)
                .build();
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, replication.alterPartition(view, stale).response().getError().getCode());
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, code(replication.alterPartition(view,
                alter(2, isrChange(3, 7, List.of(1))))));
        assertEquals(ErrorCode.FENCED_LEADER_EPOCH, code(replication.alterPartition(view,
                alter(1, isrChange(2, 7, List.of(1))))));
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, code(replication.alterPartition(view,
                alter(1, isrChange(3, 6, List.of(1))))));
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, code(replication.alterPartition(view,
                alter(1, isrChange(3, 8, List.of(1))))));
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, code(replication.alterPartition(view,
                alter(1, isrChange(3, 7, List.of(1)).setPartitionId(5)))));

        ControllerResult<AlterPartitionResponse> shrink = replication.alterPartition(view, alter(1, isrChange(3, 7,
                List.of(1))));
        PartitionState state = shrink.response().getPartitions(0);
        assertEquals(ErrorCode.NONE, state.getError().getCode());
        assertEquals(List.of(1), state.getIsrList());
        assertEquals(8, state.getPartitionEpoch());
        assertEquals(3, state.getLeaderEpoch(), "the leader stays: its epoch too");
        PartitionRegistration shrunk = apply(view, shrink).topic(ORDERS).partition(0);
        assertEquals(List.of(1), shrunk.isr());
        assertEquals(8, shrunk.partitionEpoch());
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, code(replication.alterPartition(apply(view, shrink),
                alter(1, isrChange(3, 7, List.of(1, 2))))), "the epoch it used is stale now");
    }

    private static ErrorCode code(ControllerResult<AlterPartitionResponse> result) {
        assertEquals(ErrorCode.NONE, result.response().getError().getCode());
        ErrorCode code = result.response().getPartitions(0).getError().getCode();
        if (code != ErrorCode.NONE) {
            assertEquals(List.of(), result.records(), "a refused change writes nothing");
        }
        return code;
    }

    @Test
    void theIsrHoldsItsLeaderAndOnlyReplicasEachOnceAndUnfenced() {
        MetadataImage view = cluster();
        assertEquals(ErrorCode.INVALID_REQUEST, alterIsr(view, List.of(2, 3)), "without its leader");
        assertEquals(ErrorCode.INVALID_REQUEST, alterIsr(view, List.of(1, 2, 3, 4)), "4 is no replica");
        assertEquals(ErrorCode.INVALID_REQUEST, alterIsr(view, List.of(1, 2, 2)));
        assertEquals(ErrorCode.INELIGIBLE_REPLICA, alterIsr(cluster(fence(3, epoch(3))), List.of(1, 2, 3)));
        assertEquals(ErrorCode.NONE, alterIsr(view, List.of(1, 2, 3)));
        assertEquals(ErrorCode.NONE, alterIsr(view, List.of(1, 2)), "no change: the state, and no record");
    }

    @Test
    void anExpansionVouchingForAnEarlierRegistrationOfTheReplicaIsRefused() {
        MetadataImage view = cluster();
        PartitionIsr.Builder earlier = isrChange(3, 7, List.of(1, 2, 3)).addAllNewIsrBrokerEpochs(
                List.of(-1L, -1L, epoch(3) - 1));
        assertEquals(ErrorCode.INELIGIBLE_REPLICA, code(replication.alterPartition(view, alter(1, earlier))));
        PartitionIsr.Builder current = isrChange(3, 7, List.of(1, 2, 3)).addAllNewIsrBrokerEpochs(
                List.of(-1L, -1L, epoch(3)));
        assertEquals(ErrorCode.NONE, code(replication.alterPartition(view, alter(1, current))));
    }

    @Test
    void changesOfOnePartitionInOneRequestBuildOnEachOther() {
        MetadataImage view = cluster();
        ControllerResult<AlterPartitionResponse> result = replication.alterPartition(view, alter(1,
                isrChange(3, 7, List.of(1)), isrChange(3, 7, List.of(1, 3)), isrChange(3, 8, List.of(1, 3))));

        List<ErrorCode> codes = result.response().getPartitionsList().stream().map(p -> p.getError().getCode()).toList();
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.INVALID_UPDATE_VERSION, ErrorCode.NONE), codes);
        PartitionRegistration after = apply(view, result).topic(ORDERS).partition(0);
        assertEquals(List.of(1, 3), after.isr());
        assertEquals(9, after.partitionEpoch());
    }

    // ---------------------------------------------------------------- elections

    private static ElectLeadersRequest election(ElectionType type, int... partitions) {
        TopicPartitions.Builder topic = TopicPartitions.newBuilder().setName("orders");
        for (int partition : partitions) {
            topic.addPartitions(partition);
        }
        return ElectLeadersRequest.newBuilder().setElectionType(type).addTopics(topic).build();
    }

    private static List<ErrorCode> codes(ElectLeadersResponse response) {
        return response.getResultsList().stream().map(result -> result.getError().getCode()).toList();
    }

    @Test
    void aPreferredElectionMakesTheFirstReplicaLeadOnlyFromTheIsr() {
        MetadataImage view = cluster(partition(ORDERS, 1, List.of(1, 2, 3), List.of(2, 3, 1), 2),
                partition(ORDERS, 2, List.of(1, 2, 3), List.of(2, 3), 2));

        ControllerResult<ElectLeadersResponse> result = replication.electLeaders(view,
                election(ElectionType.PREFERRED, 0, 1, 2, 3));

        assertEquals(List.of(ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.NONE, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
                ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), codes(result.response()));
        PartitionRegistration moved = apply(view, result).topic(ORDERS).partition(1);
        assertEquals(1, moved.leader());
        assertEquals(List.of(2, 3, 1), moved.isr());
        assertEquals(4, moved.leaderEpoch());
        assertEquals(8, moved.partitionEpoch());
        assertEquals(1, result.records().size());
    }

    @Test
    void anUncleanElectionGivesAnOfflinePartitionItsFirstLiveReplica() {
        MetadataImage view = cluster(fence(3, epoch(3)), partition(ORDERS, 1, List.of(3, 2, 1), List.of(), -1, 3),
                partition(ORDERS, 2, List.of(3), List.of(), -1, 3));

        ControllerResult<ElectLeadersResponse> result = replication.electLeaders(view,
                election(ElectionType.UNCLEAN, 0, 1, 2));

        assertEquals(List.of(ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.NONE, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE),
                codes(result.response()));
        PartitionRegistration elected = apply(view, result).topic(ORDERS).partition(1);
        assertEquals(2, elected.leader(), "the first unfenced replica in replica order");
        assertEquals(List.of(2), elected.isr());
        assertEquals(PartitionRegistration.NO_LEADER, elected.lastKnownLeader());
    }

    @Test
    void anElectionNamingNoPartitionCoversEveryPartitionAnsweringForThoseThatNeededOneAndTheRebalanceIsOne() {
        MetadataImage view = cluster(partition(ORDERS, 1, List.of(1, 2, 3), List.of(2, 1), 2),
                partition(ORDERS, 2, List.of(3, 2, 1), List.of(2, 1), 2));

        List<ElectionResult> results = replication.electLeaders(view, ElectLeadersRequest.newBuilder()
                .setElectionType(ElectionType.PREFERRED).build()).response().getResultsList();
        assertEquals(List.of(1, 2), results.stream().map(ElectionResult::getPartitionId).toList(),
                "partition 0 is led by its preferred replica already: as Kafka, it is left out");
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE),
                results.stream().map(r -> r.getError().getCode()).toList());
        MetadataImage rebalanced = apply(view, replication.rebalanceLeaders(view));
        assertEquals(1, rebalanced.topic(ORDERS).partition(1).leader());
        assertEquals(2, rebalanced.topic(ORDERS).partition(2).leader(), "its preferred replica is not in the ISR");
    }

    // ---------------------------------------------------------------- offline replicas

    private static ReportOfflineReplicasRequest offline(long brokerEpoch, int... partitions) {
        ReportOfflineReplicasRequest.Builder request = ReportOfflineReplicasRequest.newBuilder().setBrokerId(1)
                .setBrokerEpoch(brokerEpoch);
        for (int partition : partitions) {
            request.addPartitions(ReplicaPartition.newBuilder().setTopicId(Uuids.toProto(ORDERS))
                    .setPartitionId(partition));
        }
        return request.build();
    }

    @Test
    void aBrokerReportingOfflineReplicasLeavesTheirIsrsAndLeadershipsAndNoOthers() {
        MetadataImage view = cluster(partition(ORDERS, 1, List.of(2, 1, 3), List.of(2, 1, 3), 2),
                partition(ORDERS, 2, List.of(1, 3), List.of(1), 1),
                partition(ORDERS, 3, List.of(1, 2, 3), List.of(1, 2, 3), 1));

        ControllerResult<ReportOfflineReplicasResponse> result = replication.reportOfflineReplicas(view,
                offline(epoch(1), 0, 1, 2));

        assertEquals(ErrorCode.NONE, result.response().getError().getCode());
        TopicImage after = apply(view, result).topic(ORDERS);
        assertEquals(2, after.partition(0).leader(), "the next ISR member leads");
        assertEquals(List.of(2), after.partition(0).isr());
        assertEquals(4, after.partition(0).leaderEpoch());
        assertEquals(2, after.partition(1).leader());
        assertEquals(List.of(2, 3), after.partition(1).isr());
        PartitionRegistration alone = after.partition(2);
        assertEquals(PartitionRegistration.NO_LEADER, alone.leader(), "unclean election is off");
        assertEquals(List.of(), alone.isr());
        assertEquals(1, alone.lastKnownLeader(), "it may have its directory back after a restart");
        assertEquals(view.topic(ORDERS).partition(3), after.partition(3), "a partition it did not name is left alone");

        ControllerResult<ReportOfflineReplicasResponse> stale = replication.reportOfflineReplicas(view,
                offline(epoch(1) - 1, 0));
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, stale.response().getError().getCode());
        assertEquals(List.of(), stale.records());
    }

    // ---------------------------------------------------------------- topics and partitions

    private static CreatableTopic.Builder newTopic(String name, int partitions, int replicationFactor) {
        return CreatableTopic.newBuilder().setName(name).setNumPartitions(partitions)
                .setReplicationFactor(replicationFactor);
    }

    private ControllerResult<CreateTopicsResponse> create(MetadataImage view, CreatableTopic.Builder... topics) {
        CreateTopicsRequest.Builder request = CreateTopicsRequest.newBuilder();
        for (CreatableTopic.Builder topic : topics) {
            request.addTopics(topic);
        }
        return replication.createTopics(view, request.build());
    }

    private ErrorCode createError(MetadataImage view, CreatableTopic.Builder topic) {
        ControllerResult<CreateTopicsResponse> result = create(view, topic);
        ErrorCode code = result.response().getTopics(0).getError().getCode();
        assertEquals(code == ErrorCode.NONE, !result.records().isEmpty(), code.name());
        return code;
    }

    @Test
    void aNewTopicsPartitionsHaveTheirReplicasAsIsrLedByThePreferredReplicaOnUnfencedBrokersOnly() {
        MetadataImage view = cluster(registerBroker(4, epoch(4)));
        ControllerResult<CreateTopicsResponse> result = create(view, newTopic("payments", 6, 3)
                .putConfigs("retention.ms", "1000"));

        assertEquals(ErrorCode.NONE, result.response().getTopics(0).getError().getCode());
        MetadataImage after = apply(view, result);
        TopicImage payments = after.topic("payments");
        assertEquals(Uuids.fromProto(result.response().getTopics(0).getTopicId()), payments.id());
        assertEquals(6, payments.partitions().size());
        for (PartitionRegistration partition : payments.partitions().values()) {
            assertEquals(3, new HashSet<>(partition.replicas()).size(), partition.toString());
            assertTrue(List.of(1, 2, 3).containsAll(partition.replicas()), "broker 4 is fenced: " + partition);
            assertEquals(partition.replicas(), partition.isr());
            assertEquals(partition.replicas().get(0), partition.leader());
        }
        assertEquals(Map.of("retention.ms", "1000"), after.configs(new ConfigResource(ConfigResourceType.TOPIC,
                "payments")));
    }

    @Test
    void aTopicThatCannotBeCreatedSaysWhyAndWritesNothing() {
        MetadataImage view = cluster(fence(3, epoch(3)), topic("a.b", UUID.randomUUID()));
        assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, createError(view, newTopic("orders", 1, 1)));
        assertEquals(ErrorCode.INVALID_TOPIC_EXCEPTION, createError(view, newTopic("a_b", 1, 1)), "collides with a.b");
        for (String bad : List.of("a/b", "..", "", "x".repeat(250))) {
            assertEquals(ErrorCode.INVALID_TOPIC_EXCEPTION, createError(view, newTopic(bad, 1, 1)), bad);
        }
        assertEquals(ErrorCode.INVALID_PARTITIONS, createError(view, newTopic("none", 0, 1)));
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, createError(view, newTopic("zero", 1, 0)));
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, createError(view, newTopic("wide", 1, 3)),
                "broker 3 is fenced: two brokers for three replicas");
        assertEquals(ErrorCode.INVALID_CONFIG, createError(view, newTopic("configured", 1, 1).putConfigs("bogus", "1")));
        assertEquals(ErrorCode.NONE, createError(view, newTopic("narrow", 1, 2)));
    }

    @Test
    void aNameTwiceInOneRequestIsRefusedBothTimesAndEachTopicSeesTheOnesBeforeIt() {
        ControllerResult<CreateTopicsResponse> result = create(cluster(), newTopic("twice", 1, 1),
                newTopic("twice", 1, 1), newTopic("x.y", 1, 1), newTopic("x_y", 1, 1));

        assertEquals(List.of(ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.NONE,
                ErrorCode.INVALID_TOPIC_EXCEPTION), result.response().getTopicsList().stream()
                .map(topic -> topic.getError().getCode()).toList());
        MetadataImage after = apply(cluster(), result);
        assertNotNull(after.topic("x.y"));
        assertNull(after.topic("twice"));
    }

    @Test
    void validateOnlyAnswersAsACreateWouldAndDefaultsApplyToUnsetCounts() {
        ControllerResult<CreateTopicsResponse> validated = replication.createTopics(cluster(), CreateTopicsRequest
                .newBuilder().setValidateOnly(true).addTopics(newTopic("checked", -1, -1)).build());
        assertEquals(ErrorCode.NONE, validated.response().getTopics(0).getError().getCode());
        assertEquals(List.of(), validated.records());

        MetadataImage after = apply(cluster(), create(cluster(), newTopic("defaults", -1, -1)));
        assertEquals(2, after.topic("defaults").partitions().size(), "num.partitions");
        assertEquals(1, after.topic("defaults").partition(0).replicas().size(), "default.replication.factor");
    }

    @Test
    void deletingATopicRemovesItsConfigsAndANameTwiceIsDeletedOnce() {
        MetadataImage view = cluster(topicConfig("orders", "retention.ms", "1000"));
        ControllerResult<DeleteTopicsResponse> result = replication.deleteTopics(view, DeleteTopicsRequest.newBuilder()
                .addNames("orders").addNames("orders").addNames("missing").build());

        assertEquals(List.of(ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
                result.response().getTopicsList().stream().map(topic -> topic.getError().getCode()).toList());
        MetadataImage after = apply(view, result);
        assertNull(after.topic("orders"));
        assertEquals(Map.of(), after.configs(new ConfigResource(ConfigResourceType.TOPIC, "orders")));
    }

    private ControllerResult<CreatePartitionsResponse> grow(MetadataImage view, int count) {
        return replication.createPartitions(view, CreatePartitionsRequest.newBuilder().addTopics(PartitionCount
                .newBuilder().setName("orders").setCount(count)).build());
    }

    @Test
    void partitionsAreOnlyAddedWithTheTopicsReplicationFactorOnUnfencedBrokers() {
        MetadataImage view = cluster();
        assertEquals(ErrorCode.INVALID_PARTITIONS, grow(view, 1).response().getTopics(0).getError().getCode());
        assertEquals(ErrorCode.INVALID_PARTITIONS, grow(view, 0).response().getTopics(0).getError().getCode());
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, grow(cluster(fence(3, epoch(3))), 2).response()
                .getTopics(0).getError().getCode());

        TopicImage grown = apply(view, grow(view, 3)).topic(ORDERS);
        assertEquals(3, grown.partitions().size());
        assertEquals(3, grown.partition(2).replicas().size());
        assertEquals(grown.partition(2).replicas(), grown.partition(2).isr());
        assertEquals(List.of(1, 2), grown.partition(0).isr(), "existing partitions stay as they are");
    }
}
