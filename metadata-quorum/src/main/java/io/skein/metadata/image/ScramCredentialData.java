package io.skein.metadata.image;

import com.google.protobuf.ByteString;

/**
 * A user's SCRAM credential for one mechanism, as the server side of SCRAM needs it (RFC 5802): the
 * salt and iteration count a client salts its password with, and the keys that check its proof and
 * prove the server's knowledge back. Neither key gives the password or lets anyone log in as the user.
 */
public record ScramCredentialData(ByteString salt, ByteString storedKey, ByteString serverKey, int iterations) {
    @Override
    public String toString() {
        return "ScramCredentialData(iterations=" + iterations + ")"; // keys stay out of logs
    }
}
