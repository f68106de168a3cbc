package io.skein.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import java.util.function.BooleanSupplier;

/**
 * Counts leader elections as the metadata log commits them (a partition's leader changing to
 * another broker), on the active controller only, as Kafka's controller counts its elections: the
 * sum over the quorum is the cluster's. An unclean one (a leader from outside the ISR) is Kafka's
 * {@code kafka_controller_controllerstats_uncleanleaderelections_total}; every one is Skein's
 * {@code skein_controller_leader_elections_total}.
 */
public final class LeaderElections implements MetadataPublisher {
    private final BooleanSupplier active;
    private final Counter elections;
    private final Counter unclean;

    public LeaderElections(PrometheusRegistry registry, BooleanSupplier active) {
        this.active = active;
        elections = Counter.builder().name("skein_controller_leader_elections")
                .help("Partition leaders changed to another broker, committed while this controller was active")
                .withoutExemplars().register(registry);
        unclean = Counter.builder().name("kafka_controller_controllerstats_uncleanleaderelections")
                .help("Leaders elected from outside the ISR while this controller was active "
                        + "(Kafka's UncleanLeaderElectionsPerSec)")
                .withoutExemplars().register(registry);
    }

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        MetadataImage before = delta.image();
        if (before == MetadataImage.EMPTY || !active.getAsBoolean()) {
            return; // a whole image (a snapshot, or the first one) elects nobody
        }
        delta.changedTopics().forEach((id, topic) -> {
            TopicImage old = before.topic(id);
            if (old == null) {
                return; // a new topic's first leaders are placed, not elected
            }
            topic.changedPartitions().forEach((partition, now) -> {
                PartitionRegistration was = old.partition(partition);
                if (was != null && now.hasLeader() && was.leader() != now.leader()) {
                    elections.inc();
                    if (!was.isr().contains(now.leader())) {
                        unclean.inc();
                    }
                }
            });
        });
    }
}
