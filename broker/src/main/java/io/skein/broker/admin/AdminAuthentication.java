package io.skein.broker.admin;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.skein.broker.security.BasicCredentials;
import io.skein.broker.security.Caller;
import io.skein.broker.security.ListenerLogins;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.apache.kafka.common.errors.SaslAuthenticationException;

/**
 * Who calls the admin API: every call's caller, from its {@code authorization} metadata (Basic
 * credentials of a SCRAM user), its TLS client certificate or neither ({@link ListenerLogins}), put in
 * the call's context for the methods to authorize. Wrong credentials end the call UNAUTHENTICATED
 * (reason SASL_AUTHENTICATION_FAILED) after the failure delay, before any method runs.
 */
final class AdminAuthentication implements ServerInterceptor {
    private static final Context.Key<Caller> CALLER = Context.key("skein-admin-caller");
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of(BasicCredentials.HEADER,
            Metadata.ASCII_STRING_MARSHALLER);

    private final ListenerLogins logins;

    AdminAuthentication(ListenerLogins logins) {
        this.logins = logins;
    }

    /** The caller of the call being served, as this interceptor found it. */
    static Caller caller() {
        Caller caller = CALLER.get();
        if (caller == null) {
            throw new IllegalStateException("An admin call without a caller: AdminAuthentication must intercept it");
        }
        return caller;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                       ServerCallHandler<Q, A> next) {
        Caller caller;
        try {
            caller = logins.identify(headers.get(AUTHORIZATION),
                    call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION),
                    address(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
        } catch (SaslAuthenticationException e) {
            StatusRuntimeException refused = AdminErrors.toStatus(e);
            logins.afterFailureDelay(() -> call.close(refused.getStatus(), refused.getTrailers()));
            return new ServerCall.Listener<>() {
            };
        }
        return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
    }

    private static InetAddress address(SocketAddress remote) {
        return remote instanceof InetSocketAddress socket ? socket.getAddress() : null;
    }
}
