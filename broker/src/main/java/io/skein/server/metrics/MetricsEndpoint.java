package io.skein.server.metrics;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics}: the node's registry in Prometheus' text format, or in OpenMetrics when the
 * scraper's {@code Accept} asks for it (as Prometheus does), written by Prometheus' own writers.
 * A collector that fails makes the scrape fail with 500 and a one-line reason, logged in full here.
 */
public final class MetricsEndpoint implements Request.Handler {
    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

    private final PrometheusRegistry registry;
    private final ExpositionFormats formats = ExpositionFormats.init();

    public MetricsEndpoint(PrometheusRegistry registry) {
        this.registry = registry;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        ExpositionFormatWriter writer = formats.findWriter(request.getHeaders().get(HttpHeader.ACCEPT));
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
        try {
            writer.write(body, registry.scrape());
        } catch (RuntimeException e) {
            log.warn("Cannot collect the metrics", e);
            Response.writeError(request, response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500,
                    "Cannot collect the metrics: " + e.getMessage());
            return true;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, writer.getContentType());
        response.write(true, ByteBuffer.wrap(body.toByteArray()), callback);
        return true;
    }
}
