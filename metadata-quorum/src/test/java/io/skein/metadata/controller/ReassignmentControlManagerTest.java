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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.proto.Uuids;
import io.skein.proto.controller.AlterPartitionReassignmentsRequest;
import io.skein.proto.controller.AlterPartitionReassignmentsResponse;
import io.skein.proto.controller.AlterPartitionRequest;
import io.skein.proto.controller.AlterPartitionResponse;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.PartitionIsr;
import io.skein.proto.controller.ReassignablePartition;
import io.skein.proto.controller.ReassignmentResult;
import io.skein.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Partition reassignments from records alone: their start, their completion by the ISR, cancellation, refusals. */
class ReassignmentControlManagerTest {
    private static final UUID ORDERS = new UUID(2, 1);

    private final ConfigControlManager configs = new ConfigControlManager((type, name, values) -> Optional.empty(), false);
    private final ReassignmentControlManager reassignments = new ReassignmentControlManager(configs);
    private final ReplicationControlManager replication = new ReplicationControlManager(1, 1, configs);

    /** Brokers 1-5 unfenced; orders-0 on [1, 2, 3] with ISR {@code isr}, led by 1 (leader epoch 3, partition epoch 7). */
    private static MetadataImage cluster(List<Integer> isr, MetadataRecord... more) {
        List<MetadataRecord> records = new ArrayList<>(brokers(5));
        records.add(topic("orders", ORDERS));
        records.add(partition(ORDERS, 0, List.of(1, 2, 3), isr, 1));
        records.addAll(List.of(more));
        return image(records);
    }

    private static ReassignablePartition.Builder to(Integer... replicas) {
        return ReassignablePartition.newBuilder().setTopic("orders").setPartitionId(0).addAllReplicas(List.of(replicas));
    }

    private static ReassignablePartition.Builder cancel() {
        return ReassignablePartition.newBuilder().setTopic("orders").setPartitionId(0).setCancel(true);
    }

    private ControllerResult<AlterPartitionReassignmentsResponse> reassign(MetadataImage view,
                                                                          ReassignablePartition.Builder... partitions) {
        AlterPartitionReassignmentsRequest.Builder request = AlterPartitionReassignmentsRequest.newBuilder()
                .setAllowReplicationFactorChange(true);
        for (ReassignablePartition.Builder partition : partitions) {
            request.addPartitions(partition);
        }
        return reassignments.alterPartitionReassignments(view, request.build());
    }

    /** The one result's error code; a refusal writes nothing. */
    private static ErrorCode code(ControllerResult<AlterPartitionReassignmentsResponse> result) {
        ReassignmentResult only = result.response().getResults(0);
        if (only.getError().getCode() != ErrorCode.NONE) {
            assertEquals(List.of(), result.records(), only.getError().getMessage());
        }
        return only.getError().getCode();
    }

    private static PartitionRegistration orders0(MetadataImage image) {
        return image.topic(ORDERS).partition(0);
    }

    /** The leader's ISR change of orders-0 at the partition's current epochs. */
    private ControllerResult<AlterPartitionResponse> alterIsr(MetadataImage view, List<Integer> isr) {
        PartitionRegistration partition = orders0(view);
        return replication.alterPartition(view, AlterPartitionRequest.newBuilder().setBrokerId(partition.leader())
                .setBrokerEpoch(epoch(partition.leader())).addPartitions(PartitionIsr.newBuilder()
                        .setTopicId(Uuids.toProto(ORDERS)).setPartitionId(0).setLeaderEpoch(partition.leaderEpoch())
                        .setPartitionEpoch(partition.partitionEpoch()).addAllNewIsr(isr)).build());
    }

    @Test
    void aMoveAddsTheNewReplicasAndTheIsrChangeThatTakesTheLastInCompletesIt() {
        MetadataImage view = cluster(List.of(1, 2, 3));
        ControllerResult<AlterPartitionReassignmentsResponse> started = reassign(view, to(2, 4, 5));
        assertEquals(ErrorCode.NONE, code(started));
        MetadataImage moving = apply(view, started);
        PartitionRegistration partition = orders0(moving);
        assertEquals(new PartitionRegistration(List.of(2, 4, 5, 1, 3), List.of(1, 2, 3), 1, 3, 8, -1, List.of(4, 5),
                List.of(1, 3)), partition, "targets first, then those removed; the leader and its epoch stay");

        MetadataImage halfway = apply(moving, alterIsr(moving, List.of(1, 2, 3, 4)));
        assertTrue(orders0(halfway).isReassigning(), "5 is not in sync yet");
        assertEquals(List.of(2, 4, 5, 1, 3), orders0(halfway).replicas());

        ControllerResult<AlterPartitionResponse> last = alterIsr(halfway, List.of(1, 2, 3, 4, 5));
        assertEquals(ErrorCode.NONE, last.response().getPartitions(0).getError().getCode());
        PartitionRegistration done = orders0(apply(halfway, last));
        assertEquals(new PartitionRegistration(List.of(2, 4, 5), List.of(2, 4, 5), 2, 4, 10, -1), done,
                "the removed replicas leave; the first target replica leads, in a new leader epoch");
        assertEquals(2, last.response().getPartitions(0).getLeader(), "the answer says who leads now");
    }

    @Test
    void aLeaderTheMoveKeepsGoesOnLeadingInANewEpochOnceAReplicaLeaves() {
        MetadataImage moving = apply(cluster(List.of(1, 2, 3)), reassign(cluster(List.of(1, 2, 3)), to(4, 1, 2)));
        PartitionRegistration done = orders0(apply(moving, alterIsr(moving, List.of(1, 2, 3, 4))));
        assertEquals(List.of(4, 1, 2), done.replicas());
        assertEquals(List.of(1, 2, 4), done.isr());
        assertEquals(1, done.leader(), "not moved to the preferred replica: an election does that");
        assertEquals(4, done.leaderEpoch(), "3 left: its fetches must be fenced");
    }

    @Test
    void aTargetTheIsrAlreadyHoldsCompletesAtOnceAndANewOrderChangesNothingElse() {
        MetadataImage view = cluster(List.of(1, 2));
        ControllerResult<AlterPartitionReassignmentsResponse> shrink = reassign(view, to(2, 1));
        assertEquals(1, shrink.records().size());
        assertEquals(new PartitionRegistration(List.of(2, 1), List.of(1, 2), 1, 4, 8, -1), orders0(apply(view, shrink)));

        ControllerResult<AlterPartitionReassignmentsResponse> reorder = reassign(view, to(3, 2, 1));
        assertEquals(new PartitionRegistration(List.of(3, 2, 1), List.of(1, 2), 1, 3, 8, -1),
                orders0(apply(view, reorder)), "no replica leaves: the leader epoch stays");

        assertEquals(ErrorCode.NONE, code(reassign(view, to(1, 2, 3))));
        assertEquals(List.of(), reassign(view, to(1, 2, 3)).records(), "nothing to change");
        MetadataImage moving = apply(view, reassign(view, to(4, 2, 3)));
        assertEquals(List.of(), reassign(moving, to(4, 2, 3)).records(), "already on its way there");
    }

    @Test
    void aCancellationGoesBackToTheReplicasOfBeforeAndTheIsrLosesThoseBeingAdded() {
        MetadataImage view = cluster(List.of(1, 2, 3));
        assertEquals(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, code(reassign(view, cancel())));
        MetadataImage moving = apply(view, reassign(view, to(4, 5, 3)));
        MetadataImage halfway = apply(moving, alterIsr(moving, List.of(1, 2, 3, 4)));

        ControllerResult<AlterPartitionReassignmentsResponse> cancelled = reassign(halfway, cancel());
        assertEquals(ErrorCode.NONE, code(cancelled));
        PartitionRegistration back = orders0(apply(halfway, cancelled));
        assertEquals(new PartitionRegistration(List.of(3, 1, 2), List.of(1, 2, 3), 1, 4, 10, -1), back,
                "as in Kafka, the targets kept come first: the order of before is not remembered");
    }

    @Test
    void aNewTargetDuringAMoveDropsTheReplicasTheFirstWasAddingAtOnce() {
        MetadataImage view = cluster(List.of(1, 2));
        MetadataImage moving = apply(view, reassign(view, to(4, 2, 3)));
        MetadataImage withFour = apply(moving, alterIsr(moving, List.of(1, 2, 4)));
        assertEquals(List.of(4, 2, 3, 1), orders0(withFour).replicas());

        ControllerResult<AlterPartitionReassignmentsResponse> redirected = reassign(withFour, to(5, 2, 3));
        PartitionRegistration partition = orders0(apply(withFour, redirected));
        assertEquals(List.of(5, 2, 3, 1), partition.replicas());
        assertEquals(List.of(5), partition.addingReplicas());
        assertEquals(List.of(1), partition.removingReplicas());
        assertEquals(List.of(1, 2), partition.isr(), "4 left the ISR with the replicas");
        assertEquals(orders0(withFour).leaderEpoch() + 1, partition.leaderEpoch(), "4 left");
    }

    @Test
    void aCancellationThatLeavesNoReplicaInSyncNeedsUncleanElection() {
        List<MetadataRecord> records = new ArrayList<>(brokers(3));
        records.add(topic("orders", ORDERS));
        records.add(partition(ORDERS, 0, List.of(1), List.of(1), 1));
        MetadataImage view = image(records);
        MetadataImage moving = apply(view, reassign(view, to(2, 3)));
        MetadataImage inSync = apply(moving, alterIsr(moving, List.of(1, 2)));
        MetadataImage oneFenced = apply(inSync, new BrokerControlManager("cluster", 1000, 100, configs)
                .fenceExpired(inSync, inSync.broker(1)));
        assertEquals(List.of(2), orders0(oneFenced).isr());

        assertEquals(ErrorCode.INVALID_REPLICA_ASSIGNMENT, code(reassign(oneFenced, cancel())));
        MetadataImage unclean = apply(oneFenced, ControllerResult.of(List.of(topicConfig("orders",
                "unclean.leader.election.enable", "true")), null));
        PartitionRegistration offline = orders0(apply(unclean, reassign(unclean, cancel())));
        assertEquals(List.of(1), offline.replicas());
        assertFalse(offline.hasLeader(), "its one replica is fenced");
    }

    @Test
    void targetsAreCheckedAsKafkaChecksAManualAssignment() {
        MetadataImage view = cluster(List.of(1, 2, 3), registerBroker(9, epoch(9)));
        assertEquals(ErrorCode.INVALID_REPLICA_ASSIGNMENT, code(reassign(view, to())));
        assertEquals(ErrorCode.INVALID_REPLICA_ASSIGNMENT, code(reassign(view, to(1, 6))), "6 is not registered");
        assertEquals(ErrorCode.INVALID_REPLICA_ASSIGNMENT, code(reassign(view, to(2, 1, 2))));
        assertEquals(ErrorCode.NONE, code(reassign(view, to(9, 1))), "a fenced broker may be a target");
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, code(reassign(view, to(1).setTopic("other"))));
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, code(reassign(view, to(1).setPartitionId(1))));

        AlterPartitionReassignmentsRequest sameFactor = AlterPartitionReassignmentsRequest.newBuilder()
                .addPartitions(to(1, 2)).addPartitions(to(2, 3, 4)).build();
        AlterPartitionReassignmentsResponse refused = reassignments.alterPartitionReassignments(view, sameFactor)
                .response();
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, refused.getResults(0).getError().getCode());
        assertEquals("The replication factor is changed from 3 to 2", refused.getResults(0).getError().getMessage());
        assertEquals(ErrorCode.NONE, refused.getResults(1).getError().getCode());
        assertEquals(1, reassignments.alterPartitionReassignments(view, sameFactor).records().size());
        assertEquals(List.of(), reassignments.alterPartitionReassignments(view, sameFactor.toBuilder()
                .setAllOrNothing(true).build()).records(), "one refusal refuses all");
    }

    @Test
    void partitionsOfOneRequestBuildOnEachOtherAndAFencingKeepsTheMoveGoing() {
        MetadataImage view = cluster(List.of(1, 2, 3));
        ControllerResult<AlterPartitionReassignmentsResponse> twice = reassign(view, to(4, 2, 3), to(5, 2, 3));
        assertEquals(2, twice.records().size());
        MetadataImage moving = apply(view, twice);
        assertEquals(List.of(5, 2, 3, 1), orders0(moving).replicas());

        MetadataImage fenced = apply(moving, ControllerResult.of(List.of(fence(1, epoch(1))), null));
        MetadataImage leaderGone = apply(fenced, ControllerResult.of(PartitionChanges.removeBroker(fenced, 1,
                topic -> false), null));
        PartitionRegistration partition = orders0(leaderGone);
        assertEquals(2, partition.leader(), "the first target replica in the ISR");
        assertEquals(List.of(5), partition.addingReplicas());
        PartitionRegistration done = orders0(apply(leaderGone, alterIsr(leaderGone, List.of(2, 3, 5))));
        assertEquals(new PartitionRegistration(List.of(5, 2, 3), List.of(2, 3, 5), 2, 6, 11, -1), done);
    }
}
