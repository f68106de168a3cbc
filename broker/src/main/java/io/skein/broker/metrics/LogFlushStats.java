package io.skein.broker.metrics;

import io.prometheus.metrics.core.metrics.Summary;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.skein.log.FlushListener;

/**
 * Kafka's {@code kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs}, as jmx_exporter's Kafka
 * rules name it: {@code kafka_log_logflushstats_logflushrateandtimems}, a summary of the milliseconds
 * each segment fsync of a partition log took, over the broker's logs; its {@code _count} is the
 * flush rate's counter. The log engine tells it of each fsync on the flushing thread, so a flush
 * costs one observation, however many records it made durable.
 */
public final class LogFlushStats implements FlushListener {
    private final Summary flushTime;

    public LogFlushStats(PrometheusRegistry registry) {
        flushTime = KafkaTimers.summary("kafka_log_logflushstats_logflushrateandtimems",
                "Milliseconds each fsync of a partition log's segment took (Kafka's LogFlushRateAndTimeMs)")
                .register(registry);
    }

    @Override
    public void flushed(long elapsedNanos) {
        flushTime.observe(KafkaTimers.millis(elapsedNanos));
    }
}
