package io.skein.broker.kafka;

import com.google.protobuf.ByteString;
import io.skein.metadata.image.ScramCredentialData;
import io.skein.proto.metadata.ScramMechanism;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Optional;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;

/**
 * Passwords salted for SCRAM by kafka-clients' own code (RFC 5802's Hi), as Kafka's Admin client and
 * {@code kafka-storage format --add-scram} salt them, so that only the salted password, never the
 * password itself, leaves the tool that was given it; and a password checked against a credential,
 * for the listeners that take a user name and password rather than a SCRAM exchange.
 */
public final class ScramPasswords {
    /** A password salted with a fresh random salt: what AlterUserScramCredentials carries. */
    public record Salted(ByteString salt, ByteString saltedPassword, int iterations) {
        @Override
        public String toString() {
            return "Salted(iterations=" + iterations + ")";
        }
    }

    private ScramPasswords() {
    }

    /** The mechanism Kafka names {@code name} ({@code SCRAM-SHA-256}, {@code SCRAM-SHA-512}), if it is one. */
    public static Optional<ScramMechanism> mechanism(String name) {
        return switch (name) {
            case "SCRAM-SHA-256" -> Optional.of(ScramMechanism.SCRAM_SHA_256);
            case "SCRAM-SHA-512" -> Optional.of(ScramMechanism.SCRAM_SHA_512);
            default -> Optional.empty();
        };
    }

    /** Kafka's name of {@code mechanism}. */
    public static String name(ScramMechanism mechanism) {
        return mechanism.name().replace('_', '-');
    }

    public static Salted salt(ScramMechanism mechanism, String password, int iterations) {
        ScramFormatter formatter = formatter(mechanism);
        byte[] salt = formatter.secureRandomBytes();
        try {
            return new Salted(ByteString.copyFrom(salt),
                    ByteString.copyFrom(formatter.saltedPassword(password, salt, iterations)), iterations);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot compute " + name(mechanism), e);
        }
    }

    /** The credential a server keeps for {@code password}: for a new cluster's bootstrap records. */
    public static ScramCredentialData credential(ScramMechanism mechanism, String password, int iterations) {
        ScramCredential credential = formatter(mechanism).generateCredential(password, iterations);
        return new ScramCredentialData(ByteString.copyFrom(credential.salt()),
                ByteString.copyFrom(credential.storedKey()), ByteString.copyFrom(credential.serverKey()),
                credential.iterations());
    }

    /**
     * Whether {@code password} is the one {@code credential} was made from: the stored key derived from it
     * with the credential's salt and iterations (RFC 5802: H(HMAC(Hi(password), "Client Key"))), compared
     * in constant time, so that the time taken tells nothing of how much of it matched.
     */
    public static boolean matches(ScramMechanism mechanism, ScramCredentialData credential, String password) {
        ScramFormatter formatter = formatter(mechanism);
        try {
            byte[] salted = formatter.saltedPassword(password, credential.salt().toByteArray(),
                    credential.iterations());
            byte[] storedKey = formatter.storedKey(formatter.clientKey(salted));
            return MessageDigest.isEqual(storedKey, credential.storedKey().toByteArray());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot compute " + name(mechanism), e);
        }
    }

    private static ScramFormatter formatter(ScramMechanism mechanism) {
        try {
            return new ScramFormatter(org.apache.kafka.common.security.scram.internals.ScramMechanism
                    .forMechanismName(name(mechanism)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot compute " + name(mechanism), e);
        }
    }
}
