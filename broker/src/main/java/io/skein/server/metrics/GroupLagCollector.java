package io.skein.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.skein.broker.admin.GroupLag.PartitionLag;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer group lag, reported by each group's coordinator, under the names danielqsj/kafka_exporter
 * gives it (so its dashboards work): {@code kafka_consumergroup_current_offset} and
 * {@code kafka_consumergroup_lag} (the partition's high watermark minus the committed offset),
 * labelled {@code consumergroup}, {@code topic}, {@code partition}; and Skein's
 * {@code skein_consumergroup_lag_seconds}: how old the oldest record the group has not consumed is
 * (0 when it has consumed everything).
 *
 * <p>A scrape reads the history's latest sample of the groups this broker coordinates
 * ({@code GroupLag}, the definition DescribeGroups uses too, taken every
 * {@code metrics.history.sample.interval.ms}): it costs no read of any log or leader, and the values
 * are at most one interval old. A partition whose figure is unknown (no live leader, or it did not
 * answer) is left out.
 */
public final class GroupLagCollector implements MultiCollector {
    private final Supplier<Map<String, Map<TopicPartition, PartitionLag>>> latest;

    public GroupLagCollector(Supplier<Map<String, Map<TopicPartition, PartitionLag>>> latest) {
        this.latest = latest;
    }

    @Override
    public MetricSnapshots collect() {
        GaugeSnapshot.Builder current = gauge("kafka_consumergroup_current_offset",
                "Offset the group committed for the partition");
        GaugeSnapshot.Builder lag = gauge("kafka_consumergroup_lag",
                "The partition's high watermark minus the group's committed offset");
        GaugeSnapshot.Builder seconds = gauge("skein_consumergroup_lag_seconds",
                "Age of the oldest record the group has not consumed in the partition, 0 when it is caught up");
        new TreeMap<>(latest.get()).forEach((group, partitions) -> partitions.forEach((tp, partition) -> {
            Labels labels = Labels.of("consumergroup", group, "topic", tp.topic(),
                    "partition", Integer.toString(tp.partition()));
            if (partition.committed() >= 0) {
                current.dataPoint(point(labels, partition.committed()));
            }
            if (partition.lag() >= 0) {
                lag.dataPoint(point(labels, partition.lag()));
            }
            if (partition.lagMs() >= 0) {
                seconds.dataPoint(point(labels, partition.lagMs() / 1000.0));
            }
        }));
        return new MetricSnapshots(current.build(), lag.build(), seconds.build());
    }

    private static GaugeSnapshot.Builder gauge(String name, String help) {
        return GaugeSnapshot.builder().name(name).help(help);
    }

    private static GaugeDataPointSnapshot point(Labels labels, double value) {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
