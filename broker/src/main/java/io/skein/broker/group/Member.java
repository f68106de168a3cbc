package io.skein.broker.group;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/** A member of a classic group. Confined to its group's coordinator shard, like the group. */
final class Member {
    /** A protocol the member can use (an assignor, for consumers), with its metadata for it. */
    record Protocol(String name, byte[] metadata) {
    }

    static final byte[] NO_ASSIGNMENT = new byte[0];

    final String memberId;
    final String groupInstanceId;
    final String clientId;
    final String clientHost;
    int rebalanceTimeoutMs;
    int sessionTimeoutMs;
    List<Protocol> protocols;
    byte[] assignment = NO_ASSIGNMENT;
    /** The member's JoinGroup, parked until the rebalance completes. */
    CompletableFuture<JoinGroupResponseData> awaitingJoin;
    /** The member's SyncGroup, parked until the leader's assignment is written. */
    CompletableFuture<SyncGroupResponseData> awaitingSync;

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

    boolean isStatic() {
        return groupInstanceId != null;
    }

    boolean isAwaitingJoin() {
        return awaitingJoin != null;
    }

    /** The member's metadata for {@code protocol}, which it must support. */
    byte[] metadata(String protocol) {
        return find(protocol).orElseThrow(() -> new IllegalStateException(
                "Member " + memberId + " does not support protocol " + protocol)).metadata();
    }

    Optional<Protocol> find(String protocol) {
        return protocols.stream().filter(p -> p.name().equals(protocol)).findFirst();
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
