package io.skein.metadata.controller;

import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.Uuids;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.proto.metadata.Endpoint;
import io.skein.proto.metadata.FenceBrokerRecord;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.PartitionRecord;
import io.skein.proto.metadata.RegisterBrokerRecord;
import io.skein.proto.metadata.TopicRecord;
import io.skein.proto.metadata.UnfenceBrokerRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Metadata images for the managers' tests, built as every node builds them: records replayed
 * through {@link MetadataDelta}. A manager's result is applied the same way.
 */
final class TestImages {
    /** The offset of the images built here: new broker epochs start above it. */
    static final long OFFSET = 100;

    private TestImages() {
    }

    static MetadataImage image(List<MetadataRecord> records) {
        MetadataDelta delta = new MetadataDelta(MetadataImage.EMPTY);
        records.forEach(delta::replay);
        return delta.apply(OFFSET);
    }

    /** {@code view} with the result's records replayed, as the controller's view would be. */
    static MetadataImage apply(MetadataImage view, ControllerResult<?> result) {
        return MetadataDelta.replayed(view, result.records());
    }

    /** Unfenced brokers 1 to {@code count}, broker i with epoch 10 + i and log directory {@link #logDir}(i). */
    static List<MetadataRecord> brokers(int count) {
        List<MetadataRecord> records = new ArrayList<>();
        for (int id = 1; id <= count; id++) {
            records.add(registerBroker(id, epoch(id)));
            records.add(unfence(id, epoch(id)));
        }
        return records;
    }

    static long epoch(int brokerId) {
        return 10 + brokerId;
    }

    static UUID logDir(int brokerId) {
        return new UUID(0, brokerId);
    }

    static UUID incarnation(int brokerId) {
        return new UUID(1, brokerId);
    }

    static MetadataRecord registerBroker(int id, long epoch) {
        return MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder().setBrokerId(id)
                .setBrokerEpoch(epoch).setIncarnationId(Uuids.toProto(incarnation(id)))
                .addEndpoints(Endpoint.newBuilder().setName("PLAINTEXT").setHost("localhost").setPort(9092 + id))
                .addLogDirIds(Uuids.toProto(logDir(id)))).build();
    }

    static MetadataRecord unfence(int id, long epoch) {
        return MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder().setBrokerId(id)
                .setBrokerEpoch(epoch)).build();
    }

    static MetadataRecord fence(int id, long epoch) {
        return MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder().setBrokerId(id)
                .setBrokerEpoch(epoch)).build();
    }

    static MetadataRecord topic(String name, UUID id) {
        return MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(name)
                .setTopicId(Uuids.toProto(id))).build();
    }

    /** A partition at leader epoch 3 and partition epoch 7, with no last known leader. */
    static MetadataRecord partition(UUID topicId, int partitionId, List<Integer> replicas, List<Integer> isr,
                                    int leader) {
        return partition(topicId, partitionId, replicas, isr, leader, -1);
    }

    static MetadataRecord partition(UUID topicId, int partitionId, List<Integer> replicas, List<Integer> isr,
                                    int leader, int lastKnownLeader) {
        return MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder().setTopicId(Uuids.toProto(topicId))
                .setPartitionId(partitionId).addAllReplicas(replicas).addAllIsr(isr).setLeader(leader)
                .setLeaderEpoch(3).setPartitionEpoch(7).setLastKnownLeader(lastKnownLeader)).build();
    }

    static MetadataRecord topicConfig(String topic, String key, String value) {
        return ConfigControlManager.configRecord(ConfigResourceType.TOPIC, topic, key, value);
    }
}
