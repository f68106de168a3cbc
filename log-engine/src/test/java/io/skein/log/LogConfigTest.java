package io.skein.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
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
        assertTrue(unknown.getMessage().contains("segment.byte"), unknown.getMessage());
        ConfigException negative = assertThrows(ConfigException.class,
                () -> LogConfig.fromMap(Map.of("flush.messages", "0")));
        assertTrue(negative.getMessage().contains("flush.messages"), negative.getMessage());
        ConfigException notANumber = assertThrows(ConfigException.class,
                () -> LogConfig.fromMap(Map.of("retention.bytes", "lots")));
        assertTrue(notANumber.getMessage().contains("retention.bytes"), notANumber.getMessage());
    }
}
