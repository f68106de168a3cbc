package io.skein.metadata.image;

import io.skein.proto.metadata.ScramMechanism;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Everything the metadata log says, as of {@code offset} (the index of the last log entry applied,
 * with or without metadata records):
 * brokers, topics and partitions, configs, the next producer id to hand out, the ACLs by id, users'
 * SCRAM credentials, and client quotas. Immutable: readers hold a reference and never see half of a batch.
 *
 * @param maxBrokerEpoch   the largest broker epoch replayed since the last snapshot; new epochs are
 *                         above it and above {@code offset}, so they never repeat one given before
 * @param scramCredentials by user name, each user's credentials by mechanism (a user has at least one)
 * @param clientQuotas     by entity, each entity's quotas by key (an entity has at least one)
 */
public record MetadataImage(long offset, Map<Integer, BrokerRegistration> brokers, long maxBrokerEpoch,
                            Map<UUID, TopicImage> topicsById, Map<String, UUID> topicIdsByName,
                            Map<ConfigResource, Map<String, String>> configs, long nextProducerId,
                            Map<UUID, Acl> acls, Map<String, Map<ScramMechanism, ScramCredentialData>> scramCredentials,
                            Map<ClientQuotaEntity, Map<String, Double>> clientQuotas) {
    public static final MetadataImage EMPTY = new MetadataImage(0, Map.of(), 0, Map.of(), Map.of(), Map.of(), 0,
            Map.of(), Map.of(), Map.of());

    public MetadataImage {
        brokers = Map.copyOf(brokers);
        topicsById = Map.copyOf(topicsById);
        topicIdsByName = Map.copyOf(topicIdsByName);
        configs = Map.copyOf(configs);
        acls = Map.copyOf(acls);
        scramCredentials = Map.copyOf(scramCredentials);
        clientQuotas = Map.copyOf(clientQuotas);
    }

    /** The same image, as of a later log entry that carried no metadata records. */
    public MetadataImage withOffset(long newOffset) {
        return new MetadataImage(newOffset, brokers, maxBrokerEpoch, topicsById, topicIdsByName, configs, nextProducerId,
                acls, scramCredentials, clientQuotas);
    }

    /** {@code user}'s credential for {@code mechanism}, or null if it has none. */
    public ScramCredentialData scramCredential(String user, ScramMechanism mechanism) {
        return scramCredentials.getOrDefault(user, Map.of()).get(mechanism);
    }

    public BrokerRegistration broker(int id) {
        return brokers.get(id);
    }

    public TopicImage topic(String name) {
        UUID id = topicIdsByName.get(name);
        return id == null ? null : topicsById.get(id);
    }

    public TopicImage topic(UUID id) {
        return topicsById.get(id);
    }

    public Map<String, String> configs(ConfigResource resource) {
        return configs.getOrDefault(resource, Map.of());
    }

    /** Brokers that are registered and not fenced. */
    public List<Integer> unfencedBrokerIds() {
        return brokers.values().stream().filter(b -> !b.fenced()).map(BrokerRegistration::id).sorted().toList();
    }

    public int partitionCount() {
        return topicsById.values().stream().mapToInt(t -> t.partitions().size()).sum();
    }
}
