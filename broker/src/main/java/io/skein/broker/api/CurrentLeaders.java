package io.skein.broker.api;

import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * KIP-951's leader discovery for one response: a partition refused because this broker does not lead
 * it names the leader and leader epoch the latest image has, and the response carries that leader's
 * endpoint on the client's listener, so that a Kafka 3.7+ client sends its retry there at once,
 * without a metadata request first (its {@code Metadata.updatePartitionLeadership} takes a leader
 * whose epoch is newer than the one it knows and whose endpoint it has). As in Kafka, only a live
 * (unfenced) leader's endpoint is given, and a partition without a leader is named with -1.
 */
final class CurrentLeaders {
    /** A partition's leader and leader epoch; -1 and -1 when none is known. */
    record Leader(int id, int epoch) {
        static final Leader UNKNOWN = new Leader(-1, -1);
    }

    private final MetadataImage image;
    private final String listenerName;
    private final Map<Integer, ClusterView.Node> endpoints = new TreeMap<>();

    /** @param listenerName the listener the request came on: the endpoints given are on it */
    CurrentLeaders(MetadataImage image, String listenerName) {
        this.image = image;
        this.listenerName = listenerName;
    }

    /** The leader of {@code topic}-{@code partition}, whose endpoint {@link #endpoints} then includes if it is live. */
    Leader of(String topic, int partition) {
        TopicImage found = image.topic(topic);
        PartitionRegistration registration = found == null ? null : found.partitions().get(partition);
        if (registration == null || !registration.hasLeader()) {
            return Leader.UNKNOWN;
        }
        BrokerRegistration leader = image.broker(registration.leader());
        if (leader != null && !leader.fenced() && !endpoints.containsKey(leader.id())) {
            ClusterView.node(leader, listenerName).ifPresent(node -> endpoints.put(leader.id(), node));
        }
        return new Leader(registration.leader(), registration.leaderEpoch());
    }

    /** The endpoints of the live leaders named so far, by broker id. */
    Collection<ClusterView.Node> endpoints() {
        return endpoints.values();
    }
}
