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

    /** Refuses "cleanup.policy" compact together with "retention.ms": a rule on the configs as a whole. */
    private final ConfigControlManager configs = new ConfigControlManager((type, name, values) ->
            "compact".equals(values.get("cleanup.policy")) && values.containsKey("retention.ms")
                    ? Optional.of("compact topics keep no retention.ms") : Optional.empty(), false);

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
    void uncleanElectionIsTheTopicsSettingElseTheClusterDefaultElseTheNodes() {
        assertFalse(configs.uncleanLeaderElection(cluster(), "orders"));
        assertTrue(new ConfigControlManager((type, name, values) -> Optional.empty(), true)
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
