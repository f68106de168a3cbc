package io.skein.server.history;

import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.server.history.Overview.PartitionHealth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Partitions' health as a broker's metadata shows it: offline (no leader, as the controller's
 * {@code OfflinePartitionsCount} counts them) and under-replicated (an ISR smaller than the replicas).
 */
final class ClusterHealth {
    private ClusterHealth() {
    }

    static long offlineCount(MetadataImage image) {
        return image.topicsById().values().stream().flatMap(t -> t.partitions().values().stream())
                .filter(p -> !p.hasLeader()).count();
    }

    /** Every offline or under-replicated partition, offline ones first, each kind by topic and partition. */
    static List<PartitionHealth> unhealthy(MetadataImage image) {
        List<PartitionHealth> found = new ArrayList<>();
        for (TopicImage topic : image.topicsById().values()) {
            topic.partitions().forEach((id, p) -> {
                if (!p.hasLeader() || underReplicated(p)) {
                    found.add(new PartitionHealth(topic.name(), id, p.leader(), p.replicas(), p.isr(), !p.hasLeader()));
                }
            });
        }
        found.sort(Comparator.comparing((PartitionHealth p) -> !p.offline()).thenComparing(PartitionHealth::topic)
                .thenComparingInt(PartitionHealth::partition));
        return found;
    }

    private static boolean underReplicated(PartitionRegistration partition) {
        return partition.isr().size() < partition.replicas().size();
    }
}
