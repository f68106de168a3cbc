package io.skein.server.console;

/** What the user asked for cannot be done as asked; its message says why, for the page. */
final class BadInput extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadInput(String message) {
        super(message, null, false, false);
    }
}
