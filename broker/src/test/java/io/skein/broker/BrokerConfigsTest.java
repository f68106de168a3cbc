package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DescribeConfigs of a broker, through the Admin API that {@code kafka-configs --describe --entity-type
 * brokers --all} prints: every key with its value in force, its source, its synonyms and whether it can
 * change at run time, as Kafka answers.
 */
@Timeout(300)
class BrokerConfigsTest {
    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of("log.segment.bytes", "2097152", "log.retention.hours", "24",
                "compression.type", "gzip", "num.io.threads", "4", "ssl.truststore.password", "secret"));
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static Config describeBroker() throws Exception {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            return admin.describeConfigs(List.of(broker), new DescribeConfigsOptions().includeSynonyms(true))
                    .all().get().get(broker);
        }
    }

    private static void assertEntry(Config config, String name, String value, ConfigSource source,
                                    List<String> synonyms) {
        ConfigEntry entry = config.get(name);
        assertEquals(value, entry.value(), name);
        assertEquals(source, entry.source(), name);
        assertEquals(name.equals("num.io.threads"), entry.isReadOnly(),
                name + ": the topics' defaults can change at run time, the others are read from the file");
        assertFalse(entry.isSensitive(), name);
        assertEquals(synonyms, entry.synonyms().stream()
                .map(s -> s.source() + ":" + s.name() + "=" + s.value()).toList(), name);
    }

    @Test
    void adminDescribesTheValuesInForceWithTheirSourcesAndSynonyms() throws Exception {
        Config config = describeBroker();

        assertEntry(config, "log.segment.bytes", "2097152", ConfigSource.STATIC_BROKER_CONFIG,
                List.of("STATIC_BROKER_CONFIG:log.segment.bytes=2097152", "DEFAULT_CONFIG:log.segment.bytes=1073741824"));
        assertEntry(config, "message.max.bytes", "1048588", ConfigSource.DEFAULT_CONFIG,
                List.of("DEFAULT_CONFIG:message.max.bytes=1048588"));
        assertEntry(config, "min.insync.replicas", "1", ConfigSource.DEFAULT_CONFIG,
                List.of("DEFAULT_CONFIG:min.insync.replicas=1"));
        assertEntry(config, "compression.type", "gzip", ConfigSource.STATIC_BROKER_CONFIG,
                List.of("STATIC_BROKER_CONFIG:compression.type=gzip", "DEFAULT_CONFIG:compression.type=producer"));
        assertEntry(config, "log.cleanup.policy", "delete", ConfigSource.DEFAULT_CONFIG,
                List.of("DEFAULT_CONFIG:log.cleanup.policy=delete"));
        assertEntry(config, "log.message.timestamp.type", "CreateTime", ConfigSource.DEFAULT_CONFIG,
                List.of("DEFAULT_CONFIG:log.message.timestamp.type=CreateTime"));
        assertEntry(config, "log.retention.ms", "86400000", ConfigSource.STATIC_BROKER_CONFIG,
                List.of("STATIC_BROKER_CONFIG:log.retention.hours=24", "DEFAULT_CONFIG:log.retention.hours=168"));
        assertEntry(config, "log.roll.ms", "604800000", ConfigSource.DEFAULT_CONFIG,
                List.of("DEFAULT_CONFIG:log.roll.hours=168"));
        assertEntry(config, "num.io.threads", "4", ConfigSource.STATIC_BROKER_CONFIG,
                List.of("STATIC_BROKER_CONFIG:num.io.threads=4", "DEFAULT_CONFIG:num.io.threads=8"));
        assertEquals("INT", config.get("log.segment.bytes").type().name(), "the topic setting's type, not a string");

        // Only keys that hold no value at all, in Kafka too, and passwords, are described without one.
        Set<String> withoutValue = new TreeSet<>();
        config.entries().stream().filter(e -> e.value() == null).forEach(e -> withoutValue.add(e.name()));
        assertEquals(Set.of("advertised.listeners", "log.retention.minutes", "metadata.log.dir",
                "ssl.engine.factory.class", "ssl.key.password", "ssl.keystore.certificate.chain", "ssl.keystore.key",
                "ssl.keystore.location", "ssl.keystore.password", "ssl.provider", "ssl.secure.random.implementation",
                "ssl.truststore.certificates", "ssl.truststore.location", "ssl.truststore.password"), withoutValue);
    }

    @Test
    void passwordsAreDescribedAsSensitiveWithoutTheirValues() throws Exception {
        ConfigEntry password = describeBroker().get("ssl.truststore.password");
        assertTrue(password.isSensitive());
        assertNull(password.value());
        assertEquals(List.of("STATIC_BROKER_CONFIG:ssl.truststore.password=null"), password.synonyms().stream()
                .map(s -> s.source() + ":" + s.name() + "=" + s.value()).toList());
    }
}
