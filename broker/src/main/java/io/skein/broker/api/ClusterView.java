package io.skein.broker.api;

import io.skein.broker.kafka.TopicIds;
import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.metadata.Endpoint;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;

/**
 * The cluster as this broker's latest metadata image shows it, in the terms Kafka responses use:
 * brokers by the listener a client connected to, topic ids as Kafka {@link Uuid}s.
 */
record ClusterView(Supplier<MetadataImage> images, String clusterId, int brokerId) {
    /** A broker's address on one listener. */
    record Node(int id, String host, int port, String rack, boolean fenced) {
    }

    MetadataImage image() {
        return images.get();
    }

    /** Brokers with an endpoint on {@code listenerName}, by id; fenced ones only if asked for. */
    static List<Node> brokers(MetadataImage image, String listenerName, boolean includeFenced) {
        return image.brokers().values().stream()
                .filter(broker -> includeFenced || !broker.fenced())
                .sorted(Comparator.comparingInt(BrokerRegistration::id))
                .flatMap(broker -> endpoint(broker, listenerName).map(e -> new Node(broker.id(), e.getHost(),
                        e.getPort(), broker.rack().isEmpty() ? null : broker.rack(), broker.fenced())).stream())
                .toList();
    }

    private static Optional<Endpoint> endpoint(BrokerRegistration broker, String listenerName) {
        return broker.endpoints().stream().filter(e -> e.getName().equals(listenerName)).findFirst();
    }

    /**
     * The "controller" of Metadata and DescribeCluster responses: as in Kafka's KRaft mode, a random
     * live broker (-1 if none), since clients cannot reach the controllers (KIP-590) and any broker
     * forwards controller-bound requests; at random, so that clients spread them over the brokers.
     * Only brokers the client can reach on its listener are candidates.
     */
    static int controllerId(MetadataImage image, String listenerName) {
        List<Node> live = brokers(image, listenerName, false);
        return live.isEmpty() ? -1 : live.get(ThreadLocalRandom.current().nextInt(live.size())).id();
    }

    Optional<TopicImage> topic(MetadataImage image, Uuid id) {
        return Optional.ofNullable(image.topic(TopicIds.fromKafka(id)));
    }

    /** A topic named by name, or by id in the versions that name topics so (the offset APIs' latest). */
    Optional<TopicImage> topic(MetadataImage image, String name, Uuid id) {
        if (!isZero(id)) {
            return topic(image, id);
        }
        return Optional.ofNullable(name == null ? null : image.topic(name));
    }

    /** Whether a request leaves a topic id out: versions before topic ids read it as zero. */
    static boolean isZero(Uuid id) {
        return id == null || Uuid.ZERO_UUID.equals(id);
    }

}
