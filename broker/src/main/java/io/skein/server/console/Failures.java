package io.skein.server.console;

import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;
import org.eclipse.jetty.http.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A failed request as the page shows it: the HTTP status, a title, and the message, which for a Kafka
 * error is the cluster's own words with the error's name (as {@code skein} prints it). Anything else is
 * a bug: the page says so and the node's log has the stack trace, which a page never shows.
 */
final class Failures {
    private static final Logger log = LoggerFactory.getLogger(Failures.class);
    private static final Set<Errors> NOT_FOUND = Set.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.UNKNOWN_TOPIC_ID,
            Errors.GROUP_ID_NOT_FOUND);

    private Failures() {
    }

    /** What the page says of {@code failure}. */
    record Shown(int status, String title, String message) {
    }

    static Shown shown(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof BadInput) {
            return new Shown(HttpStatus.BAD_REQUEST_400, "Cannot do that", cause.getMessage());
        }
        if (cause instanceof TimeoutException) {
            return new Shown(HttpStatus.GATEWAY_TIMEOUT_504, "Timed out",
                    "The cluster did not answer in time; try again.");
        }
        if (cause instanceof ApiException api) {
            Errors error = Errors.forException(api);
            String message = (api.getMessage() == null ? error.message() : api.getMessage()) + " (" + error.name() + ")";
            if (api instanceof AuthenticationException) {
                return new Shown(HttpStatus.UNAUTHORIZED_401, "Not logged in", message);
            }
            if (api instanceof AuthorizationException) {
                return new Shown(HttpStatus.FORBIDDEN_403, "Not allowed", message);
            }
            if (NOT_FOUND.contains(error)) {
                return new Shown(HttpStatus.NOT_FOUND_404, "Not found", message);
            }
            if (error == Errors.REQUEST_TIMED_OUT || api instanceof org.apache.kafka.common.errors.TimeoutException) {
                return new Shown(HttpStatus.GATEWAY_TIMEOUT_504, "Timed out", message);
            }
            if (api instanceof RetriableException) {
                return new Shown(HttpStatus.SERVICE_UNAVAILABLE_503, "Unavailable", message);
            }
            if (error.name().startsWith("INVALID_") || error == Errors.OFFSET_OUT_OF_RANGE
                    || error == Errors.POLICY_VIOLATION) {
                return new Shown(HttpStatus.BAD_REQUEST_400, "Cannot do that", message);
            }
            return new Shown(HttpStatus.CONFLICT_409, "Refused", message);
        }
        log.warn("A console page failed", cause);
        return new Shown(HttpStatus.INTERNAL_SERVER_ERROR_500, "Internal error",
                "Something went wrong inside the node (" + cause.getClass().getSimpleName() + "); its log has the details.");
    }
}
