package io.skein.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

class RequestMetricsTest {
    @Test
    void aVersionNoReleaseKnowsIsTimedButMakesNoSeries() {
        PrometheusRegistry registry = new PrometheusRegistry();
        RequestMetrics metrics = new RequestMetrics(registry);
        metrics.completed(ApiKeys.API_VERSIONS, (short) 3, false, 1_000_000);
        metrics.completed(ApiKeys.API_VERSIONS, (short) 99, false, 1_000_000); // once lost its response: it threw
        metrics.completed(ApiKeys.API_VERSIONS, (short) -1, false, 1_000_000);

        MetricSnapshots scrape = registry.scrape();
        CounterSnapshot requests = (CounterSnapshot) scrape.stream()
                .filter(m -> m.getMetadata().getName().equals("kafka_network_requestmetrics_requests")).findFirst()
                .orElseThrow();
        assertEquals(1, requests.getDataPoints().size(), "only version 3 has a series");
        assertEquals("3", requests.getDataPoints().get(0).getLabels().get("version"));
        assertEquals(1.0, requests.getDataPoints().get(0).getValue());
        SummarySnapshot times = (SummarySnapshot) scrape.stream()
                .filter(m -> m.getMetadata().getName().equals("kafka_network_requestmetrics_totaltimems")).findFirst()
                .orElseThrow();
        assertEquals(3, times.getDataPoints().get(0).getCount(), "every request is timed");
    }
}
