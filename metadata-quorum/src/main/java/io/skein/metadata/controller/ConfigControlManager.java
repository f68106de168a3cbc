package io.skein.metadata.controller;

import static io.skein.metadata.controller.ControllerErrors.error;
import static io.skein.metadata.controller.ControllerErrors.none;

import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterConfigsResponse;
import io.skein.proto.controller.ConfigChange;
import io.skein.proto.controller.ConfigChangeResult;
import io.skein.proto.controller.ConfigOperation;
import io.skein.proto.controller.ConfigResourceName;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

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
     * whose configs would be invalid afterwards, gets the error on every change of it. A replaced
     * resource (legacy AlterConfigs) starts from no configs instead of its own. Every key a change
     * names gets a record, even one that keeps its value (the metadata churn of the chaos tests relies on
     * it, and a broker resource's in Kafka too), and so does every key a replacement removes.
     */
    ControllerResult<AlterConfigsResponse> alterConfigs(MetadataImage view, AlterConfigsRequest request) {
        Map<ConfigResource, Map<String, String>> after = new LinkedHashMap<>();
        Map<ConfigResource, Error> problems = new HashMap<>();
        for (ConfigResourceName replaced : request.getReplaceList()) {
            ConfigResource resource = new ConfigResource(replaced.getResourceType(), replaced.getResourceName());
            after.put(resource, new TreeMap<>());
            problemWithResource(view, resource).ifPresent(problem -> problems.put(resource, problem));
        }
        for (ConfigChange change : request.getChangesList()) {
            ConfigResource resource = resource(change);
            if (!after.containsKey(resource)) {
                after.put(resource, new TreeMap<>(view.configs(resource))); // sorted: records in key order
                problemWithResource(view, resource).ifPresent(problem -> problems.put(resource, problem));
            }
            if (!problems.containsKey(resource)) {
                apply(change, after.get(resource)).ifPresent(problem -> problems.put(resource, problem));
            }
        }
        after.forEach((resource, configs) -> {
            if (!problems.containsKey(resource)) {
                problemWith(resource.type(), resource.name(), configs).ifPresent(problem -> problems.put(resource, problem));
            }
        });
        AlterConfigsResponse.Builder response = AlterConfigsResponse.newBuilder().setError(none());
        Map<ConfigResource, Set<String>> named = new HashMap<>();
        for (ConfigChange change : request.getChangesList()) {
            ConfigResource resource = resource(change);
            named.computeIfAbsent(resource, r -> new TreeSet<>()).add(change.getName());
            response.addResults(result(resource, change.getName(), problems.get(resource)));
        }
        after.keySet().stream().filter(resource -> !named.containsKey(resource))
                .forEach(resource -> response.addResults(result(resource, "", problems.get(resource))));
        List<MetadataRecord> records = new ArrayList<>();
        if (!request.getValidateOnly()) {
            after.forEach((resource, configs) -> {
                if (!problems.containsKey(resource)) {
                    records.addAll(changeRecords(resource, named.getOrDefault(resource, Set.of()),
                            view.configs(resource), configs));
                }
            });
        }
        return ControllerResult.of(records, response.build());
    }

    private static ConfigResource resource(ConfigChange change) {
        return new ConfigResource(change.getResourceType(), change.getResourceName());
    }

    private static ConfigChangeResult result(ConfigResource resource, String name, Error problem) {
        return ConfigChangeResult.newBuilder().setResourceType(resource.type()).setResourceName(resource.name())
                .setName(name).setError(problem == null ? none() : problem).build();
    }

    /** Why the resource itself cannot take configs: a topic that does not exist, a malformed broker id. */
    private static Optional<Error> problemWithResource(MetadataImage view, ConfigResource resource) {
        return switch (resource.type()) {
            case TOPIC -> view.topic(resource.name()) == null ? Optional.of(error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                    "Topic '" + resource.name() + "' does not exist")) : Optional.empty();
            case BROKER -> resource.name().isEmpty() || resource.name().matches("[0-9]{1,9}") ? Optional.empty()
                    : Optional.of(error(ErrorCode.INVALID_REQUEST, "A broker config resource is a broker id or empty "
                            + "(the cluster default), not '" + resource.name() + "'"));
            default -> Optional.of(error(ErrorCode.INVALID_REQUEST, "A config change needs a resource type: "
                    + "a topic or a broker"));
        };
    }

    /** Applies {@code change} to {@code configs}; why it cannot be applied, if it cannot. */
    private Optional<Error> apply(ConfigChange change, Map<String, String> configs) {
        String key = change.getName();
        if (change.getOperation() == ConfigOperation.ASSIGN) {
            if (change.hasValue()) {
                configs.put(key, change.getValue());
            } else {
                configs.remove(key);
            }
            return Optional.empty();
        }
        if (!change.hasValue()) {
            return Optional.of(error(ErrorCode.INVALID_REQUEST, change.getOperation() + " of " + key
                    + " needs a value"));
        }
        Optional<List<String>> defaults = validator.listDefault(change.getResourceType(), key);
        if (defaults.isEmpty()) {
            return Optional.of(error(ErrorCode.INVALID_CONFIG, "Can't " + change.getOperation() + " to key " + key
                    + " because its type is not LIST"));
        }
        List<String> items = configs.containsKey(key) ? items(configs.get(key)) : new ArrayList<>(defaults.get());
        List<String> given = items(change.getValue());
        if (change.getOperation() == ConfigOperation.APPEND) {
            given.stream().filter(item -> !items.contains(item)).forEach(items::add);
        } else {
            items.removeAll(given);
        }
        configs.put(key, String.join(",", items));
        return Optional.empty();
    }

    private static List<String> items(String list) {
        List<String> items = new ArrayList<>();
        for (String item : list.split(",")) {
            if (!item.isEmpty()) {
                items.add(item);
            }
        }
        return items;
    }

    /** The records that take {@code resource} from {@code before} to {@code after}: the keys named, and those removed. */
    private static List<MetadataRecord> changeRecords(ConfigResource resource, Set<String> named,
                                                      Map<String, String> before, Map<String, String> after) {
        List<MetadataRecord> records = new ArrayList<>();
        named.forEach(key -> records.add(configRecord(resource.type(), resource.name(), key, after.get(key))));
        before.keySet().stream().filter(key -> !after.containsKey(key) && !named.contains(key)).sorted()
                .forEach(key -> records.add(configRecord(resource.type(), resource.name(), key, null)));
        return records;
    }

    /** Why {@code configs} cannot be the settings of that resource, if they cannot. */
    Optional<Error> problemWith(ConfigResourceType type, String name, Map<String, String> configs) {
        return validator.problemWith(type, name, configs).map(problem -> error(problem.code(), problem.message()));
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
