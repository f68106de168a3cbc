package io.skein.broker.metadata;

import io.skein.log.LogConfig;
import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataImage;
import io.skein.node.NodeConfig;
import io.skein.proto.metadata.ConfigResourceType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Describes configs the way DescribeConfigs (and CreateTopics v5+) answer: each key with its value in
 * force and where that value comes from, a topic's own setting, the broker's config file, or the
 * default.
 */
public final class ConfigDescriber {
    /** Kafka's wire codes for where a value comes from ({@code DescribeConfigsResponse.ConfigSource}). */
    public static final byte DYNAMIC_TOPIC_CONFIG = 1;
    public static final byte STATIC_BROKER_CONFIG = 4;
    static final byte DEFAULT_CONFIG = 5;

    /** A value in force, from one source. */
    public record Synonym(String name, String value, byte source) {
    }

    /**
     * One described key. {@code synonyms} lists every source that sets it, the one in force first.
     *
     * @param type      Kafka's wire code for the type ({@code DescribeConfigsResponse.ConfigType})
     * @param sensitive a password: its value and its synonyms' values are null, as Kafka describes them
     */
    public record Entry(String name, String value, byte source, boolean readOnly, List<Synonym> synonyms, byte type,
                 String documentation, boolean sensitive) {
    }

    private final NodeConfig nodeConfig;

    public ConfigDescriber(NodeConfig nodeConfig) {
        this.nodeConfig = nodeConfig;
    }

    /** The configs of {@code topic}; {@code keys} null means all of them. */
    public List<Entry> topic(MetadataImage image, String topic, Collection<String> keys) {
        Map<String, String> own = image.configs(new ConfigResource(ConfigResourceType.TOPIC, topic));
        Map<String, String> given = nodeConfig.originals();
        Map<String, String> brokerDefaults = nodeConfig.topicDefaultOverrides();
        List<Entry> entries = new ArrayList<>();
        LogConfig.keys().forEach((name, key) -> {
            if (keys != null && !keys.contains(name)) {
                return;
            }
            List<Synonym> synonyms = new ArrayList<>();
            if (own.containsKey(name)) {
                synonyms.add(new Synonym(name, own.get(name), DYNAMIC_TOPIC_CONFIG));
            }
            List<String> brokerNames = NodeConfig.brokerSynonyms(name);
            synonyms.addAll(brokerSynonyms(brokerNames, given));
            synonyms.add(new Synonym(brokerNames.isEmpty() ? name : brokerNames.get(0),
                    ConfigDef.convertToString(LogConfig.DEFAULT.values().get(name), key.type), DEFAULT_CONFIG));
            Synonym inForce = synonyms.get(0);
            String value = inForce.source() == DEFAULT_CONFIG ? inForce.value()
                    : own.getOrDefault(name, brokerDefaults.get(name));
            entries.add(new Entry(name, value, inForce.source(), false, synonyms, typeCode(key.type),
                    key.documentation, false));
        });
        return entries;
    }

    /**
     * This broker's configs with their values in force, all read-only (they come from its config file,
     * and Skein has no dynamic broker configs); {@code keys} null means all. As in Kafka, a key that
     * sets a topic default lists every broker-level name of that default among its synonyms.
     */
    public List<Entry> broker(Collection<String> keys) {
        Map<String, String> given = nodeConfig.originals();
        Map<String, Object> values = nodeConfig.values();
        Map<String, ConfigDef.ConfigKey> definitions = NodeConfig.keys();
        List<Entry> entries = new ArrayList<>();
        definitions.forEach((name, key) -> {
            if (keys != null && !keys.contains(name)) {
                return;
            }
            List<String> names = NodeConfig.topicSetting(name).map(NodeConfig::brokerSynonyms).orElse(List.of(name));
            List<Synonym> synonyms = new ArrayList<>(brokerSynonyms(names, given));
            names.stream().filter(n -> hasDefault(definitions.get(n))).reduce((first, last) -> last)
                    .ifPresent(n -> synonyms.add(new Synonym(n, ConfigDef.convertToString(definitions.get(n).defaultValue,
                            definitions.get(n).type), DEFAULT_CONFIG)));
            byte source = synonyms.isEmpty() ? DEFAULT_CONFIG : synonyms.get(0).source();
            if (key.type == ConfigDef.Type.PASSWORD) {
                List<Synonym> hidden = synonyms.stream().map(s -> new Synonym(s.name(), null, s.source())).toList();
                entries.add(new Entry(name, null, source, true, hidden, typeCode(key.type), key.documentation, true));
                return;
            }
            String value = values.containsKey(name) ? ConfigDef.convertToString(values.get(name), key.type) : null;
            entries.add(new Entry(name, value, source, true, synonyms, typeCode(key.type), key.documentation, false));
        });
        return entries;
    }

    private static boolean hasDefault(ConfigDef.ConfigKey key) {
        return key.defaultValue != null && key.defaultValue != ConfigDef.NO_DEFAULT_VALUE;
    }

    /** The broker-level settings among {@code names} that the config file sets, the one that wins first. */
    private static List<Synonym> brokerSynonyms(List<String> names, Map<String, String> given) {
        return names.stream().filter(given::containsKey)
                .map(n -> new Synonym(n, given.get(n), STATIC_BROKER_CONFIG)).toList();
    }

    private static byte typeCode(ConfigDef.Type type) {
        return switch (type) {
            case BOOLEAN -> 1;
            case STRING -> 2;
            case INT -> 3;
            case SHORT -> 4;
            case LONG -> 5;
            case DOUBLE -> 6;
            case LIST -> 7;
            case CLASS -> 8;
            case PASSWORD -> 9;
        };
    }
}
