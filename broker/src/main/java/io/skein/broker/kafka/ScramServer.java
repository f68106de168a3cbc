package io.skein.broker.kafka;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Function;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.IllegalSaslStateException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFirstMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFirstMessage;

/**
 * The server side of one SCRAM authentication (RFC 5802, RFC 7677), on kafka-clients' own SCRAM
 * messages and formatter, with Kafka's rules and messages, and one difference from Kafka 4's
 * {@code ScramSaslServer}: besides the combined nonce (the client's, then the server's), the
 * client's final message may carry the client's nonce followed by the combined one. That is what
 * librdkafka sends before 2.6.1 (it added its own nonce twice from 0.0.99 until
 * confluentinc/librdkafka#4895), and so every client built on it, Debian 12's kcat among them; Kafka
 * 3.8.1 to 3.9 accept it (any message ending with the combined nonce), Kafka 4 does not. The server's
 * nonce must still come back whole, so a final message from another session is refused as in Kafka;
 * anything else before it is refused too, unlike Kafka 3.9. Skein has no delegation tokens: a
 * client asking to log in with one is refused.
 */
final class ScramServer implements SaslServer {
    private enum State { RECEIVE_CLIENT_FIRST, RECEIVE_CLIENT_FINAL, COMPLETE, FAILED }

    private final ScramMechanism mechanism;
    private final ScramFormatter formatter;
    private final Function<String, ScramCredential> credentials;
    private State state = State.RECEIVE_CLIENT_FIRST;
    private String user;
    private ScramCredential credential;
    private ClientFirstMessage clientFirst;
    private ServerFirstMessage serverFirst;

    /** @param credentials a user's credential for this mechanism, or null for a user without one */
    ScramServer(ScramMechanism mechanism, Function<String, ScramCredential> credentials)
            throws NoSuchAlgorithmException {
        this.mechanism = mechanism;
        this.formatter = new ScramFormatter(mechanism);
        this.credentials = credentials;
    }

    @Override
    public String getMechanismName() {
        return mechanism.mechanismName();
    }

    @Override
    public byte[] evaluateResponse(byte[] response) throws SaslException {
        try {
            return switch (state) {
                case RECEIVE_CLIENT_FIRST -> serverFirst(new ClientFirstMessage(response));
                case RECEIVE_CLIENT_FINAL -> serverFinal(new ClientFinalMessage(response));
                default -> throw new IllegalSaslStateException("Unexpected SCRAM message in state " + state);
            };
        } catch (SaslException | AuthenticationException e) {
            state = State.FAILED;
            credential = null;
            throw e;
        }
    }

    private byte[] serverFirst(ClientFirstMessage message) throws SaslException {
        if (message.extensions().tokenAuthenticated()) {
            throw new SaslException("Authentication failed: delegation tokens are not supported");
        }
        String name = ScramFormatter.username(message.saslName());
        ScramCredential found = credentials.apply(name);
        if (found == null) {
            throw new SaslException("Authentication failed: Invalid user credentials");
        }
        if (!message.authorizationId().isEmpty() && !message.authorizationId().equals(name)) {
            throw new SaslAuthenticationException(
                    "Authentication failed: Client requested an authorization id that is different from username");
        }
        if (found.iterations() < mechanism.minIterations()) {
            throw new SaslException("Iterations " + found.iterations() + " is less than the minimum "
                    + mechanism.minIterations() + " for " + mechanism);
        }
        user = name;
        credential = found;
        clientFirst = message;
        serverFirst = new ServerFirstMessage(message.nonce(), formatter.secureRandomString(), found.salt(),
                found.iterations());
        state = State.RECEIVE_CLIENT_FINAL;
        return serverFirst.toBytes();
    }

    private byte[] serverFinal(ClientFinalMessage message) throws SaslException {
        String nonce = message.nonce();
        if (!nonce.equals(serverFirst.nonce()) && !nonce.equals(clientFirst.nonce() + serverFirst.nonce())) {
            throw new SaslException("Invalid client nonce in the final client message.");
        }
        try {
            // The proof is the client key masked with a signature of every message so far, the final one as sent.
            byte[] signature = formatter.clientSignature(credential.storedKey(), clientFirst, serverFirst, message);
            if (signature.length != message.proof().length
                    || !MessageDigest.isEqual(formatter.storedKey(signature, message.proof()), credential.storedKey())) {
                throw new SaslException("Invalid client credentials");
            }
            byte[] serverSignature = formatter.serverSignature(credential.serverKey(), clientFirst, serverFirst,
                    message);
            state = State.COMPLETE;
            credential = null;
            return new ServerFinalMessage(null, serverSignature).toBytes();
        } catch (InvalidKeyException e) {
            throw new SaslException("Authentication failed: Invalid client final message", e);
        }
    }

    @Override
    public boolean isComplete() {
        return state == State.COMPLETE;
    }

    @Override
    public String getAuthorizationID() {
        if (!isComplete()) {
            throw new IllegalStateException("Authentication exchange has not completed");
        }
        return user;
    }

    @Override
    public byte[] unwrap(byte[] incoming, int offset, int len) {
        throw new IllegalStateException("SCRAM supports neither integrity nor privacy");
    }

    @Override
    public byte[] wrap(byte[] outgoing, int offset, int len) {
        throw new IllegalStateException("SCRAM supports neither integrity nor privacy");
    }

    @Override
    public Object getNegotiatedProperty(String propName) {
        if (!isComplete()) {
            throw new IllegalStateException("Authentication exchange has not completed");
        }
        return null;
    }

    @Override
    public void dispose() {
        credential = null;
    }
}
