package io.skein.broker.group;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.skein.broker.kafka.LogRecords;
import io.skein.broker.kafka.LogRecords.KeyValue;
import io.skein.proto.group.GroupKey;
import io.skein.proto.group.GroupRecordKey;
import io.skein.proto.group.GroupValue;
import io.skein.proto.group.MemberValue;
import io.skein.proto.group.OffsetKey;
import io.skein.proto.group.OffsetValue;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/** The records of {@code __consumer_offsets}: how groups and offsets become keys and values, and back. */
final class GroupRecords {
    private GroupRecords() {
    }

    /** Receives the records of an offsets partition, parsed. */
    interface Replay {
        /**
         * A committed offset, or one a transaction wrote ({@code producerId} not
         * {@link LogRecords#NO_PRODUCER_ID}), which counts once the transaction commits.
         */
        void offset(String groupId, TopicPartition tp, CommittedOffset offset, long producerId);

        void offsetRemoved(String groupId, TopicPartition tp);

        void group(String groupId, GroupValue value);

        void groupRemoved(String groupId);
    }

    static KeyValue offset(String groupId, TopicPartition tp, CommittedOffset offset) {
        return new KeyValue(offsetKey(groupId, tp), OffsetValue.newBuilder().setOffset(offset.offset())
                .setLeaderEpoch(offset.leaderEpoch()).setMetadata(offset.metadata())
                .setCommitTimestamp(offset.commitTimestamp()).setExpireTimestamp(offset.expireTimestamp())
                .build().toByteArray());
    }

    static KeyValue offsetTombstone(String groupId, TopicPartition tp) {
        return new KeyValue(offsetKey(groupId, tp), null);
    }

    /** The group's generation: its members, each with the assignment given or else its current one. */
    static KeyValue group(ClassicGroup group, Map<String, byte[]> assignments) {
        return group(group, group.leaderId(), group.members(), assignments);
    }

    /** The group's generation with {@code replacement} in the place of the static member {@code oldMemberId}. */
    static KeyValue groupReplacingMember(ClassicGroup group, String oldMemberId, Member replacement) {
        List<Member> members = group.members().stream()
                .map(m -> m.memberId().equals(oldMemberId) ? replacement : m).toList();
        String leader = group.isLeader(oldMemberId) ? replacement.memberId() : group.leaderId();
        return group(group, leader, members, Map.of());
    }

    private static KeyValue group(ClassicGroup group, String leaderId, Collection<Member> members,
                                  Map<String, byte[]> assignments) {
        GroupValue.Builder value = GroupValue.newBuilder().setGeneration(group.generationId())
                .setProtocolType(group.protocolType() == null ? "" : group.protocolType())
                .setProtocol(group.protocolName() == null ? "" : group.protocolName())
                .setLeader(leaderId == null ? "" : leaderId)
                .setStateTimestamp(group.stateTimestamp());
        for (Member member : members) {
            MemberValue.Builder m = MemberValue.newBuilder().setMemberId(member.memberId())
                    .setClientId(member.clientId()).setClientHost(member.clientHost())
                    .setRebalanceTimeoutMs(member.rebalanceTimeoutMs()).setSessionTimeoutMs(member.sessionTimeoutMs())
                    .setSubscription(ByteString.copyFrom(member.metadata(group.protocolName())))
                    .setAssignment(ByteString.copyFrom(assignments.getOrDefault(member.memberId(), member.assignment())));
            if (member.isStatic()) {
                m.setGroupInstanceId(member.groupInstanceId());
            }
            value.addMembers(m);
        }
        return new KeyValue(groupKey(group.groupId()), value.build().toByteArray());
    }

    static KeyValue groupTombstone(String groupId) {
        return new KeyValue(groupKey(groupId), null);
    }

    private static byte[] offsetKey(String groupId, TopicPartition tp) {
        return GroupRecordKey.newBuilder().setOffset(OffsetKey.newBuilder().setGroup(groupId).setTopic(tp.topic())
                .setPartition(tp.partition())).build().toByteArray();
    }

    private static byte[] groupKey(String groupId) {
        return GroupRecordKey.newBuilder().setGroup(GroupKey.newBuilder().setGroup(groupId)).build().toByteArray();
    }

    /**
     * Replays one record of the offsets topic, at {@code offset} there, written by the transaction of
     * {@code producerId} if not {@link LogRecords#NO_PRODUCER_ID}.
     *
     * @throws IllegalStateException for a record this coordinator did not write
     */
    static void replay(long offset, long producerId, ByteBuffer key, ByteBuffer value, Replay target) {
        try {
            GroupRecordKey parsed = GroupRecordKey.parseFrom(key);
            switch (parsed.getKeyCase()) {
                case OFFSET -> {
                    OffsetKey k = parsed.getOffset();
                    TopicPartition tp = new TopicPartition(k.getTopic(), k.getPartition());
                    if (value == null) {
                        target.offsetRemoved(k.getGroup(), tp);
                    } else {
                        OffsetValue v = OffsetValue.parseFrom(value);
                        target.offset(k.getGroup(), tp, new CommittedOffset(v.getOffset(), v.getLeaderEpoch(),
                                v.getMetadata(), v.getCommitTimestamp(), v.getExpireTimestamp(), offset), producerId);
                    }
                }
                case GROUP -> {
                    String groupId = parsed.getGroup().getGroup();
                    if (value == null) {
                        target.groupRemoved(groupId);
                    } else {
                        target.group(groupId, GroupValue.parseFrom(value));
                    }
                }
                default -> throw new IllegalStateException("A record of __consumer_offsets with an unknown key");
            }
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("A malformed record in __consumer_offsets: " + e.getMessage(), e);
        }
    }
}
