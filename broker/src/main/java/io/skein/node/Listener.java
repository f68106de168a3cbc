package io.skein.node;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of Kafka's {@code listeners} or {@code advertised.listeners}: {@code NAME://host:port}.
 * An empty host binds every interface; port 0 binds any free port.
 */
public record Listener(String name, String host, int port) {
    private static final Pattern FORM = Pattern.compile("^([A-Za-z0-9_]+)://\\[?([0-9a-zA-Z\\-%._:]*?)]?:(\\d+)$");

    public static Listener parse(String spec) {
        Matcher m = FORM.matcher(spec.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("A listener is NAME://host:port, not \"" + spec + "\"");
        }
        int port = Integer.parseInt(m.group(3));
        if (port > 65535) {
            throw new IllegalArgumentException("Port " + port + " of listener \"" + spec + "\" is above 65535");
        }
        return new Listener(m.group(1).toUpperCase(Locale.ROOT), m.group(2), port);
    }

    public Listener withPort(int newPort) {
        return new Listener(name, host, newPort);
    }

    @Override
    public String toString() {
        return name + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
