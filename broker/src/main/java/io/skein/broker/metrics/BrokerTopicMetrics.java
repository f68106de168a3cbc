package io.skein.broker.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Kafka's {@code kafka.server:type=BrokerTopicMetrics} meters, under the names Prometheus'
 * jmx_exporter gives them with its Kafka rules: {@code kafka_server_brokertopicmetrics_messagesin_total},
 * {@code ..._bytesin_total} and {@code ..._bytesout_total}, once for the broker (no label) and once
 * per topic ({@code topic}), as Kafka registers both; and the replication traffic, for the broker only.
 *
 * <p>Counted once per batch or read, never per record: a partition keeps its topic's
 * {@link Topic} from its creation, so the hot path adds to a few {@link LongAdder}s and looks
 * nothing up.
 */
public final class BrokerTopicMetrics implements MultiCollector {
    private static final String PREFIX = "kafka_server_brokertopicmetrics_";

    /** One topic's meters; each also adds to the broker's. */
    public static final class Topic {
        private final Topic all;
        private final LongAdder messagesIn = new LongAdder();
        private final LongAdder bytesIn = new LongAdder();
        private final LongAdder bytesOut = new LongAdder();

        private Topic(Topic all) {
            this.all = all;
        }

        /** A leader append of {@code messages} records in {@code bytes} bytes of batches. */
        public void appended(long messages, long bytes) {
            messagesIn.add(messages);
            bytesIn.add(bytes);
            if (all != null) {
                all.appended(messages, bytes);
            }
        }

        /** {@code bytes} of records read for a consumer's fetch. */
        public void fetched(long bytes) {
            bytesOut.add(bytes);
            if (all != null) {
                all.fetched(bytes);
            }
        }
    }

    private final Topic all = new Topic(null);
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private final LongAdder replicationBytesIn = new LongAdder();
    private final LongAdder replicationBytesOut = new LongAdder();

    /** The meters of {@code topic}, created on first use. */
    public Topic topic(String topic) {
        Topic found = topics.get(topic);
        return found != null ? found : topics.computeIfAbsent(topic, name -> new Topic(all));
    }

    /** Forgets a topic this broker no longer holds, as Kafka removes its meters; the broker's totals keep it. */
    public void remove(String topic) {
        topics.remove(topic);
    }

    /** {@code bytes} of batches a follower here appended from its leader. */
    public void replicatedIn(long bytes) {
        replicationBytesIn.add(bytes);
    }

    /** {@code bytes} of records read for a follower's fetch. */
    public void replicatedOut(long bytes) {
        replicationBytesOut.add(bytes);
    }

    @Override
    public MetricSnapshots collect() {
        return new MetricSnapshots(
                perTopic("messagesin", "Records appended as leader (Kafka's MessagesInPerSec)", m -> m.messagesIn),
                perTopic("bytesin", "Bytes of record batches appended as leader, from producers and coordinators "
                        + "(Kafka's BytesInPerSec)", m -> m.bytesIn),
                perTopic("bytesout", "Bytes of records read for consumers' fetches (Kafka's BytesOutPerSec)",
                        m -> m.bytesOut),
                broker("replicationbytesin", "Bytes followers here appended from their leaders "
                        + "(Kafka's ReplicationBytesInPerSec)", replicationBytesIn),
                broker("replicationbytesout", "Bytes read for followers' fetches (Kafka's ReplicationBytesOutPerSec)",
                        replicationBytesOut));
    }

    private CounterSnapshot perTopic(String name, String help, java.util.function.Function<Topic, LongAdder> meter) {
        CounterSnapshot.Builder counter = CounterSnapshot.builder().name(PREFIX + name).help(help)
                .dataPoint(CounterDataPointSnapshot.builder().value(meter.apply(all).sum()).build());
        topics.forEach((topic, meters) -> counter.dataPoint(CounterDataPointSnapshot.builder()
                .labels(Labels.of("topic", topic)).value(meter.apply(meters).sum()).build()));
        return counter.build();
    }

    private static CounterSnapshot broker(String name, String help, LongAdder meter) {
        return CounterSnapshot.builder().name(PREFIX + name).help(help)
                .dataPoint(CounterDataPointSnapshot.builder().value(meter.sum()).build()).build();
    }
}
