package io.skein.server.console;

/**
 * What a console request answers: a page with its status, or a redirect after an action (so that
 * reloading the page it leads to does not repeat the action).
 *
 * @param location where a 303 sends the browser; null for a page
 */
record Reply(int status, String html, String location) {
    static Reply page(String html) {
        return new Reply(200, html, null);
    }

    static Reply page(int status, String html) {
        return new Reply(status, html, null);
    }

    static Reply seeOther(Link location) {
        return new Reply(303, "", location.toString());
    }
}
