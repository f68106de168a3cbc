package io.skein.broker.api;

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
final class ConfigDescriber {
    /** Kafka's wire codes for where a value comes from ({@code DescribeConfigsResponse.ConfigSource}). */
    static final byte DYNAMIC_TOPIC_CONFIG = 1;
    static final byte STATIC_BROKER_CONFIG = 4;
    static final byte DEFAULT_CONFIG = 5;

    /** A value in force, from one source. */
    record Synonym(String name, String value, byte source) {
    }

    /**
     * One described key. {@code synonyms} lists every source that sets it, the one in force first.
     *
     * @param type Kafka's wire code for the type ({@code DescribeConfigsResponse.ConfigType})
     */
    record Entry(String name, String value, byte source, boolean readOnly, List<Synonym> synonyms, byte type,
                 String documentation) {
    }

    private final NodeConfig nodeConfig;

    ConfigDescriber(NodeConfig nodeConfig) {
        this.nodeConfig = nodeConfig;
    }

    /** The configs of {@code topic}; {@code keys} null means all of them. */
    List<Entry> topic(MetadataImage image, String topic, Collection<String> keys) {
        Map<String, String> own = image.configs(new ConfigResource(ConfigResourceType.TOPIC, topic));
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
            if (brokerDefaults.containsKey(name)) {
                synonyms.add(new Synonym(NodeConfig.brokerSynonym(name).orElse(name), brokerDefaults.get(name),
                        STATIC_BROKER_CONFIG));
            }
            synonyms.add(new Synonym(name, ConfigDef.convertToString(LogConfig.DEFAULT.values().get(name), key.type),
                    DEFAULT_CONFIG));
            Synonym inForce = synonyms.get(0);
            entries.add(new Entry(name, inForce.value(), inForce.source(), false, synonyms, typeCode(key.type),
                    key.documentation));
        });
        return entries;
    }

    /** This broker's configs, all read-only (they come from its config file); {@code keys} null means all. */
    List<Entry> broker(Collection<String> keys) {
        Map<String, String> given = nodeConfig.originals();
        Map<String, Object> values = nodeConfig.values();
        List<Entry> entries = new ArrayList<>();
        NodeConfig.keys().forEach((name, key) -> {
            if (keys != null && !keys.contains(name)) {
                return;
            }
            byte source = given.containsKey(name) ? STATIC_BROKER_CONFIG : DEFAULT_CONFIG;
            String value = values.containsKey(name) ? ConfigDef.convertToString(values.get(name), key.type) : null;
            entries.add(new Entry(name, value, source, true, List.of(new Synonym(name, value, source)),
                    typeCode(key.type), key.documentation));
        });
        return entries;
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
