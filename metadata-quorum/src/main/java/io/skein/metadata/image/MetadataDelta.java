package io.skein.metadata.image;

import io.skein.proto.Uuids;
import io.skein.proto.metadata.AccessControlEntryRecord;
import io.skein.proto.metadata.ClientQuotaRecord;
import io.skein.proto.metadata.ConfigRecord;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.MetadataRecordBatch;
import io.skein.proto.metadata.PartitionChangeRecord;
import io.skein.proto.metadata.PartitionRecord;
import io.skein.proto.metadata.RegisterBrokerRecord;
import io.skein.proto.metadata.RemoveUserScramCredentialRecord;
import io.skein.proto.metadata.ReplicaAssignment;
import io.skein.proto.metadata.ScramMechanism;
import io.skein.proto.metadata.TopicRecord;
import io.skein.proto.metadata.UserScramCredentialRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Records replayed on top of an image, not yet turned into the next image. Every node replays the
 * metadata log through this class, and the active controller replays its own records through it to
 * know the state they lead to, so one piece of code defines what each record means.
 *
 * <p>Replay checks what the records assume (the broker or partition exists, epochs match) and throws
 * {@link IllegalStateException} if they do not: the controller writes only records that hold, so a
 * failure is a bug and the batch is not applied.
 */
public final class MetadataDelta {
    private final MetadataImage image;
    private final Map<Integer, BrokerRegistration> changedBrokers = new HashMap<>();
    private final Map<UUID, TopicDelta> changedTopics = new LinkedHashMap<>();
    private final Map<UUID, TopicImage> removedTopics = new HashMap<>();
    private final Map<ConfigResource, Map<String, String>> changedConfigs = new HashMap<>();
    /** Users whose SCRAM credentials changed, with all of theirs afterwards (none: the user is gone). */
    private final Map<String, Map<ScramMechanism, ScramCredentialData>> changedScramUsers = new HashMap<>();
    private final Map<UUID, Acl> changedAcls = new HashMap<>();
    /** Entities whose client quotas changed, with all of theirs afterwards (none: the entity is gone). */
    private final Map<ClientQuotaEntity, Map<String, Double>> changedClientQuotas = new HashMap<>();
    private final List<MetadataRecord> records = new ArrayList<>();
    private long maxBrokerEpoch;
    private long nextProducerId;

    public MetadataDelta(MetadataImage image) {
        this.image = image;
        this.maxBrokerEpoch = image.maxBrokerEpoch();
        this.nextProducerId = image.nextProducerId();
    }

    /**
     * {@code image} with {@code records} replayed onto it, at the same offset: the active controller's
     * view of records it has appended and not yet seen committed, and of changes that build on earlier
     * ones of the same batch.
     */
    public static MetadataImage replayed(MetadataImage image, List<MetadataRecord> records) {
        if (records.isEmpty()) {
            return image;
        }
        MetadataDelta delta = new MetadataDelta(image);
        records.forEach(delta::replay);
        return delta.apply(image.offset());
    }

    /** The image these changes apply to. */
    public MetadataImage image() {
        return image;
    }

    public void replay(MetadataRecordBatch batch) {
        batch.getRecordsList().forEach(this::replay);
    }

    public void replay(MetadataRecord record) {
        records.add(record);
        switch (record.getRecordCase()) {
            case REGISTER_BROKER -> registerBroker(record.getRegisterBroker());
            case UNREGISTER_BROKER -> {
                requireBroker(record.getUnregisterBroker().getBrokerId(), record.getUnregisterBroker().getBrokerEpoch());
                changedBrokers.put(record.getUnregisterBroker().getBrokerId(), null);
            }
            case FENCE_BROKER -> setFenced(record.getFenceBroker().getBrokerId(), record.getFenceBroker().getBrokerEpoch(),
                    true, record.getFenceBroker().getControlledShutdown());
            case UNFENCE_BROKER -> setFenced(record.getUnfenceBroker().getBrokerId(),
                    record.getUnfenceBroker().getBrokerEpoch(), false, false);
            case TOPIC -> createTopic(record.getTopic());
            case PARTITION -> putPartition(record.getPartition());
            case PARTITION_CHANGE -> changePartition(record.getPartitionChange());
            case REMOVE_TOPIC -> removeTopic(Uuids.fromProto(record.getRemoveTopic().getTopicId()));
            case CONFIG -> changeConfig(record.getConfig());
            case PRODUCER_IDS -> {
                long next = record.getProducerIds().getNextProducerId();
                check(next > nextProducerId, "producer ids must move forward: " + next + " after " + nextProducerId);
                nextProducerId = next;
            }
            case ACCESS_CONTROL_ENTRY -> addAcl(record.getAccessControlEntry());
            case REMOVE_ACCESS_CONTROL_ENTRY -> {
                UUID id = Uuids.fromProto(record.getRemoveAccessControlEntry().getId());
                check(acl(id) != null, "ACL " + id + " does not exist");
                changedAcls.put(id, null);
            }
            case USER_SCRAM_CREDENTIAL -> putScramCredential(record.getUserScramCredential());
            case REMOVE_USER_SCRAM_CREDENTIAL -> removeScramCredential(record.getRemoveUserScramCredential());
            case CLIENT_QUOTA -> changeClientQuota(record.getClientQuota());
            case RECORD_NOT_SET -> throw new IllegalStateException("Empty metadata record");
        }
    }

    private void registerBroker(RegisterBrokerRecord record) {
        changedBrokers.put(record.getBrokerId(), new BrokerRegistration(record.getBrokerId(), record.getBrokerEpoch(),
                Uuids.fromProto(record.getIncarnationId()), record.getEndpointsList(), record.getHttpEndpoint(),
                record.getRack(), record.getLogDirIdsList().stream().map(Uuids::fromProto).toList(), true, false));
        maxBrokerEpoch = Math.max(maxBrokerEpoch, record.getBrokerEpoch());
    }

    private void setFenced(int brokerId, long epoch, boolean fenced, boolean shuttingDown) {
        changedBrokers.put(brokerId, requireBroker(brokerId, epoch).withFenced(fenced, shuttingDown));
    }

    private BrokerRegistration requireBroker(int brokerId, long epoch) {
        BrokerRegistration broker = broker(brokerId);
        check(broker != null && broker.epoch() == epoch, "broker " + brokerId + " with epoch " + epoch
                + " is not registered (have " + broker + ")");
        return broker;
    }

    private void createTopic(TopicRecord record) {
        UUID id = Uuids.fromProto(record.getTopicId());
        check(topicId(record.getName()) == null, "topic " + record.getName() + " exists");
        check(topic(id) == null, "topic id " + id + " exists");
        changedTopics.put(id, new TopicDelta(null, record.getName(), id));
    }

    private void putPartition(PartitionRecord record) {
        TopicDelta topic = topicDelta(Uuids.fromProto(record.getTopicId()));
        check(topic.partition(record.getPartitionId()) == null, "partition " + record.getPartitionId() + " of "
                + topic.name() + " exists");
        PartitionRegistration registration = new PartitionRegistration(record.getReplicasList(), record.getIsrList(),
                record.getLeader(), record.getLeaderEpoch(), record.getPartitionEpoch(), record.getLastKnownLeader(),
                record.getAddingReplicasList(), record.getRemovingReplicasList());
        checkAssignment(topic.name(), record.getPartitionId(), registration);
        topic.putPartition(record.getPartitionId(), registration);
    }

    private void changePartition(PartitionChangeRecord record) {
        TopicDelta topic = topicDelta(Uuids.fromProto(record.getTopicId()));
        PartitionRegistration current = topic.partition(record.getPartitionId());
        check(current != null, "partition " + record.getPartitionId() + " of " + topic.name() + " does not exist");
        check(record.getPartitionEpoch() == current.partitionEpoch() + 1, "partition epoch of " + topic.name() + "-"
                + record.getPartitionId() + " must go from " + current.partitionEpoch() + " to one above it");
        ReplicaAssignment assignment = record.hasAssignment() ? record.getAssignment() : null;
        PartitionRegistration registration = new PartitionRegistration(
                assignment == null ? current.replicas() : assignment.getReplicasList(), record.getIsrList(),
                record.getLeader(), record.getLeaderEpoch(), record.getPartitionEpoch(), record.getLastKnownLeader(),
                assignment == null ? current.addingReplicas() : assignment.getAddingReplicasList(),
                assignment == null ? current.removingReplicas() : assignment.getRemovingReplicasList());
        checkAssignment(topic.name(), record.getPartitionId(), registration);
        topic.putPartition(record.getPartitionId(), registration);
    }

    /**
     * A partition has replicas, each once; those being added and removed are among them, none both;
     * its ISR and its leader are replicas.
     */
    private static void checkAssignment(String topic, int partitionId, PartitionRegistration partition) {
        String name = topic + "-" + partitionId;
        List<Integer> replicas = partition.replicas();
        check(!replicas.isEmpty() && Set.copyOf(replicas).size() == replicas.size(), "the replicas " + replicas
                + " of " + name + " must be distinct and at least one");
        check(replicas.containsAll(partition.addingReplicas()) && replicas.containsAll(partition.removingReplicas())
                && Collections.disjoint(partition.addingReplicas(), partition.removingReplicas()), "the replicas "
                + partition.addingReplicas() + " added to and " + partition.removingReplicas() + " removed from " + name
                + " must be distinct replicas of its " + replicas);
        check(replicas.containsAll(partition.isr()) && (!partition.hasLeader() || replicas.contains(partition.leader())),
                "the ISR " + partition.isr() + " and leader " + partition.leader() + " of " + name
                        + " must be among its replicas " + replicas);
    }

    private void removeTopic(UUID id) {
        TopicImage removed = image.topic(id);
        TopicDelta created = changedTopics.remove(id);
        check(removed != null || created != null, "topic id " + id + " does not exist");
        if (removed != null) {
            removedTopics.put(id, removed);
        }
    }

    private void changeConfig(ConfigRecord record) {
        ConfigResource resource = new ConfigResource(record.getResourceType(), record.getResourceName());
        Map<String, String> configs = changedConfigs.computeIfAbsent(resource, r -> new HashMap<>(image.configs(r)));
        if (record.hasValue()) {
            configs.put(record.getName(), record.getValue());
        } else {
            configs.remove(record.getName());
        }
    }

    private void addAcl(AccessControlEntryRecord record) {
        UUID id = Uuids.fromProto(record.getId());
        check(acl(id) == null, "ACL " + id + " exists");
        changedAcls.put(id, Acl.of(record));
    }

    private Acl acl(UUID id) {
        return changedAcls.containsKey(id) ? changedAcls.get(id) : image.acls().get(id);
    }

    private void putScramCredential(UserScramCredentialRecord record) {
        check(!record.getName().isEmpty(), "a SCRAM credential needs a user name");
        check(record.getMechanism() == ScramMechanism.SCRAM_SHA_256 || record.getMechanism() == ScramMechanism.SCRAM_SHA_512,
                "unknown SCRAM mechanism " + record.getMechanismValue() + " for user " + record.getName());
        scramUser(record.getName()).put(record.getMechanism(), new ScramCredentialData(record.getSalt(),
                record.getStoredKey(), record.getServerKey(), record.getIterations()));
    }

    private void removeScramCredential(RemoveUserScramCredentialRecord record) {
        check(scramUser(record.getName()).remove(record.getMechanism()) != null, "user " + record.getName()
                + " has no " + record.getMechanism() + " credential");
    }

    private Map<ScramMechanism, ScramCredentialData> scramUser(String name) {
        return changedScramUsers.computeIfAbsent(name, user -> {
            Map<ScramMechanism, ScramCredentialData> credentials = new EnumMap<>(ScramMechanism.class);
            credentials.putAll(image.scramCredentials().getOrDefault(user, Map.of()));
            return credentials;
        });
    }

    private void changeClientQuota(ClientQuotaRecord record) {
        check(record.getEntityCount() > 0 && !record.getKey().isEmpty(), "a client quota needs an entity and a key");
        ClientQuotaEntity entity = ClientQuotaEntity.of(record.getEntityList());
        Map<String, Double> quotas = changedClientQuotas.computeIfAbsent(entity,
                e -> new HashMap<>(image.clientQuotas().getOrDefault(e, Map.of())));
        if (record.hasValue()) {
            quotas.put(record.getKey(), record.getValue());
        } else {
            quotas.remove(record.getKey());
        }
    }

    private TopicDelta topicDelta(UUID id) {
        TopicDelta delta = changedTopics.get(id);
        if (delta == null) {
            TopicImage topic = image.topic(id);
            check(topic != null && !removedTopics.containsKey(id), "topic id " + id + " does not exist");
            delta = new TopicDelta(topic, topic.name(), id);
            changedTopics.put(id, delta);
        }
        return delta;
    }

    private static void check(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalStateException("Metadata record does not apply: " + problem);
        }
    }

    /** The broker as these changes leave it, or null. */
    public BrokerRegistration broker(int id) {
        return changedBrokers.containsKey(id) ? changedBrokers.get(id) : image.broker(id);
    }

    /** The id of the topic with this name as these changes leave it, or null. */
    public UUID topicId(String name) {
        for (TopicDelta topic : changedTopics.values()) {
            if (topic.name().equals(name)) {
                return topic.id();
            }
        }
        UUID id = image.topicIdsByName().get(name);
        return id == null || removedTopics.containsKey(id) ? null : id;
    }

    TopicImage topic(UUID id) {
        return removedTopics.containsKey(id) ? null : image.topic(id);
    }

    /** The records replayed, in order. */
    public List<MetadataRecord> records() {
        return records;
    }

    /** Brokers registered, changed or (null) removed. */
    public Map<Integer, BrokerRegistration> changedBrokers() {
        return changedBrokers;
    }

    /** Topics created or with created or changed partitions. */
    public Map<UUID, TopicDelta> changedTopics() {
        return changedTopics;
    }

    /** Topics removed, as they were before. */
    public Map<UUID, TopicImage> removedTopics() {
        return removedTopics;
    }

    public Map<ConfigResource, Map<String, String>> changedConfigs() {
        return changedConfigs;
    }

    /** Users whose SCRAM credentials changed, each with all of its credentials afterwards (empty: removed). */
    public Map<String, Map<ScramMechanism, ScramCredentialData>> changedScramUsers() {
        return changedScramUsers;
    }

    /** Entities whose client quotas changed, each with all of its quotas afterwards (empty: removed). */
    public Map<ClientQuotaEntity, Map<String, Double>> changedClientQuotas() {
        return changedClientQuotas;
    }

    /** ACLs added, or (null) removed, by id. */
    public Map<UUID, Acl> changedAcls() {
        return changedAcls;
    }

    /** The image these changes lead to, as of {@code offset}. */
    public MetadataImage apply(long offset) {
        Map<Integer, BrokerRegistration> brokers = new HashMap<>(image.brokers());
        changedBrokers.forEach((id, broker) -> {
            if (broker == null) {
                brokers.remove(id);
            } else {
                brokers.put(id, broker);
            }
        });
        Map<UUID, TopicImage> topicsById = image.topicsById();
        Map<String, UUID> topicIdsByName = image.topicIdsByName();
        if (!changedTopics.isEmpty() || !removedTopics.isEmpty()) {
            topicsById = new HashMap<>(topicsById);
            topicIdsByName = new HashMap<>(topicIdsByName);
            for (TopicImage removed : removedTopics.values()) {
                topicsById.remove(removed.id());
                topicIdsByName.remove(removed.name());
            }
            for (TopicDelta changed : changedTopics.values()) {
                topicsById.put(changed.id(), changed.apply());
                topicIdsByName.put(changed.name(), changed.id());
            }
        }
        Map<UUID, Acl> acls = image.acls();
        if (!changedAcls.isEmpty()) {
            acls = new HashMap<>(acls);
            for (Map.Entry<UUID, Acl> changed : changedAcls.entrySet()) {
                if (changed.getValue() == null) {
                    acls.remove(changed.getKey());
                } else {
                    acls.put(changed.getKey(), changed.getValue());
                }
            }
        }
        return new MetadataImage(offset, brokers, maxBrokerEpoch, topicsById, topicIdsByName,
                withChanges(image.configs(), changedConfigs), nextProducerId, acls,
                withChanges(image.scramCredentials(), changedScramUsers),
                withChanges(image.clientQuotas(), changedClientQuotas));
    }

    /** {@code current} with each of {@code changed}'s entries put in its place, or removed if it is empty. */
    private static <K, X, Y> Map<K, Map<X, Y>> withChanges(Map<K, Map<X, Y>> current, Map<K, Map<X, Y>> changed) {
        if (changed.isEmpty()) {
            return current;
        }
        Map<K, Map<X, Y>> result = new HashMap<>(current);
        changed.forEach((key, entries) -> {
            if (entries.isEmpty()) {
                result.remove(key);
            } else {
                result.put(key, Map.copyOf(entries));
            }
        });
        return result;
    }
}
