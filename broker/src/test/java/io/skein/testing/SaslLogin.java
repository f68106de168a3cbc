package io.skein.testing;

import java.io.IOException;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.SaslException;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;

/**
 * A SCRAM login on a {@link RawKafkaClient}, with kafka-clients' own SCRAM client: SaslHandshake v1,
 * then SaslAuthenticate at the version asked until the exchange ends, for tests that must know which
 * broker a login went to or what each answer said.
 */
public final class SaslLogin {
    private SaslLogin() {
    }

    /** The last SaslAuthenticate answer: NONE once logged in, else the error that ended the exchange. */
    public static SaslAuthenticateResponseData scram(RawKafkaClient raw, String mechanism, String user, String password,
                                                     short version) throws IOException {
        SaslHandshakeResponseData handshake = raw.call(new SaslHandshakeRequestData().setMechanism(mechanism),
                (short) 1);
        if (handshake.errorCode() != Errors.NONE.code()) {
            return new SaslAuthenticateResponseData().setErrorCode(handshake.errorCode());
        }
        CallbackHandler login = callbacks -> {
            for (Callback callback : callbacks) {
                if (callback instanceof NameCallback name) {
                    name.setName(user);
                } else if (callback instanceof PasswordCallback secret) {
                    secret.setPassword(password.toCharArray());
                } else {
                    throw new UnsupportedCallbackException(callback);
                }
            }
        };
        try {
            ScramSaslClient client = new ScramSaslClient(ScramMechanism.forMechanismName(mechanism), login);
            byte[] token = client.evaluateChallenge(new byte[0]);
            while (true) {
                SaslAuthenticateResponseData response = raw.call(new SaslAuthenticateRequestData().setAuthBytes(token),
                        version);
                if (response.errorCode() != Errors.NONE.code()) {
                    return response;
                }
                token = client.evaluateChallenge(response.authBytes());
                if (client.isComplete()) {
                    return response;
                }
            }
        } catch (SaslException | java.security.NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
    }
}
