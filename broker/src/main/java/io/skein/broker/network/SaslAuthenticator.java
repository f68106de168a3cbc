package io.skein.broker.network;

import io.skein.broker.kafka.KafkaRequest;
import io.skein.broker.kafka.SaslServers;
import java.util.concurrent.TimeUnit;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's authentication on a SASL listener, as Kafka's SaslServerAuthenticator does it:
 * ApiVersions and SaslHandshake first, then SaslAuthenticate until the mechanism's server is done;
 * any other request before that closes the connection. An unknown mechanism or a failed
 * authentication is answered with Kafka's error after {@code connection.failed.authentication.delay.ms},
 * and the connection closes. With {@code connections.max.reauth.ms}, a session ends after that long
 * (KIP-368): the client must authenticate again on the same connection, as the same principal and
 * with the same mechanism, and a request after the end, other than the SaslHandshake that starts
 * that, closes the connection.
 *
 * <p>Its state is touched only by the connection's requests, which start one at a time and in
 * order, except {@link #hasAuthenticated()}, which the event loop reads.
 */
final class SaslAuthenticator {
    private static final Logger log = LoggerFactory.getLogger(SaslAuthenticator.class);
    /** Kafka lets a client re-authenticate at most once a second. */
    private static final long MIN_REAUTH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** What the connection does with a request. */
    sealed interface Step {
    }

    /** The broker's APIs answer it, for {@code principal}. */
    record Handle(KafkaPrincipal principal) implements Step {
    }

    /** This answer, after {@code delayMs}; then the connection closes if {@code thenClose}. */
    record Answer(ApiMessage response, long delayMs, boolean thenClose) implements Step {
    }

    /** The connection closes without an answer. */
    record Close(String why) implements Step {
    }

    /** Nothing: the connection's authentication failed, and its answer and close are on their way. */
    record Ignore() implements Step {
    }

    private enum State { HANDSHAKE, AUTHENTICATE, COMPLETE, FAILED }

    private static final Handle BEFORE_AUTHENTICATION = new Handle(KafkaPrincipal.ANONYMOUS);
    private static final Ignore IGNORE = new Ignore();

    private final SaslServers servers;
    private final Object client;
    private State state = State.HANDSHAKE;
    private SaslServer server;
    /** The mechanism of the authentication under way, and of the session once complete. */
    private String mechanism;
    /** The session's principal: the Handle of every request once authenticated. */
    private Handle session;
    /** A re-authentication named another mechanism than the session's: why it fails. */
    private String badReauthMechanism;
    /** The client sent SaslAuthenticate v1+, so it knows to re-authenticate (KIP-368). */
    private boolean clientReauthenticates;
    private boolean sessionEnds;
    private long sessionEndNanos;
    private long lastReauthStartNanos;
    private volatile boolean hasAuthenticated;

    /** @param client the client's address, for the log */
    SaslAuthenticator(SaslServers servers, Object client) {
        this.servers = servers;
        this.client = client;
    }

    /** Whether the client has authenticated once on this connection: before, its frames are kept small. */
    boolean hasAuthenticated() {
        return hasAuthenticated;
    }

    /** What to do with {@code request}, which came off the socket at {@code receivedNanos}. */
    Step step(KafkaRequest request, long receivedNanos) {
        ApiKeys key = request.apiKey();
        return switch (state) {
            case FAILED -> IGNORE;
            case HANDSHAKE -> key == ApiKeys.API_VERSIONS ? BEFORE_AUTHENTICATION
                    : key == ApiKeys.SASL_HANDSHAKE ? handshake(request, receivedNanos)
                    : new Close(key + " before authenticating");
            case AUTHENTICATE -> key == ApiKeys.SASL_AUTHENTICATE ? authenticate(request)
                    : new Close(key + " during SASL authentication");
            case COMPLETE -> {
                if (key == ApiKeys.SASL_HANDSHAKE && mayReauthenticate(receivedNanos)) {
                    lastReauthStartNanos = receivedNanos;
                    yield handshake(request, receivedNanos);
                }
                if (sessionEnds && receivedNanos - sessionEndNanos >= 0) {
                    yield new Close(key + " after its session of " + servers.settings().maxReauthMs()
                            + " ms (connections.max.reauth.ms) ended");
                }
                yield session; // a SaslHandshake or SaslAuthenticate now gets ILLEGAL_SASL_STATE there, as in Kafka
            }
        };
    }

    /** As Kafka: only with sessions that end, a client that knows how, and not twice within a second. */
    private boolean mayReauthenticate(long nowNanos) {
        return sessionEnds && clientReauthenticates
                && (lastReauthStartNanos == 0 || nowNanos - lastReauthStartNanos >= MIN_REAUTH_INTERVAL_NANOS);
    }

    private boolean reauthenticating() {
        return session != null;
    }

    private Step handshake(KafkaRequest request, long receivedNanos) {
        String asked = ((SaslHandshakeRequestData) request.data()).mechanism();
        SaslHandshakeResponseData response = new SaslHandshakeResponseData().setMechanisms(servers.mechanisms());
        if (!servers.mechanisms().contains(asked)) {
            return fail(response.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code()),
                    "unsupported SASL mechanism " + asked);
        }
        if (reauthenticating() && !asked.equals(mechanism)) {
            // Kafka answers the handshake and fails the authentication that follows.
            badReauthMechanism = "SASL mechanism '" + asked + "' requested by client is not supported for "
                    + "re-authentication of mechanism '" + mechanism + "'";
        } else {
            try {
                server = servers.create(asked);
            } catch (SaslException e) {
                log.error("Cannot start {} authentication for {}", asked, client, e);
                return new Close("no " + asked + " server");
            }
            mechanism = asked;
        }
        state = State.AUTHENTICATE;
        return new Answer(response.setErrorCode(Errors.NONE.code()), 0, false);
    }

    private Step authenticate(KafkaRequest request) {
        clientReauthenticates |= request.apiVersion() > 0;
        String during = reauthenticating() ? "re-authentication" : "authentication";
        SaslAuthenticateResponseData response = new SaslAuthenticateResponseData();
        if (badReauthMechanism != null) {
            return fail(response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
                    .setErrorMessage(badReauthMechanism), badReauthMechanism);
        }
        try {
            byte[] token = server.evaluateResponse(((SaslAuthenticateRequestData) request.data()).authBytes());
            response.setErrorCode(Errors.NONE.code()).setAuthBytes(token == null ? new byte[0] : token);
            if (server.isComplete()) {
                complete(response);
            }
            return new Answer(response, 0, false);
        } catch (AuthenticationException e) { // its message is meant for the client, as in Kafka
            return fail(response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code()).setErrorMessage(e.getMessage()),
                    e.getMessage());
        } catch (SaslException | RuntimeException e) { // its message may say whether the user exists: the client is told less
            String message = "Authentication failed during " + during + " due to invalid credentials with SASL "
                    + "mechanism " + mechanism;
            return fail(response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code()).setErrorMessage(message),
                    message + " (" + e + ")");
        }
    }

    private void complete(SaslAuthenticateResponseData response) {
        KafkaPrincipal principal = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, server.getAuthorizationID());
        dispose();
        if (reauthenticating() && !principal.equals(session.principal())) {
            throw new SaslAuthenticationException("Cannot change principals during re-authentication from "
                    + session.principal().getPrincipalType() + "." + session.principal().getName() + ": "
                    + principal.getPrincipalType() + "." + principal.getName());
        }
        long lifetimeMs = servers.settings().maxReauthMs();
        sessionEnds = lifetimeMs > 0;
        sessionEndNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(lifetimeMs);
        response.setSessionLifetimeMs(lifetimeMs);
        session = new Handle(principal);
        state = State.COMPLETE;
        hasAuthenticated = true;
        log.debug("{} authenticated as {} with {}", client, principal, mechanism);
    }

    /** Answers with {@code response}, an error, after the failed-authentication delay, and closes. */
    private Step fail(ApiMessage response, String why) {
        log.info("Failed authentication with {} ({})", client, why);
        state = State.FAILED;
        dispose();
        return new Answer(response, servers.settings().failedAuthenticationDelayMs(), true);
    }

    private void dispose() {
        if (server != null) {
            try {
                server.dispose();
            } catch (SaslException e) {
                log.debug("Cannot dispose of the SASL server of {}", client, e);
            }
            server = null;
        }
    }
}
