package io.skein.server.console;

import io.skein.broker.security.Caller;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.Fields;

/**
 * A request's parameters (its query, and for a POST its form too) and who sent it. Values that do not
 * parse are the user's mistake: {@link BadInput}, shown on the page with what was expected.
 */
final class Params {
    private final Fields fields;
    private final Caller caller;

    Params(Fields fields, Caller caller) {
        this.fields = fields;
        this.caller = caller;
    }

    /** Who sent the request, as its page authorizes it. */
    Caller caller() {
        return caller;
    }

    /** The value, trimmed, or "" if absent. */
    String text(String name) {
        String value = fields.getValue(name);
        return value == null ? "" : value.trim();
    }

    /** The value as given, not trimmed (a message's key or value), or "" if absent. */
    String exact(String name) {
        String value = fields.getValue(name);
        return value == null ? "" : value;
    }

    boolean has(String name) {
        return !text(name).isEmpty();
    }

    /** The value, which must be present. */
    String required(String name, String what) {
        String value = text(name);
        if (value.isEmpty()) {
            throw new BadInput("Give " + what + ".");
        }
        return value;
    }

    boolean flag(String name) {
        return !text(name).isEmpty() && !text(name).equals("0") && !text(name).equalsIgnoreCase("false");
    }

    /** The value as a whole number of at least {@code min}; {@code byDefault} if absent. */
    long number(String name, String what, long byDefault, long min) {
        String value = text(name);
        if (value.isEmpty()) {
            return byDefault;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new BadInput(what + " must be a whole number, not '" + value + "'.");
        }
        if (parsed < min) {
            throw new BadInput(what + " must be at least " + min + ", not " + parsed + ".");
        }
        return parsed;
    }

    int integer(String name, String what, int byDefault, int min) {
        long parsed = number(name, what, byDefault, min);
        if (parsed > Integer.MAX_VALUE) {
            throw new BadInput(what + " must be at most " + Integer.MAX_VALUE + ", not " + parsed + ".");
        }
        return (int) parsed;
    }

    /** The value, one of {@code allowed} ({@code allowed[0]} if absent). */
    String choice(String name, String... allowed) {
        String value = text(name);
        if (value.isEmpty()) {
            return allowed[0];
        }
        for (String option : allowed) {
            if (option.equals(value)) {
                return value;
            }
        }
        throw new BadInput("'" + value + "' is not a choice for " + name + ": " + String.join(", ", allowed) + ".");
    }

    /**
     * The value as {@code name=value} lines, in order (a name may repeat), each side trimmed; blank lines
     * are skipped. {@code what} names a line in the message for one that is not {@code name=value}.
     */
    List<Map.Entry<String, String>> pairs(String name, String what) {
        List<Map.Entry<String, String>> pairs = new ArrayList<>();
        for (String line : exact(name).split("\\R")) {
            if (line.isBlank()) {
                continue;
            }
            int equals = line.indexOf('=');
            if (equals <= 0) {
                throw new BadInput("The " + what + " '" + line.strip() + "' is not name=value.");
            }
            pairs.add(Map.entry(line.substring(0, equals).strip(), line.substring(equals + 1).strip()));
        }
        return pairs;
    }
}
