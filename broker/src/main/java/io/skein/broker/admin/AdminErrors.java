package io.skein.broker.admin;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

/**
 * Failures of admin calls as gRPC statuses: a status code for generic tools, the Kafka error's name
 * as a {@link ErrorInfo} reason for scripts, and the message for people.
 */
final class AdminErrors {
    static final String DOMAIN = "skein.io";

    private AdminErrors() {
    }

    /** What failed, from under the wrappers of futures. */
    static Throwable cause(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    static StatusRuntimeException toStatus(Throwable failure) {
        Throwable cause = cause(failure);
        if (cause instanceof StatusRuntimeException status) {
            return status;
        }
        Errors error = Errors.forException(cause);
        String message = cause.getMessage() != null ? cause.getMessage() : error.message();
        if (!(cause instanceof ApiException)) {
            message = cause.toString();
        }
        return status(error, message);
    }

    static StatusRuntimeException status(Errors error, String message) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(code(error).value())
                .setMessage(message)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(error.name()).setDomain(DOMAIN).build()))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    private static Status.Code code(Errors error) {
        return switch (error) {
            case TOPIC_ALREADY_EXISTS, DUPLICATE_RESOURCE -> Status.Code.ALREADY_EXISTS;
            case UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, GROUP_ID_NOT_FOUND, TRANSACTIONAL_ID_NOT_FOUND,
                 RESOURCE_NOT_FOUND ->
                    Status.Code.NOT_FOUND;
            case NON_EMPTY_GROUP, GROUP_SUBSCRIBED_TO_TOPIC, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS,
                 TOPIC_DELETION_DISABLED, NOT_ENOUGH_REPLICAS, PREFERRED_LEADER_NOT_AVAILABLE,
                 ELIGIBLE_LEADERS_NOT_AVAILABLE, INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED,
                 SECURITY_DISABLED ->
                    Status.Code.FAILED_PRECONDITION;
            case UNSUPPORTED_VERSION -> Status.Code.UNIMPLEMENTED;
            case NOT_CONTROLLER, NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS,
                 LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, BROKER_NOT_AVAILABLE, NETWORK_EXCEPTION ->
                    Status.Code.UNAVAILABLE;
            case TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED,
                 TRANSACTIONAL_ID_AUTHORIZATION_FAILED ->
                    Status.Code.PERMISSION_DENIED;
            case SASL_AUTHENTICATION_FAILED -> Status.Code.UNAUTHENTICATED;
            case REQUEST_TIMED_OUT -> Status.Code.DEADLINE_EXCEEDED;
            case UNKNOWN_SERVER_ERROR -> Status.Code.INTERNAL;
            default -> Status.Code.INVALID_ARGUMENT;
        };
    }
}
