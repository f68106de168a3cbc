package io.skein.server.history;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.InvalidRequestException;

/** Query parameters of the history endpoints, read or refused with INVALID_REQUEST naming the parameter. */
final class HttpParameters {
    private HttpParameters() {
    }

    static long longOf(Map<String, String> parameters, String name, long absent) {
        String value = parameters.get(name);
        if (value == null || value.isEmpty()) {
            return absent;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("Parameter " + name + " is a whole number, not '" + value + "'");
        }
    }

    static int intOf(Map<String, String> parameters, String name, int absent) {
        long value = longOf(parameters, name, absent);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new InvalidRequestException("Parameter " + name + " is out of range: " + value);
        }
        return (int) value;
    }

    /** A comma-separated list; empty if absent. */
    static List<String> list(Map<String, String> parameters, String name) {
        String value = parameters.getOrDefault(name, "");
        return value.isEmpty() ? List.of() : Arrays.stream(value.split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
    }

    static String required(Map<String, String> parameters, String name) {
        String value = parameters.get(name);
        if (value == null || value.isEmpty()) {
            throw new InvalidRequestException("Parameter " + name + " is required");
        }
        return value;
    }
}
