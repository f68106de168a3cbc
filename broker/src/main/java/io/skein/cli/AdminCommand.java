package io.skein.cli;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.skein.metadata.tls.GrpcTls;
import io.skein.proto.admin.AdminServiceGrpc;
import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A command that calls the admin API of a node: it connects (over TLS if {@code --command-config}
 * says so), runs, and turns a failed call into a message (or a JSON error) and exit code 1.
 */
abstract class AdminCommand implements Callable<Integer> {
    static final long CALL_TIMEOUT_SECONDS = 60;

    @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "${env:SKEIN_ADMIN:-127.0.0.1:9093}",
            description = "A node's admin API (default: $SKEIN_ADMIN, else ${DEFAULT-VALUE})")
    String admin;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (for people) or json (for scripts); default: ${DEFAULT-VALUE}")
    Output.Format output;

    @Mixin
    CommandConfig commandConfig;

    /** Calls the admin API and prints the answer; returns the exit code. */
    abstract int run(AdminServiceBlockingStub admin);

    @Override
    public final Integer call() {
        ManagedChannel channel = commandConfig.adminChannel(admin);
        try {
            return run(AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_TIMEOUT_SECONDS,
                    TimeUnit.SECONDS));
        } catch (StatusRuntimeException e) {
            printError(e);
            return 1;
        } finally {
            channel.shutdownNow();
        }
    }

    boolean json() {
        return output == Output.Format.JSON;
    }

    /** Prints {@code response} as JSON, or else {@code table}. */
    int print(MessageOrBuilder response, String table) {
        System.out.print(json() ? Output.json(response) + "\n" : table);
        return 0;
    }

    /** A line saying what the command waits for, on stderr so that it stays out of piped output. */
    void progress(String line) {
        System.err.println(line);
    }

    /** What failed, for a person: the call's own message, or how to reach the admin API when it could not. */
    String message(StatusRuntimeException e) {
        String reason = reason(e);
        String message = e.getStatus().getDescription() != null ? e.getStatus().getDescription() : e.getStatus().toString();
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE && reason.equals("UNAVAILABLE")) {
            message = "Cannot reach the admin API at " + admin + " (" + message + GrpcTls.transportCause(e) + "): start a "
                    + "node, or point --admin or SKEIN_ADMIN at one (and if it serves TLS, give --command-config)";
        } else if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && reason.equals("DEADLINE_EXCEEDED")) {
            message = "No answer from " + admin + " within " + CALL_TIMEOUT_SECONDS + " s";
        }
        return message;
    }

    private void printError(StatusRuntimeException e) {
        String reason = reason(e);
        String message = message(e);
        if (json()) {
            Map<String, String> error = new LinkedHashMap<>();
            error.put("code", e.getStatus().getCode().name());
            error.put("reason", reason);
            error.put("message", message);
            System.out.println(Output.json(Map.of("error", error)));
        } else {
            System.err.println("Error: " + reason + ": " + message);
        }
    }

    /** The Kafka error name the server put in the status, else the status code's name. */
    static String reason(StatusRuntimeException e) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        if (status != null) {
            for (Any detail : status.getDetailsList()) {
                if (detail.is(ErrorInfo.class)) {
                    try {
                        return detail.unpack(ErrorInfo.class).getReason();
                    } catch (InvalidProtocolBufferException ignored) {
                        // fall through to the status code
                    }
                }
            }
        }
        return e.getStatus().getCode().name();
    }
}
