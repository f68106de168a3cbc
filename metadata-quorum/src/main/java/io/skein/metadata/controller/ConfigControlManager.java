package io.skein.metadata.controller;

import static io.skein.metadata.controller.ControllerErrors.error;
import static io.skein.metadata.controller.ControllerErrors.none;

import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterConfigsResponse;
import io.skein.proto.controller.ConfigChange;
import io.skein.proto.controller.ConfigChangeResult;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.metadata.ConfigRecord;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Topic and broker configs: changes checked against what the configs would be afterwards, and the
 * effective value of the one config the controller itself acts on.
 */
final class ConfigControlManager {
    private static final String UNCLEAN_LEADER_ELECTION = "unclean.leader.election.enable";

    private final ConfigValidator validator;
    private final boolean uncleanLeaderElection;

    /** @param uncleanLeaderElection the node's {@code unclean.leader.election.enable} */
    ConfigControlManager(ConfigValidator validator, boolean uncleanLeaderElection) {
        this.validator = validator;
        this.uncleanLeaderElection = uncleanLeaderElection;
    }

    /**
     * Each resource's changes are applied together or not at all: a resource with one bad change, or
     * whose configs would be invalid afterwards, gets the error on every change of it.
     */
    ControllerResult<AlterConfigsResponse> alterConfigs(MetadataImage view, AlterConfigsRequest request) {
        Map<ConfigResource, Map<String, String>> after = new LinkedHashMap<>();
        Map<ConfigResource, Error> problems = new HashMap<>();
        for (ConfigChange change : request.getChangesList()) {
            ConfigResource resource = new ConfigResource(change.getResourceType(), change.getResourceName());
            if (resource.type() == ConfigResourceType.TOPIC && view.topic(resource.name()) == null) {
                problems.put(resource, error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + resource.name()
                        + "' does not exist"));
            } else if (resource.type() == ConfigResourceType.CONFIG_RESOURCE_UNSPECIFIED) {
                problems.put(resource, error(ErrorCode.INVALID_REQUEST, "A config change needs a resource type"));
            }
            Map<String, String> configs = after.computeIfAbsent(resource, r -> new HashMap<>(view.configs(r)));
            if (change.hasValue()) {
                configs.put(change.getName(), change.getValue());
            } else {
                configs.remove(change.getName());
            }
        }
        after.forEach((resource, configs) -> {
            if (!problems.containsKey(resource)) {
                problemWith(resource.type(), resource.name(), configs).ifPresent(problem -> problems.put(resource, problem));
            }
        });
        AlterConfigsResponse.Builder response = AlterConfigsResponse.newBuilder().setError(none());
        List<MetadataRecord> records = new ArrayList<>();
        for (ConfigChange change : request.getChangesList()) {
            ConfigResource resource = new ConfigResource(change.getResourceType(), change.getResourceName());
            Error problem = problems.get(resource);
            response.addResults(ConfigChangeResult.newBuilder().setResourceType(resource.type())
                    .setResourceName(resource.name()).setName(change.getName())
                    .setError(problem == null ? none() : problem));
            if (problem == null && !request.getValidateOnly()) {
                records.add(configRecord(resource.type(), resource.name(), change.getName(),
                        change.hasValue() ? change.getValue() : null));
            }
        }
        return ControllerResult.of(records, response.build());
    }

    /** Why {@code configs} cannot be the settings of that resource ({@code INVALID_CONFIG}), if they cannot. */
    Optional<Error> problemWith(ConfigResourceType type, String name, Map<String, String> configs) {
        return validator.problemWith(type, name, configs).map(problem -> error(ErrorCode.INVALID_CONFIG, problem));
    }

    /** {@code unclean.leader.election.enable} for {@code topic}: the topic's, else the cluster default, else the node's. */
    boolean uncleanLeaderElection(MetadataImage view, String topic) {
        String value = view.configs(new ConfigResource(ConfigResourceType.TOPIC, topic)).get(UNCLEAN_LEADER_ELECTION);
        if (value == null) {
            value = view.configs(ConfigResource.CLUSTER_DEFAULT).get(UNCLEAN_LEADER_ELECTION);
        }
        return value == null ? uncleanLeaderElection : Boolean.parseBoolean(value);
    }

    /** The records that remove every config of {@code topic}, for its deletion. */
    static List<MetadataRecord> removeTopicConfigs(MetadataImage view, String topic) {
        return view.configs(new ConfigResource(ConfigResourceType.TOPIC, topic)).keySet().stream()
                .map(key -> configRecord(ConfigResourceType.TOPIC, topic, key, null)).toList();
    }

    /** Sets {@code key} of the resource to {@code value}, or removes it if {@code value} is null. */
    static MetadataRecord configRecord(ConfigResourceType type, String resource, String key, String value) {
        ConfigRecord.Builder record = ConfigRecord.newBuilder().setResourceType(type).setResourceName(resource)
                .setName(key);
        if (value != null) {
            record.setValue(value);
        }
        return MetadataRecord.newBuilder().setConfig(record).build();
    }
}
