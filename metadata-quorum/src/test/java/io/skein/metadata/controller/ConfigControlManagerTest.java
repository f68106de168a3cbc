package io.skein.metadata.controller;

import static io.skein.metadata.controller.TestImages.apply;
import static io.skein.metadata.controller.TestImages.brokers;
import static io.skein.metadata.controller.TestImages.image;
import static io.skein.metadata.controller.TestImages.topic;
import static io.skein.metadata.controller.TestImages.topicConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterConfigsResponse;
import io.skein.proto.controller.ConfigChange;
import io.skein.proto.controller.ConfigOperation;
import io.skein.proto.controller.ConfigResourceName;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Config changes and their validation, and the effective unclean election flag, from records alone. */
class ConfigControlManagerTest {
    private static final ConfigResource ORDERS = new ConfigResource(ConfigResourceType.TOPIC, "orders");

    /**
     * Refuses "cleanup.policy" compact together with "retention.ms" (a rule on the configs as a whole),
     * and a broker's "num.network.threads" as Kafka refuses a key that cannot change at run time;
     * "cleanup.policy" and "log.cleanup.policy" are lists whose default is "delete".
     */
    private static final ConfigValidator VALIDATOR = new ConfigValidator() {
        @Override
        public Optional<Problem> problemWith(ConfigResourceType type, String name, Map<String, String> values) {
            if ("compact".equals(values.get("cleanup.policy")) && values.containsKey("retention.ms")) {
                return Optional.of(Problem.invalidConfig("compact topics keep no retention.ms"));
            }
            return values.containsKey("num.network.threads")
                    ? Optional.of(Problem.invalidRequest("Cannot update these configs dynamically: [num.network.threads]"))
                    : Optional.empty();
        }

        @Override
        public Optional<List<String>> listDefault(ConfigResourceType type, String key) {
            return key.endsWith("cleanup.policy") ? Optional.of(List.of("delete")) : Optional.empty();
        }
    };
    private static final ConfigResource CLUSTER_DEFAULT = ConfigResource.CLUSTER_DEFAULT;

    private final ConfigControlManager configs = new ConfigControlManager(VALIDATOR, false);

    private static MetadataImage cluster(MetadataRecord... more) {
        List<MetadataRecord> records = new ArrayList<>(brokers(1));
        records.add(topic("orders", new UUID(2, 1)));
        records.add(topic("events", new UUID(2, 2)));
        records.addAll(List.of(more));
        return image(records);
    }

    private static ConfigChange.Builder set(ConfigResourceType type, String resource, String key, String value) {
        ConfigChange.Builder change = ConfigChange.newBuilder().setResourceType(type).setResourceName(resource)
                .setName(key);
        return value == null ? change : change.setValue(value);
    }

    private static ConfigChange.Builder setTopic(String topic, String key, String value) {
        return set(ConfigResourceType.TOPIC, topic, key, value);
    }

    private static ConfigChange.Builder listChange(String topic, ConfigOperation operation, String items) {
        return setTopic(topic, "cleanup.policy", items).setOperation(operation);
    }

    private static ConfigResourceName whole(ConfigResourceType type, String resource) {
        return ConfigResourceName.newBuilder().setResourceType(type).setResourceName(resource).build();
    }

    private ControllerResult<AlterConfigsResponse> alter(MetadataImage view, ConfigChange.Builder... changes) {
        AlterConfigsRequest.Builder request = AlterConfigsRequest.newBuilder();
        for (ConfigChange.Builder change : changes) {
            request.addChanges(change);
        }
        return configs.alterConfigs(view, request.build());
    }

    private static List<ErrorCode> codes(ControllerResult<AlterConfigsResponse> result) {
        return result.response().getResultsList().stream().map(r -> r.getError().getCode()).toList();
    }

    @Test
    void theValidatorJudgesTheConfigsAsTheyWouldBeAfterTheChange() {
        MetadataImage view = cluster(topicConfig("orders", "retention.ms", "1000"));

        ControllerResult<AlterConfigsResponse> compact = alter(view, setTopic("orders", "cleanup.policy", "compact"));
        assertEquals(List.of(ErrorCode.INVALID_CONFIG), codes(compact), "with the retention.ms it already has");
        assertEquals(List.of(), compact.records());

        ControllerResult<AlterConfigsResponse> both = alter(view, setTopic("orders", "cleanup.policy", "compact"),
                setTopic("orders", "retention.ms", null));
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.NONE), codes(both));
        assertEquals(Map.of("cleanup.policy", "compact"), apply(view, both).configs(ORDERS));
    }

    @Test
    void aResourceWithOneBadChangeGetsNoneOfItsChangesAndOthersGoThrough() {
        MetadataImage view = cluster();
        ControllerResult<AlterConfigsResponse> result = alter(view, setTopic("orders", "cleanup.policy", "compact"),
                setTopic("events", "retention.ms", "5"), setTopic("orders", "retention.ms", "1"),
                setTopic("missing", "retention.ms", "1"),
                set(ConfigResourceType.CONFIG_RESOURCE_UNSPECIFIED, "x", "retention.ms", "1"));

        assertEquals(List.of(ErrorCode.INVALID_CONFIG, ErrorCode.NONE, ErrorCode.INVALID_CONFIG,
                ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST), codes(result));
        MetadataImage after = apply(view, result);
        assertEquals(Map.of(), after.configs(ORDERS));
        assertEquals(Map.of("retention.ms", "5"), after.configs(new ConfigResource(ConfigResourceType.TOPIC,
                "events")));
    }

    @Test
    void validateOnlyWritesNothing() {
        ControllerResult<AlterConfigsResponse> result = configs.alterConfigs(cluster(), AlterConfigsRequest
                .newBuilder().setValidateOnly(true).addChanges(setTopic("orders", "retention.ms", "1")).build());
        assertEquals(List.of(ErrorCode.NONE), codes(result));
        assertEquals(List.of(), result.records());
    }

    @Test
    void appendAndSubtractStartFromTheListsDefaultAndKeepEachItemOnce() {
        MetadataImage view = cluster();
        ControllerResult<AlterConfigsResponse> appended = alter(view,
                listChange("orders", ConfigOperation.APPEND, "compact,delete"));
        assertEquals(List.of(ErrorCode.NONE), codes(appended));
        MetadataImage compacted = apply(view, appended);
        assertEquals(Map.of("cleanup.policy", "delete,compact"), compacted.configs(ORDERS),
                "from the default, delete, with compact added once");

        ControllerResult<AlterConfigsResponse> subtracted = alter(compacted,
                listChange("orders", ConfigOperation.SUBTRACT, "delete"));
        assertEquals(Map.of("cleanup.policy", "compact"), apply(compacted, subtracted).configs(ORDERS));
        ControllerResult<AlterConfigsResponse> emptied = alter(view, listChange("events", ConfigOperation.SUBTRACT,
                "delete"));
        assertEquals(Map.of("cleanup.policy", ""), apply(view, emptied).configs(new ConfigResource(
                ConfigResourceType.TOPIC, "events")), "the default's only item taken away: an empty list");
    }

    @Test
    void appendToAKeyThatIsNotAListIsInvalidConfigAndStopsItsResourceOnly() {
        MetadataImage view = cluster();
        ControllerResult<AlterConfigsResponse> result = alter(view,
                setTopic("orders", "retention.ms", "5").setOperation(ConfigOperation.APPEND),
                setTopic("orders", "segment.ms", "10"), setTopic("events", "segment.ms", "10"));

        assertEquals(List.of(ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_CONFIG, ErrorCode.NONE), codes(result));
        assertTrue(result.response().getResults(0).getError().getMessage().contains("retention.ms"),
                result.response().getResults(0).getError().getMessage());
        assertEquals(1, result.records().size(), "events' change only");
    }

    @Test
    void aReplacedResourceKeepsOnlyWhatTheRequestSets() {
        MetadataImage view = cluster(topicConfig("orders", "retention.ms", "1000"),
                topicConfig("orders", "segment.ms", "2000"), topicConfig("events", "segment.ms", "3000"));
        AlterConfigsRequest request = AlterConfigsRequest.newBuilder()
                .addChanges(setTopic("orders", "segment.ms", "2000")).addChanges(setTopic("orders", "flush.ms", "9"))
                .addReplace(whole(ConfigResourceType.TOPIC, "orders")).addReplace(whole(ConfigResourceType.TOPIC, "events"))
                .build();
        ControllerResult<AlterConfigsResponse> result = configs.alterConfigs(view, request);

        assertEquals(List.of(ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE), codes(result));
        assertEquals("", result.response().getResults(2).getName(), "events, named by no change");
        MetadataImage after = apply(view, result);
        assertEquals(Map.of("segment.ms", "2000", "flush.ms", "9"), after.configs(ORDERS));
        assertEquals(Map.of(), after.configs(new ConfigResource(ConfigResourceType.TOPIC, "events")));
        assertEquals(4, result.records().size(), "segment.ms and flush.ms set, retention.ms and events' segment.ms "
                + "removed");
    }

    @Test
    void brokerConfigsAreTheClusterDefaultOrOneBrokerIdsAndTheValidatorsCodeIsKept() {
        MetadataImage view = cluster();
        ControllerResult<AlterConfigsResponse> result = alter(view,
                set(ConfigResourceType.BROKER, "", "log.retention.ms", "1000"),
                set(ConfigResourceType.BROKER, "1", "log.segment.bytes", "2000000"),
                set(ConfigResourceType.BROKER, "one", "log.segment.bytes", "2000000"),
                set(ConfigResourceType.BROKER, "2", "num.network.threads", "4"),
                set(ConfigResourceType.BROKER, "3", "log.cleanup.policy", "compact")
                        .setOperation(ConfigOperation.APPEND));

        assertEquals(List.of(ErrorCode.NONE, ErrorCode.NONE, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST,
                ErrorCode.NONE), codes(result));
        assertEquals("Cannot update these configs dynamically: [num.network.threads]",
                result.response().getResults(3).getError().getMessage());
        MetadataImage after = apply(view, result);
        assertEquals(Map.of("log.retention.ms", "1000"), after.configs(CLUSTER_DEFAULT));
        assertEquals(Map.of("log.segment.bytes", "2000000"),
                after.configs(new ConfigResource(ConfigResourceType.BROKER, "1")));
        assertEquals(Map.of("log.cleanup.policy", "delete,compact"),
                after.configs(new ConfigResource(ConfigResourceType.BROKER, "3")));
    }

    @Test
    void everyNamedKeyIsWrittenEvenIfItKeepsItsValue() {
        MetadataImage view = cluster(topicConfig("orders", "retention.ms", "1000"));
        ControllerResult<AlterConfigsResponse> result = alter(view, setTopic("orders", "retention.ms", "1000"),
                setTopic("events", "retention.ms", null));
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.NONE), codes(result));
        assertEquals(List.of(topicConfig("orders", "retention.ms", "1000"), ConfigControlManager.configRecord(
                ConfigResourceType.TOPIC, "events", "retention.ms", null)), result.records(),
                "one metadata log entry per change, as the chaos tests' metadata churn needs");
    }

    @Test
    void uncleanElectionIsTheTopicsSettingElseTheClusterDefaultElseTheNodes() {
        assertFalse(configs.uncleanLeaderElection(cluster(), "orders"));
        assertTrue(new ConfigControlManager(VALIDATOR, true)
                .uncleanLeaderElection(cluster(), "orders"));
        MetadataImage clusterDefault = cluster(ConfigControlManager.configRecord(ConfigResourceType.BROKER, "",
                "unclean.leader.election.enable", "true"));
        assertTrue(configs.uncleanLeaderElection(clusterDefault, "orders"));
        MetadataImage topicOverride = apply(clusterDefault, ControllerResult.of(List.of(
                topicConfig("orders", "unclean.leader.election.enable", "false")), null));
        assertFalse(configs.uncleanLeaderElection(topicOverride, "orders"));
        assertTrue(configs.uncleanLeaderElection(topicOverride, "events"));
    }
}
