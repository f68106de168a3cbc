package io.skein.metadata.controller;

import io.skein.metadata.image.PartitionRegistration;
import io.skein.proto.metadata.ReplicaAssignment;
import java.util.ArrayList;
import java.util.List;

/**
 * A partition's replicas and the reassignment under way (KIP-455): {@code replicas} is the target
 * replicas followed by those being removed; {@code adding} are the targets the partition did not have
 * before the reassignment, {@code removing} the replicas it had that the target drops. A reassignment
 * is complete once every target replica is in the ISR: the removed replicas then go.
 */
record ReplicaSet(List<Integer> replicas, List<Integer> adding, List<Integer> removing) {
    ReplicaSet {
        replicas = List.copyOf(replicas);
        adding = List.copyOf(adding);
        removing = List.copyOf(removing);
    }

    static ReplicaSet of(PartitionRegistration partition) {
        return new ReplicaSet(partition.replicas(), partition.addingReplicas(), partition.removingReplicas());
    }

    /**
     * The partition on its way to {@code target}, from the replicas it had before any reassignment
     * under way: what the target lacks of those is removed once the target is in sync, what they lack
     * of the target is added. A reassignment that replaces one under way thus drops at once the
     * replicas the earlier one was adding and this one does not want, and one whose target is the
     * replicas of before (a cancellation) adds and removes nothing.
     */
    ReplicaSet toward(List<Integer> target) {
        List<Integer> original = original();
        List<Integer> removed = without(original, target);
        List<Integer> all = new ArrayList<>(target);
        all.addAll(removed);
        return new ReplicaSet(all, without(target, original), removed);
    }

    /** The replicas the partition had before the reassignment under way (all of them if none is). */
    List<Integer> original() {
        return without(replicas, adding);
    }

    boolean isReassigning() {
        return !adding.isEmpty() || !removing.isEmpty();
    }

    /**
     * Whether {@code isr} completes the reassignment: it holds every target replica (so also one that
     * is not being removed).
     */
    boolean completedBy(List<Integer> isr) {
        return isReassigning() && isr.containsAll(target());
    }

    /** The partition once the reassignment is complete: its target replicas alone. */
    ReplicaSet completed() {
        return new ReplicaSet(target(), List.of(), List.of());
    }

    /** The replicas the partition is headed for. */
    List<Integer> target() {
        return without(replicas, removing);
    }

    ReplicaAssignment toRecord() {
        return ReplicaAssignment.newBuilder().addAllReplicas(replicas).addAllAddingReplicas(adding)
                .addAllRemovingReplicas(removing).build();
    }

    /** {@code from} without the members of {@code taken}, in {@code from}'s order. */
    static List<Integer> without(List<Integer> from, List<Integer> taken) {
        List<Integer> kept = new ArrayList<>(from);
        kept.removeAll(taken);
        return kept;
    }
}
