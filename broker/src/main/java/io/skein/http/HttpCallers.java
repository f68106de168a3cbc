package io.skein.http;

import io.skein.broker.security.Caller;
import io.skein.broker.security.ListenerLogins;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * Who sent a request to the HTTP listener, for the handlers that authorize it (the console, the
 * history's JSON): the SCRAM user of its HTTP Basic credentials, else its TLS client certificate's
 * name, else {@code User:ANONYMOUS} ({@link ListenerLogins}); and how a refusal is answered: 401 with a
 * Basic challenge where logging in could help, so that a browser asks for a user name and password,
 * else 403.
 */
public final class HttpCallers {
    /** What a 401 answer asks for: Basic credentials, in UTF-8 (RFC 7617). */
    static final String CHALLENGE = "Basic realm=\"Skein\", charset=\"UTF-8\"";

    private final ListenerLogins logins;

    public HttpCallers(ListenerLogins logins) {
        this.logins = logins;
    }

    /**
     * The request's caller, or a {@link SaslAuthenticationException} (wrong credentials, or credentials
     * where none are taken) after the failure delay, which holds no thread.
     */
    public CompletableFuture<Caller> of(Request request) {
        EndPoint.SslSessionData tls = (EndPoint.SslSessionData) request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
        InetAddress client = request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress
                socket ? socket.getAddress() : null;
        try {
            return CompletableFuture.completedFuture(logins.identify(request.getHeaders().get(HttpHeader.AUTHORIZATION),
                    tls == null ? null : tls.sslSession(), client));
        } catch (SaslAuthenticationException e) {
            CompletableFuture<Caller> refused = new CompletableFuture<>();
            logins.afterFailureDelay(() -> refused.completeExceptionally(e));
            return refused;
        }
    }

    /**
     * The status that answers a request refused with {@code status}: a 403 of a caller that sent no
     * credentials, where it could have, is 401, since logging in may let it through.
     *
     * @param caller who sent it; null if that is not known (its credentials were refused)
     */
    public int status(int status, Caller caller) {
        return status == HttpStatus.FORBIDDEN_403 && caller != null && caller.anonymous() && logins.takesCredentials()
                ? HttpStatus.UNAUTHORIZED_401 : status;
    }

    /** The caller {@code caller} found, if it found one. */
    public static Caller found(CompletableFuture<Caller> caller) {
        return caller.isDone() && !caller.isCompletedExceptionally() ? caller.join() : null;
    }

    /** Adds to a 401 answer the challenge that has a browser ask for a user name and password. */
    public static void challenge(Response response, int status) {
        if (status == HttpStatus.UNAUTHORIZED_401) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, CHALLENGE);
        }
    }
}
