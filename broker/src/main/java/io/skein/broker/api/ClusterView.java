package io.skein.broker.api;

import io.skein.broker.kafka.TopicIds;
import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.metadata.Endpoint;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
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
                .flatMap(broker -> node(broker, listenerName).stream())
                .toList();
    }

    /** {@code broker}'s address on {@code listenerName}, if it has one there. */
    static Optional<Node> node(BrokerRegistration broker, String listenerName) {
        return endpoint(broker, listenerName).map(e -> new Node(broker.id(), e.getHost(), e.getPort(),
                broker.rack().isEmpty() ? null : broker.rack(), broker.fenced()));
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

    /**
     * The topics a request names, in its order, by id when {@code byId} else by name, each as the
     * image has it (null if unknown) with the name it is authorized by: its own, or the name asked
     * for if unknown, or none for an unknown id (UNKNOWN_TOPIC_ID needs no authorization: ids are not
     * secret).
     */
    <T> RequestedTopics requested(MetadataImage image, Collection<T> topics, boolean byId, Function<T, String> name,
                                  Function<T, Uuid> id) {
        List<TopicImage> found = new ArrayList<>(topics.size());
        List<String> names = new ArrayList<>(topics.size());
        for (T topic : topics) {
            TopicImage known = byId ? topic(image, id.apply(topic)).orElse(null) : image.topic(name.apply(topic));
            found.add(known);
            names.add(known != null ? known.name() : byId ? null : name.apply(topic));
        }
        return new RequestedTopics(found, names);
    }

    /** See {@link #requested}. */
    record RequestedTopics(List<TopicImage> found, List<String> names) {
        /** The names to authorize: every topic's but those of unknown ids. */
        List<String> known() {
            return names.stream().filter(Objects::nonNull).toList();
        }
    }

    /** Whether a request leaves a topic id out: versions before topic ids read it as zero. */
    static boolean isZero(Uuid id) {
        return id == null || Uuid.ZERO_UUID.equals(id);
    }

}
