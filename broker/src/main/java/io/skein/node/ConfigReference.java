package io.skein.node;

import io.skein.log.LogConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Every key a node's config file and a topic take, as people read about them: type, default, valid
 * values, whether it can change while brokers run, and what it does. Read from the definitions the
 * settings are parsed with ({@link NodeConfig}, {@link LogConfig}, {@link DynamicBrokerConfig}), so
 * that {@code skein config list} and {@code docs/configuration.md} say what the node does.
 */
public final class ConfigReference {
    public enum Scope { NODE, TOPIC }

    /** A topic's keys may all change at any time, for that topic. */
    public static final String PER_TOPIC = "per-topic";

    /** Kafka's documentation is HTML; these are the tags its texts use (a bare {@code <listener>} is Skein's placeholder). */
    private static final Pattern HTML_TAG = Pattern.compile("</?(a|b|br|code|em|i|li|p|pre|strong|ul)(\\s[^>]*)?/?>");
    /** The end of a sentence: a full stop and a space before a capital letter, not after "e.g." or "i.e.". */
    private static final Pattern SENTENCE_END = Pattern.compile("(?<!\\be\\.g|\\bi\\.e)\\.\\s+(?=[A-Z])");

    /**
     * One key.
     *
     * @param defaultValue  as a value in the config file would be written; null if there is none
     * @param required      whether the node refuses to start without it
     * @param validValues   the values the key takes beyond its type's, as Kafka's ConfigDef says it; empty: any
     * @param updateMode    {@value DynamicBrokerConfig#READ_ONLY} or {@value DynamicBrokerConfig#CLUSTER_WIDE}
     *                      for a node's key, {@value #PER_TOPIC} for a topic's
     * @param serverDefault for a topic's key, the node keys that set its default, the first one set winning
     * @param documentation plain text
     */
    public record Key(String name, Scope scope, String type, String defaultValue, boolean required,
                      String validValues, String updateMode, List<String> serverDefault, String documentation) {
        public Key {
            serverDefault = List.copyOf(serverDefault);
        }

        /** The documentation's first sentence. */
        public String summary() {
            String[] sentences = SENTENCE_END.split(documentation, 2);
            return sentences.length > 1 ? sentences[0] + "." : sentences[0];
        }
    }

    /** A Kafka key, or a key's value, that Skein refuses, and why. */
    public record Refusal(String name, Scope scope, String reason) {
    }

    private ConfigReference() {
    }

    /** Every key, a node's first and then a topic's, each sorted by name. */
    public static List<Key> keys() {
        List<Key> keys = new ArrayList<>();
        Map<String, String> refused = NodeConfig.refusedKeys();
        NodeConfig.keys().forEach((name, key) -> {
            if (!refused.containsKey(name)) {
                keys.add(key(key, Scope.NODE, DynamicBrokerConfig.updateMode(name), List.of(), validValues(key)));
            }
        });
        keys.addAll(listenerKeys());
        keys.sort((a, b) -> a.name().compareTo(b.name()));
        Map<String, String> refusedWhenTrue = LogConfig.refusedWhenTrue();
        LogConfig.keys().forEach((name, key) -> keys.add(key(key, Scope.TOPIC, PER_TOPIC,
                NodeConfig.brokerSynonyms(name), refusedWhenTrue.containsKey(name) ? "false (true is refused)"
                        : validValues(key))));
        return keys;
    }

    /** The Kafka keys a node refuses, and the topic settings whose value {@code true} is refused. */
    public static List<Refusal> refusals() {
        List<Refusal> refusals = new ArrayList<>();
        NodeConfig.refusedKeys().forEach((name, reason) -> refusals.add(new Refusal(name, Scope.NODE, reason)));
        LogConfig.refusedWhenTrue().forEach((name, reason) -> refusals.add(new Refusal(name + "=true", Scope.TOPIC,
                reason)));
        return refusals;
    }

    private static Key key(ConfigDef.ConfigKey key, Scope scope, String updateMode, List<String> serverDefault,
                           String validValues) {
        String defaultValue = key.hasDefault() && key.defaultValue != null
                ? ConfigDef.convertToString(key.defaultValue, key.type) : null;
        return new Key(key.name, scope, key.type.name().toLowerCase(Locale.ROOT), defaultValue, !key.hasDefault(),
                validValues, updateMode, serverDefault, plainText(key.documentation));
    }

    private static String validValues(ConfigDef.ConfigKey key) {
        return key.validator == null ? "" : key.validator.toString().strip();
    }

    /** The keys under a listener's prefix, which no ConfigDef holds: a listener's own TLS and SASL settings. */
    private static List<Key> listenerKeys() {
        String mechanisms = ListenerSasl.MECHANISMS.stream().map(m -> m.toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        return List.of(
                new Key(NodeConfig.LISTENER_NAME_PREFIX + "<listener>.<key>", Scope.NODE, "as <key>", null, false, "",
                        DynamicBrokerConfig.READ_ONLY, List.of(), "A listener's own value of <key>, over the node's. "
                        + "Here <listener> is the listener's name in lower case: one of listeners or "
                        + NodeConfig.CONTROLLER_LISTENER_NAMES + " (a broker-only node reaches the controllers with "
                        + "the controller listener's), or admin or http (Skein's own listeners); <key> is one of "
                        + String.join(", ", NodeConfig.listenerKeys()) + "."),
                new Key(NodeConfig.LISTENER_NAME_PREFIX + "<listener>.<mechanism>.sasl.jaas.config", Scope.NODE,
                        "password", null, false, "<mechanism>: " + mechanisms, DynamicBrokerConfig.READ_ONLY,
                        List.of(), "A SASL listener's JAAS login module for one mechanism: PLAIN's users "
                        + "(user_<name>=\"<password>\" options), and the broker's own username and password on the "
                        + "inter-broker listener."));
    }

    private static String plainText(String html) {
        return HTML_TAG.matcher(html).replaceAll("").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&quot;", "\"").replace("&amp;", "&").replaceAll("\\s+", " ").strip();
    }
}
