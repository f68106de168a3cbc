package io.skein.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.skein.broker.group.GroupCoordinator;
import io.skein.broker.txn.TransactionCoordinator;

/**
 * {@code skein_coordinator_loaded_shards{coordinator="group"|"transaction"}}: the partitions of
 * {@code __consumer_offsets} and {@code __transaction_state} whose state this broker has loaded and
 * serves, read when scraped.
 */
public final class CoordinatorCollector implements MultiCollector {
    private final GroupCoordinator groups;
    private final TransactionCoordinator transactions;

    public CoordinatorCollector(GroupCoordinator groups, TransactionCoordinator transactions) {
        this.groups = groups;
        this.transactions = transactions;
    }

    @Override
    public MetricSnapshots collect() {
        return new MetricSnapshots(GaugeSnapshot.builder().name("skein_coordinator_loaded_shards")
                .help("Coordinator partitions whose state this broker has loaded and serves")
                .dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("coordinator", "group"))
                        .value(groups.loadedShards()).build())
                .dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("coordinator", "transaction"))
                        .value(transactions.loadedShards()).build())
                .build());
    }
}
