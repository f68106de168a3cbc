package io.skein.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.skein.metadata.controller.ControllerServer;
import io.skein.metadata.controller.QuorumController;
import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.metadata.quorum.QuorumState;
import io.skein.metadata.quorum.VoterState;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * A controller's gauges, read when scraped. Kafka's {@code kafka.controller:type=KafkaController}
 * gauges under jmx_exporter's names: {@code ..._activecontrollercount} (1 on the active controller
 * only, so their sum over the quorum is 1) and, as KRaft's controllers all report them from the
 * metadata they apply, the cluster's topic, partition, offline, imbalance and broker counts. And
 * Skein's own view of its Ratis quorum ({@code skein_metadata_quorum_*}): this voter's role, term,
 * commit and applied index, and on the leader how far each other voter is behind; and how the probes
 * of brokers suspected of being gone came out ({@code skein_controller_broker_probes_total}).
 */
public final class ControllerCollector implements MultiCollector {
    private static final String KAFKA = "kafka_controller_kafkacontroller_";
    private static final String QUORUM = "skein_metadata_quorum_";
    private static final List<String> ROLES = List.of("leader", "follower", "candidate", "listener");

    private final ControllerServer controller;

    public ControllerCollector(ControllerServer controller) {
        this.controller = controller;
    }

    @Override
    public MetricSnapshots collect() {
        MetadataImage image = controller.quorum().image();
        List<PartitionRegistration> partitions = image.topicsById().values().stream()
                .flatMap((TopicImage t) -> t.partitions().values().stream()).toList();
        VoterState self = controller.quorum().describeSelf();
        String role = self.role().toLowerCase(Locale.ROOT);
        GaugeSnapshot.Builder roles = GaugeSnapshot.builder().name(QUORUM + "role")
                .help("1 for this voter's Raft role in the metadata quorum, 0 for the others");
        ROLES.forEach(r -> roles.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("role", r))
                .value(r.equals(role) ? 1 : 0).build()));
        GaugeSnapshot.Builder lag = GaugeSnapshot.builder().name(QUORUM + "voter_lag")
                .help("On the quorum leader: log entries each other voter is known to lack below the commit index");
        if (role.equals("leader")) {
            QuorumState quorum = controller.quorum().describe();
            quorum.voters().stream().filter(v -> v.nodeId() != self.nodeId() && v.logEndIndex() >= 0)
                    .forEach(v -> lag.dataPoint(GaugeDataPointSnapshot.builder()
                            .labels(Labels.of("voter", Integer.toString(v.nodeId())))
                            .value(Math.max(0, quorum.commitIndex() - v.logEndIndex())).build()));
        }
        QuorumController.BrokerProbes probes = controller.controller().brokerProbes();
        CounterSnapshot probeCounts = CounterSnapshot.builder().name("skein_controller_broker_probes")
                .help("Probes of the listeners of brokers suspected of being gone (their metadata stream lost its "
                        + "connection, or this controller took over): accepted, the broker kept its session; refused, "
                        + "it was fenced as gone")
                .dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("outcome", "accepted"))
                        .value(probes.accepted()).build())
                .dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("outcome", "refused"))
                        .value(probes.refused()).build())
                .build();
        return new MetricSnapshots(
                Gauges.single(KAFKA + "activecontrollercount", "1 on the active controller, 0 on the other controllers",
                        controller.controller().isActive() ? 1 : 0),
                Gauges.single(KAFKA + "globaltopiccount", "Topics in the cluster", image.topicsById().size()),
                Gauges.single(KAFKA + "globalpartitioncount", "Partitions in the cluster", partitions.size()),
                Gauges.single(KAFKA + "offlinepartitionscount", "Partitions without a leader",
                        count(partitions, p -> !p.hasLeader())),
                Gauges.single(KAFKA + "preferredreplicaimbalancecount", "Partitions whose leader is not their preferred replica",
                        count(partitions, p -> p.hasLeader() && p.leader() != p.replicas().get(0))),
                Gauges.single(KAFKA + "activebrokercount", "Registered brokers that are not fenced",
                        image.brokers().values().stream().filter(b -> !b.fenced()).count()),
                Gauges.single(KAFKA + "fencedbrokercount", "Registered brokers that are fenced",
                        image.brokers().values().stream().filter(BrokerRegistration::fenced).count()),
                roles.build(),
                Gauges.single(QUORUM + "term", "The Raft term this voter is in", self.term()),
                Gauges.single(QUORUM + "leader_id", "Node id of the quorum leader (the active controller), -1 for none",
                        self.leaderId()),
                Gauges.single(QUORUM + "commit_index", "Index of the last metadata log entry this voter knows committed",
                        self.commitIndex()),
                Gauges.single(QUORUM + "applied_index", "Index of the last metadata log entry this voter applied",
                        self.appliedIndex()),
                lag.build(), probeCounts);
    }

    private static long count(List<PartitionRegistration> partitions, Predicate<PartitionRegistration> which) {
        return partitions.stream().filter(which).count();
    }
}
