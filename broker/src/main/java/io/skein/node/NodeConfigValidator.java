package io.skein.node;

import io.skein.log.LogConfig;
import io.skein.metadata.controller.ConfigValidator;
import io.skein.proto.metadata.ConfigResourceType;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * What the controller accepts as configs: a topic's are what a partition log accepts; a broker's, or
 * the cluster default's, the dynamic broker configs ({@link DynamicBrokerConfig}).
 */
public final class NodeConfigValidator implements ConfigValidator {
    @Override
    public Optional<Problem> problemWith(ConfigResourceType type, String resourceName, Map<String, String> configs) {
        return switch (type) {
            case TOPIC -> {
                try {
                    LogConfig.fromMap(configs);
                    yield Optional.empty();
                } catch (ConfigException e) {
                    yield Optional.of(Problem.invalidConfig(e.getMessage()));
                }
            }
            case BROKER -> DynamicBrokerConfig.problemWith(configs);
            default -> Optional.of(Problem.invalidRequest("Unknown config resource type " + type));
        };
    }

    @Override
    public Optional<List<String>> listDefault(ConfigResourceType type, String key) {
        ConfigDef.ConfigKey definition = switch (type) {
            case TOPIC -> LogConfig.keys().get(key);
            case BROKER -> NodeConfig.keys().get(key);
            default -> null;
        };
        if (definition == null || definition.type != ConfigDef.Type.LIST) {
            return Optional.empty();
        }
        String items = ConfigDef.convertToString(definition.defaultValue, definition.type);
        return Optional.of(items == null ? List.of()
                : Arrays.stream(items.split(",")).filter(item -> !item.isEmpty()).toList());
    }
}
