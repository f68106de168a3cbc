package io.skein.broker.security;

import io.skein.broker.kafka.ScramPasswords;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.ScramCredentialData;
import io.skein.proto.metadata.ScramMechanism;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Checks a user name and password against the user's SCRAM credentials in the broker's metadata
 * (KIP-554: salt, iterations and stored key, never a password), for the listeners whose clients send
 * a password rather than take part in a SCRAM exchange: the admin API and HTTP. A password is the
 * user's if it is the one any of its SCRAM credentials was made from. Users added or removed anywhere
 * in the cluster log in, or not, once this broker has applied the change, as on its Kafka listeners.
 */
public final class PasswordLogins {
    private static final List<ScramMechanism> MECHANISMS = List.of(ScramMechanism.SCRAM_SHA_512,
            ScramMechanism.SCRAM_SHA_256);
    /** Checked for a user who has no credential, so that the time taken does not tell who exists. */
    private static final ScramCredentialData NOBODY = ScramPasswords.credential(ScramMechanism.SCRAM_SHA_512,
            UUID.randomUUID().toString(), 4096);

    private final Supplier<MetadataImage> image;

    /** @param image the broker's metadata as of now, read at each check */
    public PasswordLogins(Supplier<MetadataImage> image) {
        this.image = image;
    }

    /** Whether the password is the user's; an unknown user's is not. */
    public boolean check(BasicCredentials credentials) {
        MetadataImage current = image.get();
        boolean known = false;
        for (ScramMechanism mechanism : MECHANISMS) {
            ScramCredentialData credential = current.scramCredential(credentials.user(), mechanism);
            if (credential != null) {
                known = true;
                if (ScramPasswords.matches(mechanism, credential, credentials.password())) {
                    return true;
                }
            }
        }
        if (!known) {
            ScramPasswords.matches(ScramMechanism.SCRAM_SHA_512, NOBODY, credentials.password());
        }
        return false;
    }
}
