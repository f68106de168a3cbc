package io.skein.node;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kafka's per-listener settings, {@code listener.name.<listener>.<key>} with the listener's name in
 * lower case, as Kafka spells them: the SASL settings a listener may set for itself. Any other such
 * key is refused by name, like any unknown key.
 */
final class ListenerKeys {
    static final String SASL_ENABLED_MECHANISMS = "sasl.enabled.mechanisms";
    static final String SASL_JAAS_CONFIG = "sasl.jaas.config";
    private static final Pattern KEY = Pattern.compile("listener\\.name\\.([^.]+)\\.(.+)");

    private ListenerKeys() {
    }

    /** Whether {@code key} is a per-listener key at all (accepted or not). */
    static boolean isListenerKey(String key) {
        return KEY.matcher(key).matches();
    }

    /** The listener (upper case, as {@code listeners} names it) a per-listener key is for. */
    static String listener(String key) {
        Matcher m = KEY.matcher(key);
        if (!m.matches()) {
            throw new IllegalArgumentException(key + " is not a per-listener key");
        }
        return m.group(1).toUpperCase(Locale.ROOT);
    }

    /** Why {@code key}, a per-listener key, is refused; empty if Skein takes it. */
    static Optional<String> problemWith(String key) {
        Matcher m = KEY.matcher(key);
        if (!m.matches()) {
            return Optional.of("not a listener.name.<listener>.<key> setting");
        }
        if (!m.group(1).equals(m.group(1).toLowerCase(Locale.ROOT))) {
            return Optional.of("Kafka spells the listener's name in lower case in listener.name.* keys");
        }
        String setting = m.group(2);
        if (setting.equals(SASL_ENABLED_MECHANISMS)) {
            return Optional.empty();
        }
        if (setting.endsWith("." + SASL_JAAS_CONFIG)) {
            String mechanism = setting.substring(0, setting.length() - SASL_JAAS_CONFIG.length() - 1)
                    .toUpperCase(Locale.ROOT);
            return ListenerSasl.MECHANISMS.contains(mechanism) ? Optional.empty()
                    : Optional.of("Skein serves the SASL mechanisms " + ListenerSasl.MECHANISMS + ", not " + mechanism);
        }
        return Optional.of("Skein takes no per-listener setting " + setting + " (only " + SASL_ENABLED_MECHANISMS
                + " and <mechanism>." + SASL_JAAS_CONFIG + ")");
    }

    /** The key that sets {@code setting} for {@code listener}. */
    static String key(String listener, String setting) {
        return "listener.name." + listener.toLowerCase(Locale.ROOT) + "." + setting;
    }

    /** The key of {@code listener}'s JAAS config for {@code mechanism}. */
    static String jaasConfig(String listener, String mechanism) {
        return key(listener, mechanism.toLowerCase(Locale.ROOT) + "." + SASL_JAAS_CONFIG);
    }
}
