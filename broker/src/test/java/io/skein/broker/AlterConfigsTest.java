package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.LogConfig;
import io.skein.testing.ChildJvm;
import io.skein.testing.LegacyAlterConfigs;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * IncrementalAlterConfigs and AlterConfigs from kafka-clients' Admin against a real node: topic configs,
 * the cluster-wide dynamic defaults and this broker's own, their effect on the logs, and the refusals,
 * each answered as Kafka answers. Every change is read back from the broker that made it, at once.
 */
@Timeout(300)
class AlterConfigsTest {
    private static final ConfigResource CLUSTER_DEFAULT = new ConfigResource(ConfigResource.Type.BROKER, "");
    private static final ConfigResource BROKER_1 = new ConfigResource(ConfigResource.Type.BROKER, "1");

    @TempDir
    static Path dir;
    static TestNode node;
    static Admin admin;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of("log.flush.interval.messages", "5"));
        admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()));
    }

    @AfterAll
    static void stopNode() {
        admin.close();
        node.close();
    }

    private static ConfigResource topic(String name) {
        return new ConfigResource(ConfigResource.Type.TOPIC, name);
    }

    private static void createTopic(String name, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(configs))).all().get();
    }

    private static AlterConfigOp op(OpType type, String key, String value) {
        return new AlterConfigOp(new ConfigEntry(key, value), type);
    }

    private static void alter(ConfigResource resource, AlterConfigOp... ops) throws Exception {
        admin.incrementalAlterConfigs(Map.of(resource, List.of(ops))).all().get();
    }

    /** The exception a change of {@code resource} fails with. */
    private static Throwable refusal(ConfigResource resource, AlterConfigOp... ops) {
        KafkaFuture<Void> result = admin.incrementalAlterConfigs(Map.of(resource, List.of(ops))).values().get(resource);
        return assertThrows(ExecutionException.class, result::get).getCause();
    }

    private static Config describe(ConfigResource resource) throws Exception {
        return admin.describeConfigs(List.of(resource), new DescribeConfigsOptions().includeSynonyms(true)).all().get()
                .get(resource);
    }

    /** The resource's configs that it sets itself (topic) or that are set for it dynamically (broker). */
    private static Map<String, String> ownConfigs(ConfigResource resource) throws Exception {
        return describe(resource).entries().stream()
                .filter(e -> e.source() == ConfigSource.DYNAMIC_TOPIC_CONFIG || e.source() == ConfigSource.DYNAMIC_BROKER_CONFIG
                        || e.source() == ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)
                .collect(Collectors.toMap(ConfigEntry::name, ConfigEntry::value));
    }

    private static List<String> synonyms(ConfigEntry entry) {
        return entry.synonyms().stream().map(s -> s.source() + ":" + s.name() + "=" + s.value()).toList();
    }

    private static LogConfig logConfig(String topic) {
        return node.replica(new TopicPartition(topic, 0)).orElseThrow().config();
    }

    @Test
    void setDeleteAppendAndSubtractChangeATopicsLogAtOnce() throws Exception {
        createTopic("alter-topic", Map.of());
        alter(topic("alter-topic"), op(OpType.SET, "retention.ms", "1000"), op(OpType.SET, "segment.ms", "2000"));
        assertEquals(Map.of("retention.ms", "1000", "segment.ms", "2000"), ownConfigs(topic("alter-topic")));
        assertEquals(1000, logConfig("alter-topic").retentionMs(), "on the log as the answer comes");

        alter(topic("alter-topic"), op(OpType.DELETE, "retention.ms", null),
                op(OpType.APPEND, "cleanup.policy", "compact"));
        assertEquals(Map.of("segment.ms", "2000", "cleanup.policy", "delete,compact"), ownConfigs(topic("alter-topic")),
                "APPEND starts from the default, delete");
        assertEquals(7 * 24 * 3600 * 1000L, logConfig("alter-topic").retentionMs());
        assertTrue(logConfig("alter-topic").compact() && logConfig("alter-topic").delete());

        alter(topic("alter-topic"), op(OpType.SUBTRACT, "cleanup.policy", "delete"),
                op(OpType.APPEND, "leader.replication.throttled.replicas", "0:1"));
        assertEquals("compact", describe(topic("alter-topic")).get("cleanup.policy").value());
        assertFalse(logConfig("alter-topic").delete());
    }

    @Test
    void validateOnlyChecksAndChangesNothing() throws Exception {
        createTopic("alter-validate", Map.of());
        admin.incrementalAlterConfigs(Map.of(topic("alter-validate"), List.of(op(OpType.SET, "retention.ms", "1000"))),
                new AlterConfigsOptions().validateOnly(true)).all().get();
        assertEquals(Map.of(), ownConfigs(topic("alter-validate")));
        ExecutionException refused = assertThrows(ExecutionException.class, () -> admin.incrementalAlterConfigs(
                Map.of(topic("alter-validate"), List.of(op(OpType.SET, "retention.ms", "soon"))),
                new AlterConfigsOptions().validateOnly(true)).all().get());
        assertInstanceOf(InvalidConfigurationException.class, refused.getCause());
    }

    @Test
    void aBadChangeIsRefusedByNameAndItsResourceKeepsEveryOtherChangeOut() throws Exception {
        createTopic("alter-bad", Map.of("retention.ms", "5000"));
        createTopic("alter-good", Map.of());

        Throwable unknown = refusal(topic("alter-bad"), op(OpType.SET, "retention.weeks", "1"),
                op(OpType.SET, "segment.ms", "2000"));
        assertInstanceOf(InvalidConfigurationException.class, unknown);
        assertTrue(unknown.getMessage().contains("retention.weeks"), unknown.getMessage());
        Throwable badValue = refusal(topic("alter-bad"), op(OpType.SET, "retention.ms", "soon"));
        assertInstanceOf(InvalidConfigurationException.class, badValue);
        assertTrue(badValue.getMessage().contains("retention.ms"), badValue.getMessage());
        Throwable notAList = refusal(topic("alter-bad"), op(OpType.APPEND, "retention.ms", "1"));
        assertInstanceOf(InvalidConfigurationException.class, notAList);
        assertTrue(notAList.getMessage().contains("retention.ms"), notAList.getMessage());
        assertInstanceOf(UnknownTopicOrPartitionException.class, refusal(topic("alter-missing"),
                op(OpType.SET, "retention.ms", "1")));
        assertEquals(Map.of("retention.ms", "5000"), ownConfigs(topic("alter-bad")), "none of the refused changes");

        Map<ConfigResource, KafkaFuture<Void>> both = admin.incrementalAlterConfigs(Map.of(
                topic("alter-bad"), List.of(op(OpType.SET, "flush.ms", "nope")),
                topic("alter-good"), List.of(op(OpType.SET, "flush.ms", "100")))).values();
        assertThrows(ExecutionException.class, both.get(topic("alter-bad"))::get);
        both.get(topic("alter-good")).get();
        assertEquals(Map.of("flush.ms", "100"), ownConfigs(topic("alter-good")));
    }

    /** kafka-clients 3.9's alterConfigs, in a JVM of its own: Kafka 4's clients no longer send AlterConfigs. */
    private static ChildJvm.Result legacyAlterConfigs(String topic, String... configs) throws Exception {
        List<String> args = new ArrayList<>(List.of(node.bootstrap(), topic));
        args.addAll(List.of(configs));
        return ChildJvm.run(System.getProperty("skein.kafka.compat.clients.version"), null, Duration.ofMinutes(2),
                LegacyAlterConfigs.class.getName(), args.toArray(String[]::new));
    }

    @Test
    void legacyAlterConfigsReplacesTheTopicsWholeSet() throws Exception {
        createTopic("alter-legacy", Map.of("retention.ms", "5000", "segment.ms", "6000"));
        ChildJvm.Result replaced = legacyAlterConfigs("alter-legacy", "flush.ms=100", "segment.ms=6000");
        assertEquals(0, replaced.exitCode(), replaced.output());
        assertEquals(Map.of("flush.ms", "100", "segment.ms", "6000"), ownConfigs(topic("alter-legacy")));
        assertEquals(7 * 24 * 3600 * 1000L, logConfig("alter-legacy").retentionMs(), "retention.ms removed");

        ChildJvm.Result refused = legacyAlterConfigs("alter-legacy", "retention.weeks=1");
        assertEquals(2, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("FAILED " + InvalidConfigurationException.class.getName()
                + ": Unknown topic config name: retention.weeks"), refused.output());
        assertEquals(Map.of("flush.ms", "100", "segment.ms", "6000"), ownConfigs(topic("alter-legacy")));
    }

    @Test
    void aClusterDefaultReachesTopicsWithoutTheirOwnAndThisBrokersOwnWinsOverIt() throws Exception {
        createTopic("alter-plain", Map.of());
        createTopic("alter-own", Map.of("segment.bytes", "1048576"));
        try {
            alter(CLUSTER_DEFAULT, op(OpType.SET, "log.segment.bytes", "2048"));
            assertEquals(2048, logConfig("alter-plain").segmentBytes());
            try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(), Map.of())) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>("alter-plain", "x".repeat(1000))).get();
                    producer.send(new ProducerRecord<>("alter-own", "x".repeat(1000))).get();
                }
            }
            assertTrue(node.replica(new TopicPartition("alter-plain", 0)).orElseThrow().numberOfSegments() > 3,
                    "2 KiB segments roll");
            assertEquals(1, node.replica(new TopicPartition("alter-own", 0)).orElseThrow().numberOfSegments());
            ConfigEntry plain = describe(topic("alter-plain")).get("segment.bytes");
            assertEquals(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, plain.source());
            assertEquals("2048", plain.value());
            assertEquals(ConfigSource.DYNAMIC_TOPIC_CONFIG, describe(topic("alter-own")).get("segment.bytes").source());
            assertEquals(Map.of("log.segment.bytes", "2048"), ownConfigs(CLUSTER_DEFAULT));

            alter(BROKER_1, op(OpType.SET, "log.segment.bytes", "4096"));
            assertEquals(4096, logConfig("alter-plain").segmentBytes(), "this broker's own over the cluster's");
            plain = describe(topic("alter-plain")).get("segment.bytes");
            assertEquals(List.of("DYNAMIC_BROKER_CONFIG:log.segment.bytes=4096",
                    "DYNAMIC_DEFAULT_BROKER_CONFIG:log.segment.bytes=2048", "DEFAULT_CONFIG:log.segment.bytes=1073741824"),
                    synonyms(plain));
            ConfigEntry brokers = describe(BROKER_1).get("log.segment.bytes");
            assertEquals(ConfigSource.DYNAMIC_BROKER_CONFIG, brokers.source());
            assertEquals("4096", brokers.value());
            assertFalse(brokers.isReadOnly());

            alter(BROKER_1, op(OpType.DELETE, "log.segment.bytes", null));
            assertEquals(2048, logConfig("alter-plain").segmentBytes());
        } finally {
            alter(CLUSTER_DEFAULT, op(OpType.DELETE, "log.segment.bytes", null));
        }
        assertEquals(1024 * 1024 * 1024, logConfig("alter-plain").segmentBytes());
        assertEquals(Map.of(), ownConfigs(CLUSTER_DEFAULT));
    }

    @Test
    void aDynamicMessageMaxBytesRefusesLargerRecords() throws Exception {
        createTopic("alter-large", Map.of());
        try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(), Map.of())) {
            producer.send(new ProducerRecord<>("alter-large", "x".repeat(5000))).get();
            alter(CLUSTER_DEFAULT, op(OpType.SET, "message.max.bytes", "2000"));
            try {
                ExecutionException tooLarge = assertThrows(ExecutionException.class,
                        () -> producer.send(new ProducerRecord<>("alter-large", "x".repeat(5000))).get());
                assertInstanceOf(RecordTooLargeException.class, tooLarge.getCause());
            } finally {
                alter(CLUSTER_DEFAULT, op(OpType.DELETE, "message.max.bytes", null));
            }
            producer.send(new ProducerRecord<>("alter-large", "x".repeat(5000))).get();
        }
    }

    @Test
    void readOnlyAndUnknownBrokerKeysAreRefusedByName() throws Exception {
        for (ConfigResource broker : List.of(CLUSTER_DEFAULT, BROKER_1)) {
            Throwable readOnly = refusal(broker, op(OpType.SET, "num.io.threads", "4"),
                    op(OpType.SET, "log.retention.ms", "1000"));
            assertInstanceOf(InvalidRequestException.class, readOnly);
            assertTrue(readOnly.getMessage().startsWith("Cannot update these configs dynamically: [num.io.threads]"),
                    readOnly.getMessage());
            Throwable unknown = refusal(broker, op(OpType.SET, "log.retention.weeks", "1"));
            assertInstanceOf(InvalidConfigurationException.class, unknown);
            assertTrue(unknown.getMessage().contains("log.retention.weeks"), unknown.getMessage());
            assertInstanceOf(InvalidConfigurationException.class, refusal(broker,
                    op(OpType.APPEND, "log.retention.ms", "1")));
            assertEquals(Map.of(), ownConfigs(broker));
        }
        assertTrue(describe(BROKER_1).get("num.io.threads").isReadOnly());

        Throwable logLevels = refusal(new ConfigResource(ConfigResource.Type.BROKER_LOGGER, "1"),
                op(OpType.SET, "io.skein", "DEBUG"));
        assertInstanceOf(InvalidRequestException.class, logLevels);
        assertTrue(logLevels.getMessage().contains("config/log4j2.xml"), logLevels.getMessage());
    }

    /** A broker resource names the broker asked; the client sends another broker's to that broker. */
    @Test
    void anotherBrokersResourceAndOtherResourceTypesAreInvalidRequests() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            IncrementalAlterConfigsRequestData request = new IncrementalAlterConfigsRequestData();
            for (Object[] resource : List.of(new Object[] {ConfigResource.Type.BROKER, "2"},
                    new Object[] {ConfigResource.Type.BROKER, "one"}, new Object[] {ConfigResource.Type.GROUP, "g"})) {
                IncrementalAlterConfigsRequestData.AlterConfigsResource alter =
                        new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                                .setResourceType(((ConfigResource.Type) resource[0]).id())
                                .setResourceName((String) resource[1]);
                alter.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("log.retention.ms")
                        .setValue("1").setConfigOperation(OpType.SET.id()));
                request.resources().add(alter);
            }
            IncrementalAlterConfigsResponseData response = client.call(request,
                    ApiKeys.INCREMENTAL_ALTER_CONFIGS.latestVersion());
            assertEquals(List.of(Errors.INVALID_REQUEST.code(), Errors.INVALID_REQUEST.code(),
                    Errors.INVALID_REQUEST.code()), response.responses().stream().map(r -> r.errorCode()).toList());
            assertEquals("Unexpected broker id, expected 1, but received 2", response.responses().get(0).errorMessage());
        }
        assertEquals(Map.of(), ownConfigs(CLUSTER_DEFAULT));
    }

    /** Every version kafka-clients knows of both APIs is advertised and served, old clients' non-flexible ones too. */
    @Test
    void everyVersionOfBothApisIsServed() throws Exception {
        createTopic("alter-versions", Map.of());
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            ApiVersionsResponseData advertised = client.call(new ApiVersionsRequestData(), (short) 3);
            for (ApiKeys api : List.of(ApiKeys.INCREMENTAL_ALTER_CONFIGS, ApiKeys.ALTER_CONFIGS)) {
                ApiVersionsResponseData.ApiVersion versions = advertised.apiKeys().find(api.id);
                assertEquals(List.of(api.oldestVersion(), api.latestVersion()),
                        List.of(versions.minVersion(), versions.maxVersion()), api.name());
            }
            for (short v = ApiKeys.INCREMENTAL_ALTER_CONFIGS.oldestVersion();
                 v <= ApiKeys.INCREMENTAL_ALTER_CONFIGS.latestVersion(); v++) {
                IncrementalAlterConfigsRequestData request = new IncrementalAlterConfigsRequestData();
                IncrementalAlterConfigsRequestData.AlterConfigsResource resource =
                        new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                                .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("alter-versions");
                resource.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("flush.ms")
                        .setValue(Integer.toString(100 + v)).setConfigOperation(OpType.SET.id()));
                request.resources().add(resource);
                IncrementalAlterConfigsResponseData response = client.call(request, v);
                assertEquals(Errors.NONE.code(), response.responses().get(0).errorCode(), "v" + v);
                assertEquals(Map.of("flush.ms", Integer.toString(100 + v)), ownConfigs(topic("alter-versions")));
            }
            for (short v = ApiKeys.ALTER_CONFIGS.oldestVersion(); v <= ApiKeys.ALTER_CONFIGS.latestVersion(); v++) {
                AlterConfigsRequestData request = new AlterConfigsRequestData();
                AlterConfigsRequestData.AlterConfigsResource resource = new AlterConfigsRequestData.AlterConfigsResource()
                        .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("alter-versions");
                resource.configs().add(new AlterConfigsRequestData.AlterableConfig().setName("segment.ms")
                        .setValue(Integer.toString(1000 + v)));
                request.resources().add(resource);
                AlterConfigsResponseData response = client.call(request, v);
                assertEquals(Errors.NONE.code(), response.responses().get(0).errorCode(), "v" + v);
                assertEquals(Map.of("segment.ms", Integer.toString(1000 + v)), ownConfigs(topic("alter-versions")));
            }
        }
    }
}
