package io.skein.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.controller.ConfigValidator.Problem;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.metadata.ConfigRecord;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.proto.metadata.MetadataRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A broker's settings in force: the file's, the cluster default's and its own dynamic configs, ranked as Kafka. */
class DynamicBrokerConfigTest {
    private static NodeConfig file(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(Map.of("process.roles", "broker,controller", "node.id", "1",
                "listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9094",
                "controller.quorum.voters", "1@127.0.0.1:9094", "log.dirs", "/var/skein/a"));
        settings.putAll(extra);
        return NodeConfig.of(settings);
    }

    /** Broker configs: resource "" is the cluster default. */
    private static MetadataRecord config(String broker, String key, String value) {
        return MetadataRecord.newBuilder().setConfig(ConfigRecord.newBuilder().setResourceType(ConfigResourceType.BROKER)
                .setResourceName(broker).setName(key).setValue(value)).build();
    }

    private static MetadataImage image(MetadataRecord... records) {
        return MetadataDelta.replayed(MetadataImage.EMPTY, List.of(records));
    }

    @Test
    void thisBrokersOwnWinsOverTheClusterDefaultWhichWinsOverTheFile() {
        NodeConfig file = file(Map.of("log.segment.bytes", "1000000", "min.insync.replicas", "2",
                "log.flush.interval.messages", "7"));
        DynamicBrokerConfig config = DynamicBrokerConfig.of(file, image(config("", "log.segment.bytes", "2000000"),
                config("", "min.insync.replicas", "3"), config("1", "min.insync.replicas", "1"),
                config("2", "log.segment.bytes", "5000000")));

        assertEquals(2_000_000, config.topicDefaults().segmentBytes(), "cluster default over the file");
        assertEquals(1, config.topicDefaults().minInSyncReplicas(), "broker 1's own over the cluster default");
        assertEquals(7, config.topicDefaults().flushMessages(), "the file where nothing dynamic is set");
        assertEquals(Map.of("min.insync.replicas", "1"), config.perBroker(), "broker 2's configs are not ours");
        assertEquals("2000000", config.topicDefaultOverrides().get("segment.bytes"));
        assertEquals(2_000_000, config.values().get("log.segment.bytes"));
    }

    @Test
    void aDynamicUnitOfATimeDefaultHidesTheFilesOtherUnits() {
        NodeConfig file = file(Map.of("log.retention.ms", "1000"));
        DynamicBrokerConfig hours = DynamicBrokerConfig.of(file, image(config("", "log.retention.hours", "2")));
        assertEquals(2 * 3_600_000L, hours.topicDefaults().retentionMs(), "as Kafka: the file's finer unit is "
                + "overridden, though log.retention.ms outranks log.retention.hours in one config");
        assertEquals(2 * 3_600_000L, hours.values().get("log.retention.ms"));
        assertEquals(1000L, DynamicBrokerConfig.of(file, image()).topicDefaults().retentionMs());
    }

    @Test
    void dynamicConfigsThisNodeRefusesAreLeftOut() {
        DynamicBrokerConfig config = DynamicBrokerConfig.of(file(Map.of()), image(config("", "num.io.threads", "2"),
                config("", "log.segment.bytes", "lots"), config("", "log.retention.bytes", "10")));
        assertEquals(Map.of("log.retention.bytes", "10"), config.clusterDefault());
        assertEquals(10, config.topicDefaults().retentionBytes());
    }

    @Test
    void onlyTheDefaultsOfTopicsAreDynamicAndRefusalsNameTheKeys() {
        assertTrue(DynamicBrokerConfig.isDynamic("log.retention.hours"));
        assertTrue(DynamicBrokerConfig.isDynamic("unclean.leader.election.enable"));
        assertFalse(DynamicBrokerConfig.isDynamic("num.network.threads"));

        assertEquals(Optional.empty(), DynamicBrokerConfig.problemWith(Map.of("log.cleanup.policy", "compact,delete",
                "compression.type", "zstd", "log.message.timestamp.type", "LogAppendTime")));
        assertEquals(Optional.of(Problem.invalidConfig("Unknown broker config name: log.retention.weeks. "
                        + "`skein config list --scope node` and docs/configuration.md list every key.")),
                DynamicBrokerConfig.problemWith(Map.of("log.retention.weeks", "1", "log.retention.ms", "1")));
        assertEquals(Optional.of(Problem.invalidConfig("Unknown broker config names: log.retention.hour, "
                        + "log.segment.byte. Did you mean log.retention.hours, log.segment.bytes? `skein config list "
                        + "--scope node` and docs/configuration.md list every key.")),
                DynamicBrokerConfig.problemWith(Map.of("log.retention.hour", "1", "log.segment.byte", "1")));
        assertEquals("read-only", DynamicBrokerConfig.updateMode("num.io.threads"));
        assertEquals("cluster-wide", DynamicBrokerConfig.updateMode("log.retention.hours"));
        assertEquals(Optional.of(Problem.invalidRequest("Cannot update these configs dynamically: [listeners, "
                + "num.io.threads]. A broker reads them from its config file when it starts.")),
                DynamicBrokerConfig.problemWith(Map.of("num.io.threads", "4", "listeners", "PLAINTEXT://:1",
                        "log.retention.ms", "1")));
        Problem badValue = DynamicBrokerConfig.problemWith(Map.of("log.cleanup.policy", "shred")).orElseThrow();
        assertEquals(ErrorCode.INVALID_REQUEST, badValue.code(), "as Kafka answers a bad dynamic broker value");
        assertTrue(badValue.message().contains("log.cleanup.policy"), badValue.message());
    }

    @Test
    void theControllersValidatorKnowsListsAndTheirDefaults() {
        NodeConfigValidator validator = new NodeConfigValidator();
        assertEquals(Optional.of(List.of("delete")), validator.listDefault(ConfigResourceType.TOPIC, "cleanup.policy"));
        assertEquals(Optional.of(List.of("delete")), validator.listDefault(ConfigResourceType.BROKER,
                "log.cleanup.policy"));
        assertEquals(Optional.of(List.of()), validator.listDefault(ConfigResourceType.TOPIC,
                "leader.replication.throttled.replicas"));
        assertEquals(Optional.empty(), validator.listDefault(ConfigResourceType.TOPIC, "retention.ms"));
        assertEquals(Optional.empty(), validator.listDefault(ConfigResourceType.TOPIC, "no.such.key"));
        assertEquals(ErrorCode.INVALID_CONFIG, validator.problemWith(ConfigResourceType.TOPIC, "t",
                Map.of("retention.ms", "soon")).orElseThrow().code());
        assertEquals(ErrorCode.INVALID_REQUEST, validator.problemWith(ConfigResourceType.BROKER, "",
                Map.of("node.id", "2")).orElseThrow().code());
    }
}
