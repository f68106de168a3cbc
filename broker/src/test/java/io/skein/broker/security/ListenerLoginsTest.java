package io.skein.broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Optional;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;

/**
 * Where the node's own listeners take a password: over TLS or on loopback only; elsewhere a call that
 * sends one is refused before it is checked, and a call without one is anonymous. (Passwords checked
 * against SCRAM credentials, over TLS and on loopback, are the admin API's and console's tests.)
 */
class ListenerLoginsTest {
    private static final String ALICE = new BasicCredentials("alice", "alice-secret").header();

    /** A plaintext listener; its passwords are never looked at here. */
    private static ListenerLogins plaintext(boolean loopback) {
        return new ListenerLogins("ADMIN", new PasswordLogins(() -> {
            throw new AssertionError("a password checked where none is taken");
        }), Optional.empty(), loopback, 0);
    }

    @Test
    void aPlaintextListenerOffLoopbackRefusesCredentialsUnchecked() throws Exception {
        InetAddress client = InetAddress.getByName("192.0.2.7");
        ListenerLogins everyInterface = plaintext(false);
        assertFalse(everyInterface.takesCredentials());
        SaslAuthenticationException refused = assertThrows(SaslAuthenticationException.class,
                () -> everyInterface.identify(ALICE, null, client));
        assertTrue(refused.getMessage().contains("only over TLS"), refused.getMessage());
        Caller anonymous = everyInterface.identify(null, null, client);
        assertEquals(KafkaPrincipal.ANONYMOUS, anonymous.principal());
        assertEquals(client, anonymous.address());
    }

    @Test
    void loopbackIsTheListenersAddressNotTheClients() {
        assertTrue(plaintext(true).takesCredentials());
        assertTrue(ListenerLogins.isLoopback("127.0.0.1"));
        assertTrue(ListenerLogins.isLoopback("localhost"));
        assertTrue(ListenerLogins.isLoopback("::1"));
        assertFalse(ListenerLogins.isLoopback(""), "every interface");
        assertFalse(ListenerLogins.isLoopback("192.0.2.7"));
    }

    @Test
    void basicCredentialsAreUserColonPasswordInUtf8() {
        BasicCredentials parsed = BasicCredentials.parse("basic " + ALICE.substring("Basic ".length()));
        assertEquals(new BasicCredentials("alice", "alice-secret"), parsed);
        assertEquals("pässwörd:with:colons", BasicCredentials.parse(new BasicCredentials("bob",
                "pässwörd:with:colons").header()).password());
        assertThrows(SaslAuthenticationException.class, () -> BasicCredentials.parse("Bearer abc"));
        assertThrows(SaslAuthenticationException.class, () -> BasicCredentials.parse("Basic !!!"));
        assertThrows(IllegalArgumentException.class, () -> new BasicCredentials("a:b", "c"));
    }
}
