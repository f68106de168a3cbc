package io.skein.metadata.controller;

import com.google.protobuf.ByteString;
import io.skein.metadata.image.ScramCredentialData;
import io.skein.proto.metadata.ScramMechanism;
import java.security.GeneralSecurityException;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;

/**
 * The keys a SCRAM server keeps (RFC 5802), derived from a salted password by kafka-clients' own SCRAM
 * code, so that Kafka's clients and Skein's brokers agree on every byte: StoredKey = H(HMAC(salted
 * password, "Client Key")), ServerKey = HMAC(salted password, "Server Key"). With {@link TopicNames},
 * the only classes here that touch kafka-clients' internal packages.
 */
final class ScramKeys {
    private ScramKeys() {
    }

    /** Kafka's name of {@code mechanism}: {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}. */
    static String mechanismName(ScramMechanism mechanism) {
        return mechanism.name().replace('_', '-');
    }

    static ScramCredentialData derive(ScramMechanism mechanism, ByteString salt, ByteString saltedPassword,
                                      int iterations) {
        try {
            ScramFormatter formatter = new ScramFormatter(
                    org.apache.kafka.common.security.scram.internals.ScramMechanism.forMechanismName(
                            mechanismName(mechanism)));
            byte[] salted = saltedPassword.toByteArray();
            return new ScramCredentialData(salt, ByteString.copyFrom(formatter.storedKey(formatter.clientKey(salted))),
                    ByteString.copyFrom(formatter.serverKey(salted)), iterations);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot compute " + mechanismName(mechanism), e);
        }
    }
}
