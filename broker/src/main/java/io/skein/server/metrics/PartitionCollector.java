package io.skein.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.skein.broker.replica.Partition;
import io.skein.broker.replica.ReplicaManager;
import io.skein.log.PartitionLog;
import io.skein.metadata.image.PartitionRegistration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * What a broker's partitions are, read when scraped, under jmx_exporter's names for Kafka's gauges:
 * {@code kafka.server:type=ReplicaManager} (counts over the broker), {@code kafka.cluster:type=Partition}
 * and {@code kafka.log:type=Log} (per partition, labelled {@code topic} and {@code partition}). As in
 * Kafka, the ISR gauges of a partition are its leader's: a follower reports 0.
 */
public final class PartitionCollector implements MultiCollector {
    private final ReplicaManager replicaManager;

    public PartitionCollector(ReplicaManager replicaManager) {
        this.replicaManager = replicaManager;
    }

    /** One partition's state, read once per scrape. */
    private record State(Labels labels, boolean leader, int replicas, int isr, int minIsr, PartitionLog log) {
        static State of(Partition partition) {
            PartitionRegistration registration = partition.registration();
            boolean leader = partition.isLeader() && registration != null;
            return new State(Labels.of("topic", partition.topicPartition().topic(),
                    "partition", Integer.toString(partition.topicPartition().partition())), leader,
                    leader ? registration.replicas().size() : 0, leader ? registration.isr().size() : 0,
                    leader ? partition.effectiveMinIsr() : 0, partition.log());
        }

        boolean underReplicated() {
            return leader && isr < replicas;
        }

        boolean underMinIsr() {
            return leader && isr < minIsr;
        }

        boolean atMinIsr() {
            return leader && isr == minIsr;
        }
    }

    @Override
    public MetricSnapshots collect() {
        return collect(name -> true);
    }

    /** Only the series asked for: the history samples two of them, and should not pay for the rest. */
    @Override
    public MetricSnapshots collect(Predicate<String> included) {
        List<State> states = new ArrayList<>();
        replicaManager.partitions().forEach(p -> states.add(State.of(p)));
        List<MetricSnapshot> snapshots = new ArrayList<>();
        broker(snapshots, included, "kafka_server_replicamanager_partitioncount", "Partitions with a replica here",
                states, s -> true);
        broker(snapshots, included, "kafka_server_replicamanager_leadercount", "Partitions led here",
                states, State::leader);
        broker(snapshots, included, "kafka_server_replicamanager_underreplicatedpartitions",
                "Partitions led here whose ISR lacks some of their replicas", states, State::underReplicated);
        broker(snapshots, included, "kafka_server_replicamanager_underminisrpartitioncount",
                "Partitions led here whose ISR is below min.insync.replicas", states, State::underMinIsr);
        broker(snapshots, included, "kafka_server_replicamanager_atminisrpartitioncount",
                "Partitions led here whose ISR is exactly min.insync.replicas", states, State::atMinIsr);
        perPartition(snapshots, included, states, "kafka_cluster_partition_underreplicated",
                "1 if this leader's partition lacks replicas in its ISR", s -> s.underReplicated() ? 1 : 0);
        perPartition(snapshots, included, states, "kafka_cluster_partition_underminisr",
                "1 if this leader's partition has fewer in-sync replicas than min.insync.replicas",
                s -> s.underMinIsr() ? 1 : 0);
        perPartition(snapshots, included, states, "kafka_cluster_partition_atminisr",
                "1 if this leader's partition has exactly min.insync.replicas in sync", s -> s.atMinIsr() ? 1 : 0);
        perPartition(snapshots, included, states, "kafka_cluster_partition_insyncreplicascount",
                "In-sync replicas of the partition, on its leader (0 on followers)", State::isr);
        perPartition(snapshots, included, states, "kafka_cluster_partition_replicascount",
                "Replicas of the partition, on its leader (0 on followers)", State::replicas);
        perPartition(snapshots, included, states, "kafka_log_log_size", "Bytes of the partition's log segments here",
                s -> s.log().size());
        perPartition(snapshots, included, states, "kafka_log_log_logstartoffset",
                "First offset of the partition's log here", s -> s.log().logStartOffset());
        perPartition(snapshots, included, states, "kafka_log_log_logendoffset",
                "Offset after the last record of the log here", s -> s.log().logEndOffset());
        perPartition(snapshots, included, states, "kafka_log_log_numlogsegments", "Segments of the partition's log here",
                s -> s.log().numberOfSegments());
        return new MetricSnapshots(snapshots);
    }

    /** A count over the broker's partitions of those {@code which} accepts. */
    private static void broker(List<MetricSnapshot> snapshots, Predicate<String> included, String name, String help,
                               List<State> states, Predicate<State> which) {
        if (included.test(name)) {
            snapshots.add(Gauges.single(name, help, states.stream().filter(which).count()));
        }
    }

    private static void perPartition(List<MetricSnapshot> snapshots, Predicate<String> included, List<State> states,
                                     String name, String help, ToDoubleFunction<State> value) {
        if (!included.test(name)) {
            return;
        }
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name).help(help);
        states.forEach(s -> gauge.dataPoint(GaugeDataPointSnapshot.builder().labels(s.labels())
                .value(value.applyAsDouble(s)).build()));
        snapshots.add(gauge.build());
    }
}
