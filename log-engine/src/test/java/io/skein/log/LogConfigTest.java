package io.skein.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        ConfigException compact = assertThrows(ConfigException.class,
                () -> LogConfig.fromMap(Map.of("cleanup.policy", "compact")));
        assertTrue(compact.getMessage().contains("cleanup.policy"), compact.getMessage());
    }
}
