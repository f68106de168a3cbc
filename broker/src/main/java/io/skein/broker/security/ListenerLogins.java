package io.skein.broker.security;

import io.skein.broker.kafka.SslPrincipals;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who calls one of the node's own listeners (the admin API, HTTP): the user whose name and password
 * the call carries ({@link BasicCredentials}, checked by {@link PasswordLogins}), else the name of its
 * TLS client certificate, else {@code User:ANONYMOUS}, as Kafka's listeners name their clients (a SASL
 * login wins over the certificate). Credentials are taken only over TLS or on a listener bound to
 * loopback, where they never cross a network in clear; elsewhere they are refused, not ignored, so a
 * client that sent them learns why nothing it may do works.
 *
 * <p>Wrong credentials fail every time the same way (an unknown user as a wrong password), reported
 * after {@code connection.failed.authentication.delay.ms} as Kafka's listeners report a failed
 * login, without a thread waiting meanwhile.
 */
public final class ListenerLogins {
    private static final Logger log = LoggerFactory.getLogger(ListenerLogins.class);
    /** Kafka's message for a failed SCRAM login, which says nothing of whether the user exists. */
    static final String INVALID = "Authentication failed: invalid user name or password";

    private final String listenerName;
    private final PasswordLogins passwords;
    private final Optional<SslPrincipals> tls;
    private final boolean loopback;
    private final long failureDelayMs;

    /**
     * @param tls      the listener's client certificate principals, if it serves TLS
     * @param loopback whether the listener is bound to a loopback address
     */
    public ListenerLogins(String listenerName, PasswordLogins passwords, Optional<SslPrincipals> tls, boolean loopback,
                          long failureDelayMs) {
        this.listenerName = listenerName;
        this.passwords = passwords;
        this.tls = tls;
        this.loopback = loopback;
        this.failureDelayMs = failureDelayMs;
    }

    /** Whether {@code host} (a listener's; empty: every interface) is a loopback address. */
    public static boolean isLoopback(String host) {
        if (host.isEmpty()) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Whether clients may send credentials here: over TLS, or on loopback. */
    public boolean takesCredentials() {
        return tls.isPresent() || loopback;
    }

    /**
     * The caller of a request.
     *
     * @param authorization the request's {@code Authorization} header (metadata); null if it has none
     * @param session       the TLS session the request came on; null on a plaintext listener
     * @throws SaslAuthenticationException if the credentials are wrong, or sent where none are taken
     */
    public Caller identify(String authorization, SSLSession session, InetAddress client) {
        if (authorization == null) {
            KafkaPrincipal principal = session == null || tls.isEmpty() ? KafkaPrincipal.ANONYMOUS
                    : tls.get().of(session, client);
            return new Caller(principal, client);
        }
        if (!takesCredentials()) {
            log.info("Refused credentials from {} on listener {}: it takes them only over TLS or on loopback",
                    client, listenerName);
            throw new SaslAuthenticationException("Authentication failed: listener " + listenerName + " takes a user "
                    + "name and password only over TLS (or bound to loopback), so that they never cross a network "
                    + "in clear");
        }
        BasicCredentials credentials = BasicCredentials.parse(authorization);
        if (!passwords.check(credentials)) {
            log.info("Failed authentication of user '{}' from {} on listener {}", credentials.user(), client,
                    listenerName);
            throw new SaslAuthenticationException(INVALID);
        }
        return new Caller(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, credentials.user()), client);
    }

    /** Runs {@code report} (the answer to a failed login) after the failure delay, with no thread waiting. */
    public void afterFailureDelay(Runnable report) {
        CompletableFuture.delayedExecutor(failureDelayMs, TimeUnit.MILLISECONDS).execute(report);
    }
}
