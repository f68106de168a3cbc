package io.skein.metadata.image;

import io.skein.proto.Uuids;
import io.skein.proto.metadata.ClientQuotaRecord;
import io.skein.proto.metadata.ConfigRecord;
import io.skein.proto.metadata.FenceBrokerRecord;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.MetadataRecordBatch;
import io.skein.proto.metadata.PartitionRecord;
import io.skein.proto.metadata.ProducerIdsRecord;
import io.skein.proto.metadata.RegisterBrokerRecord;
import io.skein.proto.metadata.ScramMechanism;
import io.skein.proto.metadata.TopicRecord;
import io.skein.proto.metadata.UnfenceBrokerRecord;
import io.skein.proto.metadata.UserScramCredentialRecord;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * An image written as the records that rebuild it, as Kafka writes its metadata snapshots: replaying
 * them on an empty image gives the same brokers, topics, partitions, configs, producer ids, ACLs, SCRAM
 * credentials and client quotas (partitions with the reassignment under way, if any).
 */
public final class ImageRecords {
    private ImageRecords() {
    }

    public static MetadataRecordBatch of(MetadataImage image) {
        MetadataRecordBatch.Builder batch = MetadataRecordBatch.newBuilder();
        image.brokers().values().stream().sorted(Comparator.comparingInt(BrokerRegistration::id)).forEach(broker -> {
            batch.addRecords(MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                    .setBrokerId(broker.id()).setBrokerEpoch(broker.epoch())
                    .setIncarnationId(Uuids.toProto(broker.incarnationId())).addAllEndpoints(broker.endpoints())
                    .setHttpEndpoint(broker.http()).setRack(broker.rack())
                    .addAllLogDirIds(broker.logDirIds().stream().map(Uuids::toProto).toList())));
            if (!broker.fenced()) {
                batch.addRecords(MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder()
                        .setBrokerId(broker.id()).setBrokerEpoch(broker.epoch())));
            } else if (broker.shuttingDown()) {
                batch.addRecords(MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder()
                        .setBrokerId(broker.id()).setBrokerEpoch(broker.epoch()).setControlledShutdown(true)));
            }
        });
        image.topicsById().values().stream().sorted(Comparator.comparing(TopicImage::name)).forEach(topic -> {
            batch.addRecords(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder()
                    .setName(topic.name()).setTopicId(Uuids.toProto(topic.id()))));
            topic.partitions().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(partition ->
                    batch.addRecords(MetadataRecord.newBuilder().setPartition(partitionRecord(topic, partition.getKey(),
                            partition.getValue()))));
        });
        image.configs().forEach((resource, configs) -> configs.forEach((name, value) ->
                batch.addRecords(MetadataRecord.newBuilder().setConfig(ConfigRecord.newBuilder()
                        .setResourceType(resource.type()).setResourceName(resource.name())
                        .setName(name).setValue(value)))));
        if (image.nextProducerId() > 0) {
            batch.addRecords(MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder()
                    .setBrokerId(-1).setNextProducerId(image.nextProducerId())));
        }
        image.acls().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(acl -> batch.addRecords(
                MetadataRecord.newBuilder().setAccessControlEntry(acl.getValue().toRecord(acl.getKey()))));
        image.scramCredentials().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(user ->
                user.getValue().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(credential ->
                        batch.addRecords(scramCredentialRecord(user.getKey(), credential.getKey(), credential.getValue()))));
        image.clientQuotas().entrySet().stream().sorted(Map.Entry.comparingByKey(ClientQuotaEntity.ORDER)).forEach(entity ->
                new TreeMap<>(entity.getValue()).forEach((key, value) -> batch.addRecords(MetadataRecord.newBuilder()
                        .setClientQuota(ClientQuotaRecord.newBuilder().addAllEntity(entity.getKey().toRecord())
                                .setKey(key).setValue(value)))));
        return batch.build();
    }

    /**
     * A delta that builds {@code image} from nothing: what a publisher gets when it starts following
     * an image it has not seen grow, or when a snapshot replaces everything.
     */
    public static MetadataDelta replacementDelta(MetadataImage image) {
        MetadataDelta delta = new MetadataDelta(MetadataImage.EMPTY);
        delta.replay(of(image));
        return delta;
    }

    /** The record that gives {@code user} {@code credential} for {@code mechanism}. */
    public static MetadataRecord scramCredentialRecord(String user, ScramMechanism mechanism,
                                                       ScramCredentialData credential) {
        return MetadataRecord.newBuilder().setUserScramCredential(UserScramCredentialRecord.newBuilder().setName(user)
                .setMechanism(mechanism).setSalt(credential.salt()).setStoredKey(credential.storedKey())
                .setServerKey(credential.serverKey()).setIterations(credential.iterations())).build();
    }

    static PartitionRecord partitionRecord(TopicImage topic, int partitionId, PartitionRegistration partition) {
        return PartitionRecord.newBuilder().setTopicId(Uuids.toProto(topic.id())).setPartitionId(partitionId)
                .addAllReplicas(partition.replicas()).addAllIsr(partition.isr()).setLeader(partition.leader())
                .setLeaderEpoch(partition.leaderEpoch()).setPartitionEpoch(partition.partitionEpoch())
                .setLastKnownLeader(partition.lastKnownLeader()).addAllAddingReplicas(partition.addingReplicas())
                .addAllRemovingReplicas(partition.removingReplicas()).build();
    }
}
