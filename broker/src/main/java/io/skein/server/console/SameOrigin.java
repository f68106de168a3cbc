package io.skein.server.console;

import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * The console's protection against cross-site requests: an action (a POST) is refused unless it
 * comes from one of the console's own pages. Browsers say where a request comes from in
 * {@code Sec-Fetch-Site} (every current one) and {@code Origin} (on every POST); a page of another
 * site cannot forge either. So: if {@code Sec-Fetch-Site} is there, it must be {@code same-origin}
 * (or {@code none}: typed by the user); else if {@code Origin} is there, it must be this server as
 * the browser addressed it; a request with neither is no browser's (curl, a script), which no other
 * site can make a user's browser send. No token or cookie to keep; pages serve no scripts (the
 * content security policy forbids them), so a page cannot be made to act on its own.
 */
final class SameOrigin {
    private SameOrigin() {
    }

    /** Why {@code request} is refused, or empty if it comes from the console's own pages. */
    static Optional<String> refusal(Request request) {
        String site = request.getHeaders().get("Sec-Fetch-Site");
        if (site != null) {
            return site.equals("same-origin") || site.equals("none") ? Optional.empty()
                    : Optional.of("This action came from another site (Sec-Fetch-Site: " + site + "); the console "
                    + "only takes actions from its own pages.");
        }
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if (origin == null) {
            return Optional.empty();
        }
        String self = request.getHttpURI().getScheme() + "://" + request.getHttpURI().getAuthority();
        return origin.equalsIgnoreCase(self) ? Optional.empty()
                : Optional.of("This action came from another site (Origin: " + origin + "); the console only takes "
                + "actions from its own pages.");
    }
}
