package io.skein.metadata.controller;

import static io.skein.metadata.controller.ControllerErrors.error;
import static io.skein.metadata.controller.ControllerErrors.none;

import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.controller.AlterPartitionReassignmentsRequest;
import io.skein.proto.controller.AlterPartitionReassignmentsResponse;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.ReassignablePartition;
import io.skein.proto.controller.ReassignmentResult;
import io.skein.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * Partition reassignments (KIP-455), as Kafka's controller makes them: a reassignment adds the target
 * replicas the partition lacks to its replicas, noting them as being added and the replicas the target
 * drops as being removed, in one partition change; the new replicas copy the log as followers, and the
 * ISR change that takes the last of them in completes the move ({@link PartitionChanges}). A
 * cancellation goes back to the replicas of before. A target that adds nothing (a new order, fewer
 * replicas all in sync) completes at once.
 */
final class ReassignmentControlManager {
    private final ConfigControlManager configs;

    ReassignmentControlManager(ConfigControlManager configs) {
        this.configs = configs;
    }

    /**
     * Each partition judged alone, on the view its predecessors in the request left, so that a partition
     * named twice is moved twice; every change of the request is committed together, or, if the request
     * asks for all or nothing and a partition is refused, none.
     */
    ControllerResult<AlterPartitionReassignmentsResponse> alterPartitionReassignments(
            MetadataImage view, AlterPartitionReassignmentsRequest request) {
        AlterPartitionReassignmentsResponse.Builder response = AlterPartitionReassignmentsResponse.newBuilder()
                .setError(none());
        List<MetadataRecord> records = new ArrayList<>();
        MetadataImage working = view;
        for (ReassignablePartition wanted : request.getPartitionsList()) {
            List<MetadataRecord> change = new ArrayList<>();
            Error outcome = reassign(working, wanted, request.getAllowReplicationFactorChange(), change);
            response.addResults(ReassignmentResult.newBuilder().setTopic(wanted.getTopic())
                    .setPartitionId(wanted.getPartitionId()).setError(outcome));
            if (!change.isEmpty()) {
                records.addAll(change);
                working = MetadataDelta.replayed(working, change);
            }
        }
        boolean refused = response.getResultsList().stream().anyMatch(r -> r.getError().getCode() != ErrorCode.NONE);
        return ControllerResult.of(refused && request.getAllOrNothing() ? List.of() : records, response.build());
    }

    /** One partition's reassignment or cancellation: its record goes to {@code records}, if one is needed. */
    private Error reassign(MetadataImage view, ReassignablePartition wanted, boolean allowReplicationFactorChange,
                           List<MetadataRecord> records) {
        TopicImage topic = view.topic(wanted.getTopic());
        if (topic == null) {
            return error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find a topic named " + wanted.getTopic() + ".");
        }
        String name = wanted.getTopic() + ":" + wanted.getPartitionId();
        PartitionRegistration partition = topic.partition(wanted.getPartitionId());
        if (partition == null) {
            return error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find partition " + name + ".");
        }
        ReplicaSet current = ReplicaSet.of(partition);
        List<Integer> target;
        if (wanted.getCancel()) {
            if (!current.isReassigning()) {
                return error(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, "No partition reassignment is in progress for "
                        + name + ".");
            }
            target = current.original();
        } else {
            target = wanted.getReplicasList();
            int headedFor = current.target().size();
            if (!allowReplicationFactorChange && target.size() != headedFor) {
                return error(ErrorCode.INVALID_REPLICATION_FACTOR, "The replication factor is changed from "
                        + headedFor + " to " + target.size());
            }
            Error invalid = assignmentError(view, target);
            if (invalid != null) {
                return invalid;
            }
        }
        ReplicaSet next = current.toward(target);
        if (next.equals(current) && !next.completedBy(partition.isr())) {
            return none(); // already on its way there, or there
        }
        // A replica the reassignment under way was adding, and this one does not want, leaves the ISR at once.
        List<Integer> isr = partition.isr().stream().filter(next.replicas()::contains).toList();
        int leader = partition.leader();
        if (isr.isEmpty() && !partition.isr().isEmpty()) {
            if (!configs.uncleanLeaderElection(view, topic.name())) {
                return error(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "Unable to " + (wanted.getCancel() ? "revert" : "change")
                        + " partition assignment for " + name + " because it would require an unclean leader election.");
            }
            // As Kafka: the first replica left, if it is alive, leads on what it has.
            leader = PartitionChanges.firstInReplicaOrder(next.replicas(), r -> PartitionChanges.isUnfenced(view, r));
            isr = leader == PartitionRegistration.NO_LEADER ? List.of() : List.of(leader);
        } else if (!isr.contains(leader)) {
            leader = PartitionChanges.firstInReplicaOrder(next.replicas(), isr::contains);
        }
        int lastKnownLeader = leader == PartitionRegistration.NO_LEADER ? partition.lastKnownLeader()
                : PartitionRegistration.NO_LEADER;
        records.add(PartitionChanges.change(topic, wanted.getPartitionId(), partition, next, isr, leader,
                lastKnownLeader));
        return none();
    }

    /** Kafka's checks of a manual assignment: at least one replica, each a registered broker, none twice. */
    private static Error assignmentError(MetadataImage view, List<Integer> replicas) {
        if (replicas.isEmpty()) {
            return error(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes an empty "
                    + "replica list.");
        }
        Integer previous = null;
        for (int broker : replicas.stream().sorted().toList()) { // in order, as Kafka finds the first problem
            if (view.broker(broker) == null) {
                return error(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes broker "
                        + broker + ", but no such broker is registered.");
            }
            if (previous != null && previous == broker) {
                return error(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes the broker "
                        + broker + " more than once.");
            }
            previous = broker;
        }
        return null;
    }
}
