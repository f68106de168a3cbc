package io.skein.broker.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.SaslException;
import org.apache.kafka.common.errors.IllegalSaslStateException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFirstMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFirstMessage;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The SCRAM server against kafka-clients' own SCRAM client, and against final messages written by
 * hand: librdkafka's before 2.6.1 (its own nonce, then the combined one) logs in; every other nonce
 * that is not the combined one, a wrong password, an unknown user, another authorization id and too
 * few iterations are refused as Kafka refuses them.
 */
class ScramServerTest {
    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";

    private static ScramFormatter formatter(ScramMechanism mechanism) throws Exception {
        return new ScramFormatter(mechanism);
    }

    /** A server that knows alice, with password alice-secret at {@code iterations}. */
    private static ScramServer server(ScramMechanism mechanism, int iterations) throws Exception {
        ScramCredential alice = formatter(mechanism).generateCredential("alice-secret", iterations);
        return new ScramServer(mechanism, user -> user.equals("alice") ? alice : null);
    }

    private static ScramServer server(ScramMechanism mechanism) throws Exception {
        return server(mechanism, 4096);
    }

    private static ServerFirstMessage first(ScramServer server, String user, String authorizationId) throws Exception {
        return new ServerFirstMessage(server.evaluateResponse(clientFirstBytes(user, authorizationId)));
    }

    /** As a client writes it (kafka-clients' ClientFirstMessage.toBytes leaves out an authorization id's "a="). */
    private static byte[] clientFirstBytes(String user, String authorizationId) {
        String gs2 = authorizationId.isEmpty() ? "n,," : "n,a=" + authorizationId + ",";
        return (gs2 + "n=" + ScramFormatter.saslName(user) + ",r=" + CLIENT_NONCE).getBytes(StandardCharsets.UTF_8);
    }

    private static ClientFirstMessage clientFirst(String user, String authorizationId) throws Exception {
        return new ClientFirstMessage(clientFirstBytes(user, authorizationId));
    }

    /** The client's final message with {@code nonce}, its proof made from {@code password} over the messages as sent. */
    private static ClientFinalMessage clientFinal(ScramMechanism mechanism, ServerFirstMessage serverFirst,
                                                  String nonce, String password) throws Exception {
        ScramFormatter formatter = formatter(mechanism);
        ClientFinalMessage clientFinal = new ClientFinalMessage("n,,".getBytes(StandardCharsets.UTF_8), nonce);
        byte[] salted = formatter.saltedPassword(password, serverFirst.salt(), serverFirst.iterations());
        clientFinal.proof(formatter.clientProof(salted, clientFirst("alice", ""), serverFirst, clientFinal));
        return clientFinal;
    }

    @ParameterizedTest
    @EnumSource(ScramMechanism.class)
    void kafkaClientsOwnScramClientLogsIn(ScramMechanism mechanism) throws Exception {
        ScramServer server = server(mechanism);
        CallbackHandler alice = callbacks -> {
            for (Callback callback : callbacks) {
                if (callback instanceof NameCallback name) {
                    name.setName("alice");
                } else if (callback instanceof PasswordCallback password) {
                    password.setPassword("alice-secret".toCharArray());
                } else {
                    throw new UnsupportedCallbackException(callback);
                }
            }
        };
        ScramSaslClient client = new ScramSaslClient(mechanism, alice);
        byte[] token = client.evaluateChallenge(new byte[0]);
        while (!server.isComplete()) {
            token = client.evaluateChallenge(server.evaluateResponse(token));
        }
        assertTrue(client.isComplete(), "the client verified the server's signature");
        assertEquals("alice", server.getAuthorizationID());
        assertEquals(mechanism.mechanismName(), server.getMechanismName());
    }

    @Test
    void librdkafkasFinalNonceBefore261LogsInAndTheServersSignatureIsOverItsMessages() throws Exception {
        ScramMechanism mechanism = ScramMechanism.SCRAM_SHA_512;
        ScramServer server = server(mechanism);
        ServerFirstMessage serverFirst = first(server, "alice", "");
        ClientFinalMessage doubled = clientFinal(mechanism, serverFirst, CLIENT_NONCE + serverFirst.nonce(),
                "alice-secret");
        ServerFinalMessage answer = new ServerFinalMessage(server.evaluateResponse(doubled.toBytes()));
        assertTrue(server.isComplete());
        assertEquals("alice", server.getAuthorizationID());
        // What librdkafka checks the server's answer against: a signature over the final message it sent.
        ScramFormatter formatter = formatter(mechanism);
        byte[] serverKey = formatter.serverKey(formatter.saltedPassword("alice-secret", serverFirst.salt(),
                serverFirst.iterations()));
        assertArrayEquals(formatter.serverSignature(serverKey, clientFirst("alice", ""), serverFirst, doubled),
                answer.serverSignature());
    }

    @Test
    void anyOtherNonceIsRefused() throws Exception {
        ScramMechanism mechanism = ScramMechanism.SCRAM_SHA_512;
        ScramServer previous = server(mechanism);
        String previousNonce = first(previous, "alice", "").nonce();
        // %s: this exchange's combined nonce. Kafka 3.9 took the first two (they end with it); Kafka 4 and Skein do not.
        for (String nonce : new String[] {"x%s", CLIENT_NONCE + "x%s", "%sx", CLIENT_NONCE, previousNonce}) {
            ScramServer server = server(mechanism);
            ServerFirstMessage serverFirst = first(server, "alice", "");
            String sent = nonce.replace("%s", serverFirst.nonce());
            ClientFinalMessage clientFinal = clientFinal(mechanism, serverFirst, sent, "alice-secret");
            SaslException refused = assertThrows(SaslException.class,
                    () -> server.evaluateResponse(clientFinal.toBytes()), sent);
            assertEquals("Invalid client nonce in the final client message.", refused.getMessage());
            assertFalse(server.isComplete());
            assertThrows(IllegalSaslStateException.class, () -> server.evaluateResponse(clientFinal.toBytes()),
                    "a failed exchange takes no more messages");
        }
    }

    @Test
    void aWrongPasswordAnUnknownUserAnotherAuthorizationIdAndTooFewIterationsAreRefused() throws Exception {
        ScramMechanism mechanism = ScramMechanism.SCRAM_SHA_256;
        ScramServer server = server(mechanism);
        ServerFirstMessage serverFirst = first(server, "alice", "");
        ClientFinalMessage wrong = clientFinal(mechanism, serverFirst, serverFirst.nonce(), "not-alice-secret");
        assertEquals("Invalid client credentials", assertThrows(SaslException.class,
                () -> server.evaluateResponse(wrong.toBytes())).getMessage());
        assertFalse(server.isComplete());

        assertThrows(SaslException.class, () -> first(server(mechanism), "mallory", ""), "an unknown user");
        SaslAuthenticationException other = assertThrows(SaslAuthenticationException.class,
                () -> first(server(mechanism), "alice", "bob"));
        assertEquals("Authentication failed: Client requested an authorization id that is different from username",
                other.getMessage(), "told to the client, as Kafka tells it");
        assertThrows(SaslException.class, () -> first(server(mechanism, 1024), "alice", ""), "below 4096 iterations");
        assertThrows(SaslException.class, () -> server(mechanism).evaluateResponse(new ClientFirstMessage(
                "alice", CLIENT_NONCE, Map.of("tokenauth", "true")).toBytes()), "Skein has no delegation tokens");
    }
}
