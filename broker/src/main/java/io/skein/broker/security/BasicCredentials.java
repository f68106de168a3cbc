package io.skein.broker.security;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.kafka.common.errors.SaslAuthenticationException;

/**
 * A user name and password as HTTP Basic carries them (RFC 7617, in UTF-8): a console request's
 * {@code Authorization} header, and an admin API call's {@code authorization} metadata, so that generic
 * tools (a browser, curl, grpcurl) send them as they send any.
 */
public record BasicCredentials(String user, String password) {
    /** The header's (and the gRPC metadata's) name. */
    public static final String HEADER = "authorization";
    private static final String SCHEME = "Basic ";

    /** @throws IllegalArgumentException if {@code user} holds a colon, which Basic cannot carry */
    public BasicCredentials {
        if (user.indexOf(':') >= 0) {
            throw new IllegalArgumentException("A user name sent as HTTP Basic credentials cannot hold ':': " + user);
        }
    }

    /** The value of the {@code Authorization} header that carries them. */
    public String header() {
        return SCHEME + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The credentials of an {@code Authorization} header's value.
     *
     * @throws SaslAuthenticationException if it is not Basic credentials
     */
    public static BasicCredentials parse(String header) {
        if (!header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw new SaslAuthenticationException("Authentication failed: only Basic credentials (a user name and "
                    + "password) are taken here");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(SCHEME.length()).trim()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new SaslAuthenticationException("Authentication failed: the Basic credentials are not Base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new SaslAuthenticationException("Authentication failed: the Basic credentials are not user:password");
        }
        return new BasicCredentials(decoded.substring(0, colon), decoded.substring(colon + 1));
    }

    @Override
    public String toString() {
        return "BasicCredentials(" + user + ")"; // the password stays out of logs
    }
}
