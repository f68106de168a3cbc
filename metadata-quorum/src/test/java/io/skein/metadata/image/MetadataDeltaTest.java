package io.skein.metadata.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.skein.proto.Uuids;
import io.skein.proto.metadata.AccessControlEntryRecord;
import io.skein.proto.metadata.ClientQuotaEntityPart;
import io.skein.proto.metadata.ClientQuotaRecord;
import io.skein.proto.metadata.ConfigRecord;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.proto.metadata.Endpoint;
import io.skein.proto.metadata.FenceBrokerRecord;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.PartitionChangeRecord;
import io.skein.proto.metadata.PartitionRecord;
import io.skein.proto.metadata.ProducerIdsRecord;
import io.skein.proto.metadata.RegisterBrokerRecord;
import io.skein.proto.metadata.ReplicaAssignment;
import io.skein.proto.metadata.RemoveAccessControlEntryRecord;
import io.skein.proto.metadata.RemoveTopicRecord;
import io.skein.proto.metadata.RemoveUserScramCredentialRecord;
import io.skein.proto.metadata.ScramMechanism;
import io.skein.proto.metadata.TopicRecord;
import io.skein.proto.metadata.UnfenceBrokerRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

class MetadataDeltaTest {
    private static final UUID ORDERS = UUID.randomUUID();
    private static final UUID READ_ORDERS = new UUID(7, 1);
    private static final Acl ALICE_READS_ORDERS = new Acl(ResourceType.TOPIC, "orders", PatternType.PREFIXED,
            "User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW);

    private static MetadataRecord register(int id, long epoch) {
        return MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder().setBrokerId(id)
                .setBrokerEpoch(epoch).setIncarnationId(Uuids.toProto(UUID.randomUUID()))
                .addEndpoints(Endpoint.newBuilder().setName("PLAINTEXT").setHost("localhost").setPort(9092 + id))
                .setHttpEndpoint(Endpoint.newBuilder().setName("HTTP").setHost("localhost").setPort(9196 + id))).build();
    }

    private static MetadataRecord unfence(int id, long epoch) {
        return MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder().setBrokerId(id)
                .setBrokerEpoch(epoch)).build();
    }

    private static MetadataRecord partition(int id, int leader, List<Integer> replicas) {
        return MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder().setTopicId(Uuids.toProto(ORDERS))
                .setPartitionId(id).addAllReplicas(replicas).addAllIsr(replicas).setLeader(leader)
                .setLastKnownLeader(-1)).build();
    }

    private static MetadataImage cluster() {
        MetadataDelta delta = new MetadataDelta(MetadataImage.EMPTY);
        delta.replay(register(1, 10));
        delta.replay(register(2, 11));
        delta.replay(unfence(1, 10));
        delta.replay(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName("orders")
                .setTopicId(Uuids.toProto(ORDERS))).build());
        delta.replay(partition(0, 1, List.of(1, 2)));
        delta.replay(partition(1, 2, List.of(2, 1)));
        delta.replay(MetadataRecord.newBuilder().setConfig(ConfigRecord.newBuilder()
                .setResourceType(ConfigResourceType.TOPIC).setResourceName("orders").setName("retention.ms")
                .setValue("1000")).build());
        delta.replay(credential("alice", ScramMechanism.SCRAM_SHA_512, 4096));
        delta.replay(MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder().setBrokerId(1)
                .setBrokerEpoch(10).setNextProducerId(1000)).build());
        delta.replay(MetadataRecord.newBuilder().setAccessControlEntry(ALICE_READS_ORDERS.toRecord(READ_ORDERS)).build());
        delta.replay(quota(ClientQuotaEntity.userAndClientId("alice", null), "producer_byte_rate", 1024.0));
        delta.replay(quota(ClientQuotaEntity.clientId(null), "request_percentage", 12.5));
        return delta.apply(7);
    }

    @Test
    void replayBuildsTheImage() {
        MetadataImage image = cluster();

        assertEquals(7, image.offset());
        assertEquals(List.of(1), image.unfencedBrokerIds());
        assertTrue(image.broker(2).fenced(), "a registered broker starts fenced");
        assertEquals(11, image.maxBrokerEpoch());
        TopicImage orders = image.topic("orders");
        assertSame(orders, image.topic(ORDERS));
        assertEquals(List.of(2, 1), orders.partition(1).replicas());
        assertEquals("1000", image.configs(new ConfigResource(ConfigResourceType.TOPIC, "orders")).get("retention.ms"));
        assertEquals(1000, image.nextProducerId());
        assertEquals(Map.of(READ_ORDERS, ALICE_READS_ORDERS), image.acls());
    }

    @Test
    void aclsAreAddedAndRemovedByIdOnce() {
        MetadataImage image = cluster();
        UUID denyWrites = new UUID(7, 2);
        Acl deny = new Acl(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, "User:*", "10.0.0.1",
                AclOperation.ALTER, AclPermissionType.DENY);
        MetadataDelta delta = new MetadataDelta(image);
        delta.replay(MetadataRecord.newBuilder().setAccessControlEntry(deny.toRecord(denyWrites)).build());
        delta.replay(removeAcl(READ_ORDERS));
        MetadataImage after = delta.apply(8);

        assertEquals(Map.of(denyWrites, deny), after.acls());
        Map<UUID, Acl> changed = new HashMap<>();
        changed.put(denyWrites, deny);
        changed.put(READ_ORDERS, null);
        assertEquals(changed, delta.changedAcls(), "added, and removed (null)");
        assertEquals(Map.of(READ_ORDERS, ALICE_READS_ORDERS), image.acls(), "the old image is untouched");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(after).replay(removeAcl(READ_ORDERS)),
                "an ACL removed twice");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(after).replay(MetadataRecord.newBuilder()
                .setAccessControlEntry(deny.toRecord(denyWrites)).build()), "an id added twice");
    }

    private static MetadataRecord removeAcl(UUID id) {
        return MetadataRecord.newBuilder().setRemoveAccessControlEntry(RemoveAccessControlEntryRecord.newBuilder()
                .setId(Uuids.toProto(id))).build();
    }

    @Test
    void changesApplyToACopyAndReportWhatChanged() {
        MetadataImage before = cluster();
        MetadataDelta delta = new MetadataDelta(before);
        delta.replay(MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder().setBrokerId(1)
                .setBrokerEpoch(10)).build());
        delta.replay(MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord.newBuilder()
                .setTopicId(Uuids.toProto(ORDERS)).setPartitionId(0).addIsr(2).setLeader(2).setLeaderEpoch(1)
                .setPartitionEpoch(1).setLastKnownLeader(-1)).build());

        MetadataImage after = delta.apply(8);

        assertEquals(Set.of(1), delta.changedBrokers().keySet());
        assertEquals(Set.of(0), delta.changedTopics().get(ORDERS).changedPartitions().keySet());
        assertEquals(new PartitionRegistration(List.of(1, 2), List.of(2), 2, 1, 1, -1), after.topic("orders").partition(0));
        assertEquals(1, before.topic("orders").partition(0).leader(), "the old image is untouched");
        assertSame(before.topic("orders").partition(1), after.topic("orders").partition(1), "unchanged parts are shared");

        MetadataDelta removal = new MetadataDelta(after);
        removal.replay(MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder()
                .setTopicId(Uuids.toProto(ORDERS))).build());
        MetadataImage removed = removal.apply(9);
        assertNull(removed.topic("orders"));
        assertEquals("orders", removal.removedTopics().get(ORDERS).name());
    }

    private static MetadataRecord credential(String user, ScramMechanism mechanism, int iterations) {
        return ImageRecords.scramCredentialRecord(user, mechanism, new ScramCredentialData(
                ByteString.copyFromUtf8("salt"), ByteString.copyFromUtf8("stored"), ByteString.copyFromUtf8("server"),
                iterations));
    }

    private static MetadataRecord removeCredential(String user, ScramMechanism mechanism) {
        return MetadataRecord.newBuilder().setRemoveUserScramCredential(RemoveUserScramCredentialRecord.newBuilder()
                .setName(user).setMechanism(mechanism)).build();
    }

    @Test
    void scramCredentialsAreKeptPerUserAndMechanismAndAUserGoesWithItsLastOne() {
        MetadataDelta delta = new MetadataDelta(cluster());
        delta.replay(credential("alice", ScramMechanism.SCRAM_SHA_256, 8192));
        delta.replay(credential("alice", ScramMechanism.SCRAM_SHA_512, 5000));
        delta.replay(credential("bob", ScramMechanism.SCRAM_SHA_256, 4096));
        MetadataImage both = delta.apply(20);
        assertEquals(Set.of(ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512),
                both.scramCredentials().get("alice").keySet());
        assertEquals(5000, both.scramCredential("alice", ScramMechanism.SCRAM_SHA_512).iterations(), "replaced");
        assertEquals(Set.of("alice", "bob"), delta.changedScramUsers().keySet());

        MetadataDelta removal = new MetadataDelta(both);
        removal.replay(removeCredential("alice", ScramMechanism.SCRAM_SHA_512));
        removal.replay(removeCredential("bob", ScramMechanism.SCRAM_SHA_256));
        MetadataImage after = removal.apply(21);
        assertEquals(Set.of(ScramMechanism.SCRAM_SHA_256), after.scramCredentials().get("alice").keySet());
        assertNull(after.scramCredential("alice", ScramMechanism.SCRAM_SHA_512));
        assertFalse(after.scramCredentials().containsKey("bob"), "a user with no credential left is gone");
        assertTrue(removal.changedScramUsers().get("bob").isEmpty());
        assertEquals(Set.of("alice", "bob"), both.scramCredentials().keySet(), "the image before is unchanged");
    }

    /** A client quota record: {@code key} set to {@code value}, or removed if it is null. */
    private static MetadataRecord quota(ClientQuotaEntity entity, String key, Double value) {
        ClientQuotaRecord.Builder record = ClientQuotaRecord.newBuilder().addAllEntity(entity.toRecord()).setKey(key);
        if (value != null) {
            record.setValue(value);
        }
        return MetadataRecord.newBuilder().setClientQuota(record).build();
    }

    @Test
    void clientQuotasAreKeptPerEntityAndKeyAndAnEntityGoesWithItsLastOne() {
        MetadataDelta delta = new MetadataDelta(cluster());
        ClientQuotaEntity bob = ClientQuotaEntity.user("bob");
        delta.replay(quota(bob, "producer_byte_rate", 100.0));
        delta.replay(quota(bob, "consumer_byte_rate", 200.0));
        delta.replay(quota(bob, "producer_byte_rate", 300.0));
        // The same entity with its parts in the other order.
        delta.replay(MetadataRecord.newBuilder().setClientQuota(ClientQuotaRecord.newBuilder()
                .addEntity(ClientQuotaEntityPart.newBuilder().setEntityType(ClientQuotaEntity.USER).setEntityName("alice"))
                .addEntity(ClientQuotaEntityPart.newBuilder().setEntityType(ClientQuotaEntity.CLIENT_ID))
                .setKey("consumer_byte_rate").setValue(50)).build());
        MetadataImage set = delta.apply(20);
        assertEquals(Map.of("producer_byte_rate", 300.0, "consumer_byte_rate", 200.0), set.clientQuotas().get(bob));
        assertEquals(Map.of("producer_byte_rate", 1024.0, "consumer_byte_rate", 50.0),
                set.clientQuotas().get(ClientQuotaEntity.userAndClientId("alice", null)));
        assertFalse(set.clientQuotas().containsKey(ClientQuotaEntity.user(null)), "the default user is an entity of its own");

        MetadataDelta removal = new MetadataDelta(set);
        removal.replay(quota(bob, "producer_byte_rate", null));
        removal.replay(quota(bob, "consumer_byte_rate", null));
        removal.replay(quota(ClientQuotaEntity.clientId(null), "request_percentage", null));
        MetadataImage after = removal.apply(21);
        assertFalse(after.clientQuotas().containsKey(bob), "an entity with no quota left is gone");
        assertFalse(after.clientQuotas().containsKey(ClientQuotaEntity.clientId(null)));
        assertEquals(Set.of(bob, ClientQuotaEntity.clientId(null)), removal.changedClientQuotas().keySet());
        assertEquals(2, set.clientQuotas().get(bob).size(), "the image before is unchanged");
    }

    @Test
    void recordsThatDoNotHoldAreRefused() {
        MetadataImage image = cluster();
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(MetadataRecord.newBuilder()
                .setTopic(TopicRecord.newBuilder().setName("orders").setTopicId(Uuids.toProto(UUID.randomUUID())))
                .build()), "a second topic of the same name");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(unfence(2, 99)),
                "a stale broker epoch");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(MetadataRecord.newBuilder()
                .setPartitionChange(PartitionChangeRecord.newBuilder().setTopicId(Uuids.toProto(ORDERS))
                        .setPartitionId(0).setLeader(2).setPartitionEpoch(5)).build()), "a skipped partition epoch");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(partition(0, 1, List.of(1))),
                "an existing partition");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(MetadataRecord.newBuilder()
                .setProducerIds(ProducerIdsRecord.newBuilder().setNextProducerId(10)).build()), "producer ids backwards");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(
                removeCredential("alice", ScramMechanism.SCRAM_SHA_256)), "a credential the user does not have");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(
                credential("alice", ScramMechanism.SCRAM_MECHANISM_UNKNOWN, 4096)), "an unknown mechanism");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(
                credential("", ScramMechanism.SCRAM_SHA_256, 4096)), "no user name");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(
                quota(new ClientQuotaEntity(List.of()), "producer_byte_rate", 1.0)), "a quota of no entity");
    }

    @Test
    void anImageWrittenAsRecordsRebuildsItself() {
        MetadataImage image = cluster();
        MetadataDelta rebuilt = new MetadataDelta(MetadataImage.EMPTY);

        rebuilt.replay(ImageRecords.of(image));

        MetadataImage copy = rebuilt.apply(image.offset());
        assertEquals(image.brokers(), copy.brokers());
        assertEquals(image.topicsById(), copy.topicsById());
        assertEquals(image.configs(), copy.configs());
        assertEquals(image.nextProducerId(), copy.nextProducerId());
        assertEquals(image.acls(), copy.acls());
        assertEquals(image.scramCredentials(), copy.scramCredentials());
        assertEquals(image.clientQuotas(), copy.clientQuotas());
        assertEquals(2, copy.clientQuotas().size());
        assertEquals(4096, copy.scramCredential("alice", ScramMechanism.SCRAM_SHA_512).iterations());
        assertFalse(copy.broker(1).fenced());
        assertEquals(9197, copy.broker(1).http().getPort());
        assertEquals(ImageRecords.of(image), ImageRecords.of(copy));
    }

    private static MetadataRecord reassigning(int partitionEpoch, List<Integer> isr, List<Integer> replicas,
                                              List<Integer> adding, List<Integer> removing) {
        return MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord.newBuilder()
                .setTopicId(Uuids.toProto(ORDERS)).setPartitionId(0).addAllIsr(isr).setLeader(1).setLeaderEpoch(0)
                .setPartitionEpoch(partitionEpoch).setLastKnownLeader(-1).setAssignment(ReplicaAssignment.newBuilder()
                        .addAllReplicas(replicas).addAllAddingReplicas(adding).addAllRemovingReplicas(removing)))
                .build();
    }

    @Test
    void aReassignmentIsInThePartitionsRecordsKeptByLaterChangesAndInSnapshots() {
        MetadataDelta delta = new MetadataDelta(cluster());
        delta.replay(register(3, 12));
        delta.replay(reassigning(1, List.of(1, 2), List.of(1, 3, 2), List.of(3), List.of(2)));
        delta.replay(MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord.newBuilder()
                .setTopicId(Uuids.toProto(ORDERS)).setPartitionId(0).addAllIsr(List.of(1, 2, 3)).setLeader(1)
                .setLeaderEpoch(0).setPartitionEpoch(2).setLastKnownLeader(-1)).build());
        MetadataImage moving = delta.apply(8);

        PartitionRegistration partition = moving.topic("orders").partition(0);
        assertEquals(new PartitionRegistration(List.of(1, 3, 2), List.of(1, 2, 3), 1, 0, 2, -1, List.of(3), List.of(2)),
                partition, "a change without an assignment keeps the replicas and the reassignment");
        assertTrue(partition.isReassigning());
        assertFalse(moving.topic("orders").partition(1).isReassigning());
        MetadataDelta rebuilt = new MetadataDelta(MetadataImage.EMPTY);
        rebuilt.replay(ImageRecords.of(moving));
        assertEquals(moving.topicsById(), rebuilt.apply(8).topicsById(), "a snapshot keeps the reassignment");

        MetadataDelta done = new MetadataDelta(moving);
        done.replay(reassigning(3, List.of(1, 3), List.of(1, 3), List.of(), List.of()));
        assertFalse(done.apply(9).topic("orders").partition(0).isReassigning());
    }

    @Test
    void anAssignmentThatContradictsItselfDoesNotApply() {
        MetadataImage image = cluster();
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(
                reassigning(1, List.of(1), List.of(1, 2), List.of(3), List.of())), "adding a non-replica");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(
                reassigning(1, List.of(1), List.of(1, 2), List.of(2), List.of(2))), "adding and removing one replica");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(
                reassigning(1, List.of(1, 2), List.of(1), List.of(), List.of())), "an ISR member that is no replica");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(
                reassigning(1, List.of(), List.of(2), List.of(), List.of())), "a leader that is no replica");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(
                reassigning(1, List.of(1), List.of(1, 1), List.of(), List.of())), "a replica twice");
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(image).replay(
                reassigning(1, List.of(), List.of(), List.of(), List.of())), "no replica");
    }

    @Test
    void aBrokerFencedByItsControlledShutdownIsShuttingDownUntilItRegistersAgain() {
        MetadataDelta delta = new MetadataDelta(cluster());
        delta.replay(MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder().setBrokerId(1)
                .setBrokerEpoch(10).setControlledShutdown(true)).build());
        MetadataImage stopping = delta.apply(8);
        assertTrue(stopping.broker(1).fenced() && stopping.broker(1).shuttingDown());
        assertFalse(stopping.broker(2).shuttingDown(), "fenced since it registered, not by a shutdown");

        MetadataDelta rebuilt = new MetadataDelta(MetadataImage.EMPTY);
        rebuilt.replay(ImageRecords.of(stopping));
        assertEquals(stopping.brokers(), rebuilt.apply(8).brokers(), "a snapshot keeps the shutdown");

        MetadataDelta back = new MetadataDelta(stopping);
        back.replay(register(1, 12));
        assertFalse(back.apply(9).broker(1).shuttingDown());
    }
}
