package io.skein.broker.group;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/** A member of a classic group. Confined to its group's coordinator shard, like the group. */
final class Member {
    /** A protocol the member can use (an assignor, for consumers), with its metadata for it. */
    record Protocol(String name, byte[] metadata) {
    }

    static final byte[] NO_ASSIGNMENT = new byte[0];

    private final String memberId;
    private final String groupInstanceId;
    private final String clientId;
    private final String clientHost;
    private int rebalanceTimeoutMs;
    private int sessionTimeoutMs;
    private List<Protocol> protocols;
    private byte[] assignment = NO_ASSIGNMENT;
    /** The member's JoinGroup, parked until the rebalance completes. */
    private CompletableFuture<JoinGroupResponseData> awaitingJoin;
    /** The member's SyncGroup, parked until the leader's assignment is written. */
    private CompletableFuture<SyncGroupResponseData> awaitingSync;

    Member(String memberId, String groupInstanceId, String clientId, String clientHost, int rebalanceTimeoutMs,
           int sessionTimeoutMs, List<Protocol> protocols) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.protocols = List.copyOf(protocols);
    }

    String memberId() {
        return memberId;
    }

    /** The instance id of a static member (KIP-345), or null. */
    String groupInstanceId() {
        return groupInstanceId;
    }

    String clientId() {
        return clientId;
    }

    String clientHost() {
        return clientHost;
    }

    int rebalanceTimeoutMs() {
        return rebalanceTimeoutMs;
    }

    int sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    /** The member's part of the current generation's assignment. */
    byte[] assignment() {
        return assignment;
    }

    void assign(byte[] newAssignment) {
        assignment = newAssignment;
    }

    /** What a JoinGroup of the member's said it supports, and how long it may take. */
    void update(List<Protocol> newProtocols, int newRebalanceTimeoutMs, int newSessionTimeoutMs) {
        protocols = List.copyOf(newProtocols);
        rebalanceTimeoutMs = newRebalanceTimeoutMs;
        sessionTimeoutMs = newSessionTimeoutMs;
    }

    boolean isStatic() {
        return groupInstanceId != null;
    }

    boolean isAwaitingJoin() {
        return awaitingJoin != null;
    }

    boolean isAwaitingSync() {
        return awaitingSync != null;
    }

    /** Parks the member's JoinGroup; one parked before it is ended, as a retry ends the first. */
    void awaitJoin(CompletableFuture<JoinGroupResponseData> response) {
        if (awaitingJoin != null) {
            // Kafka would give the first no answer; end it.
            awaitingJoin.complete(MembershipProtocol.joinError(memberId, Errors.REBALANCE_IN_PROGRESS));
        }
        awaitingJoin = response;
    }

    /** Answers the parked JoinGroup, if any. */
    void completeJoin(JoinGroupResponseData response) {
        if (awaitingJoin != null) {
            CompletableFuture<JoinGroupResponseData> parked = awaitingJoin;
            awaitingJoin = null;
            parked.complete(response);
        }
    }

    void awaitSync(CompletableFuture<SyncGroupResponseData> response) {
        awaitingSync = response;
    }

    /** Answers the parked SyncGroup, if any. */
    void completeSync(SyncGroupResponseData response) {
        if (awaitingSync != null) {
            CompletableFuture<SyncGroupResponseData> parked = awaitingSync;
            awaitingSync = null;
            parked.complete(response);
        }
    }

    /** The member's metadata for {@code protocol}, which it must support. */
    byte[] metadata(String protocol) {
        return find(protocol).orElseThrow(() -> new IllegalStateException(
                "Member " + memberId + " does not support protocol " + protocol)).metadata();
    }

    Optional<Protocol> find(String protocol) {
        return protocols.stream().filter(p -> p.name().equals(protocol)).findFirst();
    }

    /** The protocols the member supports, in its order of preference. */
    List<Protocol> protocols() {
        return protocols;
    }

    /** Whether {@code other} lists the same protocols with the same metadata, in the same order. */
    boolean sameProtocols(List<Protocol> other) {
        if (other.size() != protocols.size()) {
            return false;
        }
        for (int i = 0; i < other.size(); i++) {
            if (!other.get(i).name().equals(protocols.get(i).name())
                    || !Arrays.equals(other.get(i).metadata(), protocols.get(i).metadata())) {
                return false;
            }
        }
        return true;
    }

    /** A copy under a new member id, for a static member that rejoined without its old id. */
    Member withMemberId(String newMemberId) {
        Member copy = new Member(newMemberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs,
                sessionTimeoutMs, protocols);
        copy.assignment = assignment;
        return copy;
    }
}
