package io.skein.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class LogConfigTest {
    @Test
    void defaultsAreKafkas() {
        LogConfig config = LogConfig.DEFAULT;
        assertEquals(1 << 30, config.segmentBytes());
        assertEquals(604_800_000L, config.segmentMs());
        assertEquals(10 << 20, config.segmentIndexBytes());
        assertEquals(4096, config.indexIntervalBytes());
        assertEquals(1_048_588, config.maxMessageBytes());
        assertEquals(604_800_000L, config.retentionMs());
        assertEquals(-1L, config.retentionBytes());
        assertEquals(Long.MAX_VALUE, config.flushMessages());
        assertEquals(Long.MAX_VALUE, config.flushMs());
        assertEquals(60_000L, config.fileDeleteDelayMs());
        assertTrue(config.delete());
        assertFalse(config.compact());
        assertEquals(86_400_000L, config.deleteRetentionMs());
        assertEquals(0.5, config.minCleanableDirtyRatio());
        assertEquals(0L, config.minCompactionLagMs());
    }

    @Test
    void cleanupPolicyTakesCompactDeleteBothOrNeither() {
        LogConfig compact = LogConfig.fromMap(Map.of("cleanup.policy", "compact"));
        assertTrue(compact.compact());
        assertFalse(compact.delete());
        LogConfig both = LogConfig.fromMap(Map.of("cleanup.policy", "compact,delete"));
        assertTrue(both.compact() && both.delete());
        LogConfig neither = LogConfig.fromMap(Map.of("cleanup.policy", ""));
        assertFalse(neither.compact() || neither.delete());
        LogConfig tuned = LogConfig.fromMap(Map.of("delete.retention.ms", "1000", "min.cleanable.dirty.ratio", "0.1",
                "min.compaction.lag.ms", "5"));
        assertEquals(1000, tuned.deleteRetentionMs());
        assertEquals(0.1, tuned.minCleanableDirtyRatio());
        assertEquals(5, tuned.minCompactionLagMs());

        for (Map<String, String> bad : List.of(Map.of("cleanup.policy", "compacted"),
                Map.of("cleanup.policy", "compact,deleted"), Map.of("min.cleanable.dirty.ratio", "1.5"),
                Map.of("delete.retention.ms", "-1"), Map.of("min.compaction.lag.ms", "-1"))) {
            ConfigException e = assertThrows(ConfigException.class, () -> LogConfig.fromMap(bad));
            String key = bad.keySet().iterator().next();
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
    }

    @Test
    void parsesStringsAsAdminRequestsCarryThem() {
        LogConfig config = LogConfig.fromMap(Map.of("segment.bytes", "1048576", "retention.ms", "-1",
                "flush.messages", "1"));
        assertEquals(1 << 20, config.segmentBytes());
        assertEquals(-1, config.retentionMs());
        assertEquals(1, config.flushMessages());
        assertEquals(1000, config.with(Map.of("retention.ms", 1000)).retentionMs());
    }

    @Test
    void rejectsUnknownKeysAndBadValuesNamingTheKey() {
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> LogConfig.fromMap(Map.of("segment.byte", "1")));
        assertEquals("Unknown topic config name: segment.byte. Did you mean segment.bytes? `skein config list --scope "
                + "topic` and docs/configuration.md list every key.", unknown.getMessage());
        ConfigException negative = assertThrows(ConfigException.class,
                () -> LogConfig.fromMap(Map.of("flush.messages", "0")));
        assertTrue(negative.getMessage().contains("flush.messages"), negative.getMessage());
        ConfigException notANumber = assertThrows(ConfigException.class,
                () -> LogConfig.fromMap(Map.of("retention.bytes", "lots")));
        assertTrue(notANumber.getMessage().contains("retention.bytes"), notANumber.getMessage());
    }

    @Test
    void acceptsEveryTopicConfigKafkaDefinesWithKafkasDefaults() throws IllegalAccessException {
        List<String> kafkaKeys = new ArrayList<>();
        for (Field field : TopicConfig.class.getFields()) {
            if (field.getName().endsWith("_CONFIG")) {
                kafkaKeys.add((String) field.get(null));
            }
        }
        kafkaKeys.addAll(List.of("leader.replication.throttled.replicas", "follower.replication.throttled.replicas"));
        // TopicConfig still names it, but Kafka 4's brokers refuse it: the setting was removed.
        kafkaKeys.remove("message.downconversion.enable");
        assertEquals(new TreeSet<>(kafkaKeys), new TreeSet<>(LogConfig.names()));

        LogConfig config = LogConfig.DEFAULT;
        assertFalse(config.logAppendTime());
        assertEquals(Long.MAX_VALUE, config.timestampBeforeMaxMs());
        assertEquals(3_600_000L, config.timestampAfterMaxMs());
        assertEquals("producer", config.compressionType());
        assertFalse(config.preallocate());
        assertEquals(0, config.segmentJitterMs());
        assertEquals(Long.MAX_VALUE, config.maxCompactionLagMs());
        assertEquals(-2L, config.values().get("local.retention.ms"));
        assertEquals(List.of(), config.values().get("leader.replication.throttled.replicas"));
        assertEquals(6, LogConfig.fromMap(Map.of("compression.type", "zstd", "compression.zstd.level", "6"))
                .compressionLevel());
    }

    @Test
    void validatesTheNewKeysAsKafkaDoes() {
        LogConfig.fromMap(Map.of("leader.replication.throttled.replicas", "0:1,1:2",
                "follower.replication.throttled.replicas", "*", "remote.storage.enable", "false",
                "local.retention.bytes", "-2"));
        for (Map<String, String> bad : List.of(Map.of("message.timestamp.type", "logappendtime"),
                Map.of("compression.type", "none"), Map.of("compression.gzip.level", "0"),
                Map.of("compression.lz4.level", "18"), Map.of("leader.replication.throttled.replicas", "x"),
                Map.of("message.timestamp.after.max.ms", "-1"), Map.of("local.retention.ms", "-3"),
                Map.of("message.downconversion.enable", "false"))) { // removed in Kafka 4, whose brokers refuse it
            ConfigException e = assertThrows(ConfigException.class, () -> LogConfig.fromMap(bad));
            String key = bad.keySet().iterator().next();
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
    }

    @Test
    void refusesTurningOnFeaturesSkeinLacksWithTheReason() {
        ConfigException tiered = assertThrows(ConfigException.class,
                () -> LogConfig.fromMap(Map.of("remote.storage.enable", "true")));
        assertTrue(tiered.getMessage().contains("Tiered Storage functionality is disabled in the broker"),
                tiered.getMessage());
        assertTrue(tiered.getMessage().contains("Skein has no tiered storage"), tiered.getMessage());
        ConfigException dlq = assertThrows(ConfigException.class,
                () -> LogConfig.fromMap(Map.of("errors.deadletterqueue.group.enable", "true")));
        assertTrue(dlq.getMessage().contains("share groups"), dlq.getMessage());
    }
}
