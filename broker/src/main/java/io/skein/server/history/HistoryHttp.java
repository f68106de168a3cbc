package io.skein.server.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.security.Caller;
import io.skein.http.HttpCallers;
import io.skein.http.HttpServer;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The history's JSON endpoints on the node's HTTP listener, in the shape chart libraries take
 * (sample times and, per series, values; null where none):
 * <ul>
 *   <li>{@code GET /api/history?since=MS&series=bytes_in,bytes_out&node=ID}: the cluster's figures, or one broker's;
 *   <li>{@code GET /api/groups/history?group=G&since=MS}: a group's lag and consume rate;
 *   <li>{@code GET /api/timeline?since=MS&limit=N&topic=T}: elections, ISR changes, brokers fenced, newest first;
 *   <li>{@code GET /api/overview?groups=N&partitions=N}: what {@code skein top} shows;
 *   <li>{@code GET /api/history/local?...}: this broker's own samples, for a broker gathering the cluster's.
 * </ul>
 * Answers are completed when the other brokers have, never holding an HTTP thread meanwhile. A bad
 * parameter is 400, an unknown group 404, wrong credentials or a caller without an ACL 401 or 403
 * ({@link HttpCallers}), each with {@code {"error": {"code", "message"}}}.
 */
final class HistoryHttp {
    static final String LOCAL = "/api/history/local";
    private static final Logger log = LoggerFactory.getLogger(HistoryHttp.class);

    private final ObjectMapper json;
    private final HttpCallers callers;

    HistoryHttp(ObjectMapper json, HttpCallers callers) {
        this.json = json;
        this.callers = callers;
    }

    /**
     * The cluster's figures are authorized as the admin API's history methods (GetHistory, GetGroupHistory,
     * GetTimeline, GetOverview); this broker's own samples, which the other brokers gather, are served to
     * anyone who reaches the listener, as {@code /metrics} is: they are this node's figures, as its metrics.
     */
    void route(HttpServer http, AdminAuthorization authorization, ClusterHistory cluster, LocalHistory local) {
        http.route("/api/history", handler((caller, p) -> authorization.clusterHistory(caller, "GetHistory"),
                p -> cluster.history(HttpParameters.longOf(p, "since", 0), HttpParameters.list(p, "series"),
                        p.containsKey("node") ? HttpParameters.intOf(p, "node", -1) : null)), "GET");
        http.route("/api/groups/history", handler((caller, p) -> authorization.groupHistory(caller,
                HttpParameters.required(p, "group")), p -> cluster.groupHistory(HttpParameters.required(p, "group"),
                HttpParameters.longOf(p, "since", 0))), "GET");
        http.route("/api/timeline", handler((caller, p) -> authorization.clusterHistory(caller, "GetTimeline"),
                p -> cluster.timeline(HttpParameters.longOf(p, "since", 0), HttpParameters.intOf(p, "limit", 0),
                        p.getOrDefault("topic", ""))), "GET");
        http.route("/api/overview", handler((caller, p) -> authorization.clusterHistory(caller, "GetOverview"),
                p -> cluster.overview(HttpParameters.intOf(p, "groups", 0), HttpParameters.intOf(p, "partitions", 0))),
                "GET");
        http.route(LOCAL, (request, response, callback) -> {
            answer(request, response, callback, null,
                    () -> CompletableFuture.completedFuture(local.answer(LocalQuery.of(parameters(request)))));
            return true;
        }, "GET");
    }

    /** A handler that authorizes its caller, then answers. */
    private Request.Handler handler(BiConsumer<Caller, Map<String, String>> authorize,
                                    Function<Map<String, String>, CompletableFuture<?>> answer) {
        return (request, response, callback) -> {
            CompletableFuture<Caller> caller = callers.of(request);
            answer(request, response, callback, caller, () -> caller.thenCompose(who -> {
                Map<String, String> parameters = parameters(request);
                authorize.accept(who, parameters);
                return answer.apply(parameters);
            }));
            return true;
        };
    }

    /** Writes the answer's value, or its failure (thrown at once or later), when it completes. */
    private void answer(Request request, Response response, Callback callback, CompletableFuture<Caller> caller,
                        Supplier<CompletableFuture<?>> answer) {
        CompletableFuture<?> answered;
        try {
            answered = answer.get();
        } catch (RuntimeException e) {
            answered = CompletableFuture.failedFuture(e);
        }
        answered.whenComplete((value, failure) -> {
            if (failure == null) {
                write(response, callback, HttpStatus.OK_200, value);
            } else {
                fail(request, response, callback, failure, caller == null ? null : HttpCallers.found(caller));
            }
        });
    }

    private static Map<String, String> parameters(Request request) {
        Map<String, String> parameters = new HashMap<>();
        for (Fields.Field field : Request.extractQueryParameters(request)) {
            parameters.put(field.getName(), field.getValue());
        }
        return parameters;
    }

    private void fail(Request request, Response response, Callback callback, Throwable failure, Caller caller) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        Errors error = Errors.forException(cause);
        int status = callers.status(switch (error) {
            case INVALID_REQUEST -> HttpStatus.BAD_REQUEST_400;
            case GROUP_ID_NOT_FOUND -> HttpStatus.NOT_FOUND_404;
            case BROKER_NOT_AVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE_503;
            case SASL_AUTHENTICATION_FAILED -> HttpStatus.UNAUTHORIZED_401;
            case CLUSTER_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED -> HttpStatus.FORBIDDEN_403;
            default -> HttpStatus.INTERNAL_SERVER_ERROR_500;
        }, caller);
        HttpCallers.challenge(response, status);
        if (!(cause instanceof ApiException)) {
            log.warn("Cannot answer {}", request.getHttpURI(), cause);
        }
        String message = cause instanceof ApiException ? cause.getMessage() : cause.toString();
        write(response, callback, status, Map.of("error", Map.of("code", error.name(), "message", message)));
    }

    private void write(Response response, Callback callback, int status, Object body) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            callback.failed(e);
            return;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }
}
