package io.skein.broker.api;

import io.skein.broker.kafka.KafkaRequest;
import io.skein.broker.network.RequestContext;
import io.skein.broker.quota.ClientQuotas;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Client quotas applied to every answer as Kafka's request handlers apply them: a produce request's
 * size counts against its client's produce quota, a consumer's fetch response's size against its fetch
 * quota, and the time request threads spent on any request (its handler's call, not its wait in a
 * purgatory) against its request quota; the answer goes at once, with the longer of the throttle times
 * in {@code throttle_time_ms}, and the connection is then not read for that long (KIP-219). A throttled
 * fetch is answered without records, and its bytes do not count, as in Kafka. acks=0 produce requests
 * count only their bytes; followers' fetches and the other requests brokers send each other (Kafka's
 * cluster actions) count nothing. Without any quota, nothing is measured.
 */
final class RequestThrottling {
    private final ClientQuotas quotas;

    RequestThrottling(ClientQuotas quotas) {
        this.quotas = quotas;
    }

    /**
     * {@code response}, throttled if its client is over a quota.
     *
     * @param threadNanos the time the request's handler took on its request thread
     */
    CompletableFuture<ApiMessage> throttled(RequestContext context, CompletableFuture<ApiMessage> response,
                                            long threadNanos) {
        KafkaRequest request = context.request();
        if (!quotas.enabled() || request.apiKey().clusterAction || request.fetchReplicaId() >= 0) {
            return response;
        }
        return response.thenApply(message -> throttle(context, message, threadNanos));
    }

    private ApiMessage throttle(RequestContext context, ApiMessage message, long threadNanos) {
        KafkaRequest request = context.request();
        String user = context.principal().getName();
        String clientId = request.clientId() == null ? "" : request.clientId();
        int bandwidthMs = 0;
        int requestMs = 0;
        ApiMessage answer = message;
        if (request.apiKey() == ApiKeys.PRODUCE) {
            bandwidthMs = quotas.recordProduce(user, clientId, request.sizeInBytes());
            if (((ProduceRequestData) request.data()).acks() != 0) {
                requestMs = quotas.recordRequestTime(user, clientId, threadNanos);
            }
        } else {
            requestMs = quotas.recordRequestTime(user, clientId, threadNanos);
            if (request.apiKey() == ApiKeys.FETCH && message != null) {
                // A response's size is worth computing only for a client with a fetch quota.
                int bytes = quotas.fetchLimited(user, clientId) ? request.sizeOf(message) : 0;
                bandwidthMs = quotas.recordFetch(user, clientId, bytes);
                if (Math.max(bandwidthMs, requestMs) > 0) {
                    quotas.unrecordFetch(user, clientId, bytes);
                    answer = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(0);
                }
            }
        }
        int throttleMs = Math.max(bandwidthMs, requestMs);
        if (throttleMs > 0) {
            if (answer != null) {
                ThrottleTimes.set(request.apiKey(), answer, throttleMs);
            }
            context.throttle().accept(throttleMs);
        }
        return answer;
    }
}
