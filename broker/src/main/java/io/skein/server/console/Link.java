package io.skein.server.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** A console URL with its query, each parameter encoded: names of topics and groups may hold any character. */
final class Link {
    private final StringBuilder url;
    private char separator = '?';

    private Link(String path) {
        this.url = new StringBuilder(path);
    }

    static Link to(String path) {
        return new Link(path);
    }

    /** Adds {@code name=value}; a null or empty value is left out. */
    Link with(String name, Object value) {
        if (value == null || value.toString().isEmpty()) {
            return this;
        }
        url.append(separator).append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value.toString(), StandardCharsets.UTF_8));
        separator = '&';
        return this;
    }

    @Override
    public String toString() {
        return url.toString();
    }
}
