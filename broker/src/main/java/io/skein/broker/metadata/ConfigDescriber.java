package io.skein.broker.metadata;

import io.skein.log.LogConfig;
import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataImage;
import io.skein.node.DynamicBrokerConfig;
import io.skein.node.NodeConfig;
import io.skein.proto.metadata.ConfigResourceType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Describes configs the way DescribeConfigs (and CreateTopics v5+) answer: each key with its value in
 * force and where that value comes from (a topic's own setting, this broker's dynamic config, the
 * cluster-wide dynamic default, the broker's config file, or the default), from one metadata image.
 */
public final class ConfigDescriber {
    /** Kafka's wire codes for where a value comes from ({@code DescribeConfigsResponse.ConfigSource}). */
    public static final byte DYNAMIC_TOPIC_CONFIG = 1;
    public static final byte DYNAMIC_BROKER_CONFIG = 2;
    public static final byte DYNAMIC_DEFAULT_BROKER_CONFIG = 3;
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
        DynamicBrokerConfig broker = DynamicBrokerConfig.of(nodeConfig, image);
        Map<String, String> brokerDefaults = broker.topicDefaultOverrides();
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
            synonyms.addAll(brokerSynonyms(broker, brokerNames));
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
     * This broker's configs with their values in force; {@code keys} null means all. The dynamic ones
     * ({@link DynamicBrokerConfig#isDynamic}) are not read-only. As in Kafka, a key that sets a topic
     * default lists every broker-level name of that default among its synonyms, and a coarser unit
     * of a time default ({@code log.retention.hours}) only those from its own name on; the finest
     * ({@code log.retention.ms}) has the value in force whichever unit sets it.
     */
    public List<Entry> broker(MetadataImage image, Collection<String> keys) {
        DynamicBrokerConfig broker = DynamicBrokerConfig.of(nodeConfig, image);
        Map<String, Object> values = broker.values();
        Map<String, ConfigDef.ConfigKey> definitions = NodeConfig.keys();
        List<Entry> entries = new ArrayList<>();
        definitions.forEach((name, key) -> {
            if (keys != null && !keys.contains(name)) {
                return;
            }
            List<String> names = NodeConfig.synonyms(name);
            List<Synonym> synonyms = new ArrayList<>(brokerSynonyms(broker, names));
            names.stream().filter(n -> hasDefault(definitions.get(n))).reduce((first, last) -> last)
                    .ifPresent(n -> synonyms.add(new Synonym(n, ConfigDef.convertToString(definitions.get(n).defaultValue,
                            definitions.get(n).type), DEFAULT_CONFIG)));
            List<Synonym> own = names.get(0).equals(name) ? synonyms : fromOwnName(name, synonyms);
            byte source = own.isEmpty() ? DEFAULT_CONFIG : own.get(0).source();
            if (key.type == ConfigDef.Type.PASSWORD) {
                List<Synonym> hidden = own.stream().map(s -> new Synonym(s.name(), null, s.source())).toList();
                entries.add(new Entry(name, null, source, true, hidden, typeCode(key.type), key.documentation, true));
                return;
            }
            String value = values.containsKey(name) ? ConfigDef.convertToString(values.get(name), key.type) : null;
            entries.add(new Entry(name, value, source, !DynamicBrokerConfig.isDynamic(name), own, typeCode(key.type),
                    key.documentation, false));
        });
        return entries;
    }

    /**
     * The cluster-wide dynamic configs as set (Kafka's describe of the broker resource with an empty
     * name); {@code keys} null means all.
     */
    public List<Entry> clusterDefault(MetadataImage image, Collection<String> keys) {
        Map<String, String> configs = DynamicBrokerConfig.of(nodeConfig, image).clusterDefault();
        Map<String, ConfigDef.ConfigKey> definitions = NodeConfig.keys();
        List<Entry> entries = new ArrayList<>();
        new TreeMap<>(configs).forEach((name, value) -> {
            if (keys != null && !keys.contains(name)) {
                return;
            }
            List<Synonym> synonyms = fromOwnName(name, synonyms(NodeConfig.synonyms(name), configs,
                    DYNAMIC_DEFAULT_BROKER_CONFIG));
            ConfigDef.ConfigKey key = definitions.get(name);
            entries.add(new Entry(name, value, DYNAMIC_DEFAULT_BROKER_CONFIG, false, synonyms, typeCode(key.type),
                    key.documentation, false));
        });
        return entries;
    }

    private static boolean hasDefault(ConfigDef.ConfigKey key) {
        return key.defaultValue != null && key.defaultValue != ConfigDef.NO_DEFAULT_VALUE;
    }

    /** The broker-level settings among {@code names} in force, by rank: dynamic for this broker, for all, the file. */
    private static List<Synonym> brokerSynonyms(DynamicBrokerConfig broker, List<String> names) {
        List<Synonym> synonyms = new ArrayList<>(synonyms(names, broker.perBroker(), DYNAMIC_BROKER_CONFIG));
        synonyms.addAll(synonyms(names, broker.clusterDefault(), DYNAMIC_DEFAULT_BROKER_CONFIG));
        synonyms.addAll(synonyms(names, broker.file(), STATIC_BROKER_CONFIG));
        return synonyms;
    }

    /** The settings among {@code names} that {@code configs} holds, the one that wins first. */
    private static List<Synonym> synonyms(List<String> names, Map<String, String> configs, byte source) {
        return names.stream().filter(configs::containsKey).map(n -> new Synonym(n, configs.get(n), source)).toList();
    }

    /** {@code synonyms} from the first that sets {@code name} itself, as Kafka lists a coarser unit's. */
    private static List<Synonym> fromOwnName(String name, List<Synonym> synonyms) {
        return synonyms.stream().dropWhile(synonym -> !synonym.name().equals(name)).toList();
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
