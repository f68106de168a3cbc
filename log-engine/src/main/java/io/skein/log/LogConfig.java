package io.skein.log;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Range.atLeast;
import static org.apache.kafka.common.config.ConfigDef.Range.between;
import static org.apache.kafka.common.config.ConfigDef.Type.BOOLEAN;
import static org.apache.kafka.common.config.ConfigDef.Type.DOUBLE;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.LIST;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import io.skein.log.record.RecordBatchView;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The per-partition settings of a log, under Kafka's topic-level config names. Immutable; a config
 * change replaces the whole object. As in Kafka, it also carries the topic's replication settings
 * ({@code min.insync.replicas}, {@code unclean.leader.election.enable}), which the broker and the
 * controller read and the log itself ignores.
 *
 * <p>{@code cleanup.policy} is Kafka's: {@code delete} removes old segments by {@code retention.ms}
 * and {@code retention.bytes}; {@code compact} has the {@link LogCleaner} keep the latest record of
 * each key; both may be set, or neither (nothing is removed but what lies below the log start offset).
 */
public final class LogConfig {
    public static final String CLEANUP_POLICY_DELETE = TopicConfig.CLEANUP_POLICY_DELETE;
    public static final String CLEANUP_POLICY_COMPACT = TopicConfig.CLEANUP_POLICY_COMPACT;
    /** Batches are stored as the producer compressed them. */
    public static final String COMPRESSION_PRODUCER = "producer";

    private static final ConfigDef DEFINITION = new ConfigDef()
            .define(TopicConfig.SEGMENT_BYTES_CONFIG, INT, 1024 * 1024 * 1024,
                    atLeast(RecordBatchView.HEADER_SIZE), HIGH, TopicConfig.SEGMENT_BYTES_DOC)
            .define(TopicConfig.SEGMENT_MS_CONFIG, LONG, 7 * 24 * 60 * 60 * 1000L, atLeast(1), MEDIUM,
                    TopicConfig.SEGMENT_MS_DOC)
            .define(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, INT, 10 * 1024 * 1024, atLeast(12), MEDIUM,
                    TopicConfig.SEGMENT_INDEX_BYTES_DOC)
            .define(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, INT, 4096, atLeast(0), MEDIUM,
                    TopicConfig.INDEX_INTERVAL_BYTES_DOC)
            .define(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, INT, 1024 * 1024 + 12, atLeast(0), MEDIUM,
                    TopicConfig.MAX_MESSAGE_BYTES_DOC)
            .define(TopicConfig.RETENTION_MS_CONFIG, LONG, 7 * 24 * 60 * 60 * 1000L, atLeast(-1), MEDIUM,
                    TopicConfig.RETENTION_MS_DOC)
            .define(TopicConfig.RETENTION_BYTES_CONFIG, LONG, -1L, atLeast(-1), MEDIUM,
                    TopicConfig.RETENTION_BYTES_DOC)
            .define(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, LONG, Long.MAX_VALUE, atLeast(1), MEDIUM,
                    TopicConfig.FLUSH_MESSAGES_INTERVAL_DOC)
            .define(TopicConfig.FLUSH_MS_CONFIG, LONG, Long.MAX_VALUE, atLeast(0), MEDIUM,
                    TopicConfig.FLUSH_MS_DOC)
            .define(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, LONG, 60_000L, atLeast(0), MEDIUM,
                    TopicConfig.FILE_DELETE_DELAY_MS_DOC)
            .define(TopicConfig.CLEANUP_POLICY_CONFIG, LIST, CLEANUP_POLICY_DELETE,
                    ConfigDef.ValidList.in(CLEANUP_POLICY_COMPACT, CLEANUP_POLICY_DELETE), MEDIUM,
                    TopicConfig.CLEANUP_POLICY_DOC)
            .define(TopicConfig.DELETE_RETENTION_MS_CONFIG, LONG, 24 * 60 * 60 * 1000L, atLeast(0), MEDIUM,
                    TopicConfig.DELETE_RETENTION_MS_DOC)
            .define(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, DOUBLE, 0.5, between(0, 1), MEDIUM,
                    TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_DOC)
            .define(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, LONG, 0L, atLeast(0), MEDIUM,
                    TopicConfig.MIN_COMPACTION_LAG_MS_DOC)
            .define(TopicConfig.COMPRESSION_TYPE_CONFIG, STRING, COMPRESSION_PRODUCER,
                    ConfigDef.ValidString.in(COMPRESSION_PRODUCER), MEDIUM,
                    "Only \"producer\": batches are stored as the producer compressed them.")
            .define(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, INT, 1, atLeast(1), HIGH,
                    TopicConfig.MIN_IN_SYNC_REPLICAS_DOC)
            .define(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, BOOLEAN, false, MEDIUM,
                    TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_DOC);

    public static final LogConfig DEFAULT = fromMap(Map.of());

    private final Map<String, Object> values;
    private final int segmentBytes;
    private final long segmentMs;
    private final int segmentIndexBytes;
    private final int indexIntervalBytes;
    private final int maxMessageBytes;
    private final long retentionMs;
    private final long retentionBytes;
    private final long flushMessages;
    private final long flushMs;
    private final long fileDeleteDelayMs;
    private final boolean compact;
    private final boolean delete;
    private final long deleteRetentionMs;
    private final double minCleanableDirtyRatio;
    private final long minCompactionLagMs;
    private final int minInSyncReplicas;

    private LogConfig(Map<String, Object> values) {
        this.values = Map.copyOf(values);
        this.segmentBytes = (Integer) values.get(TopicConfig.SEGMENT_BYTES_CONFIG);
        this.segmentMs = (Long) values.get(TopicConfig.SEGMENT_MS_CONFIG);
        this.segmentIndexBytes = (Integer) values.get(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG);
        this.indexIntervalBytes = (Integer) values.get(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG);
        this.maxMessageBytes = (Integer) values.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        this.retentionMs = (Long) values.get(TopicConfig.RETENTION_MS_CONFIG);
        this.retentionBytes = (Long) values.get(TopicConfig.RETENTION_BYTES_CONFIG);
        this.flushMessages = (Long) values.get(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG);
        this.flushMs = (Long) values.get(TopicConfig.FLUSH_MS_CONFIG);
        this.fileDeleteDelayMs = (Long) values.get(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG);
        List<?> policy = (List<?>) values.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        this.compact = policy.contains(CLEANUP_POLICY_COMPACT);
        this.delete = policy.contains(CLEANUP_POLICY_DELETE);
        this.deleteRetentionMs = (Long) values.get(TopicConfig.DELETE_RETENTION_MS_CONFIG);
        this.minCleanableDirtyRatio = (Double) values.get(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG);
        this.minCompactionLagMs = (Long) values.get(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG);
        this.minInSyncReplicas = (Integer) values.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
    }

    /**
     * Parses topic-level settings (values as strings or typed), filling in defaults.
     *
     * @throws ConfigException naming the key, for an unknown key or an invalid value
     */
    public static LogConfig fromMap(Map<String, ?> settings) {
        for (String key : settings.keySet()) {
            if (!DEFINITION.names().contains(key)) {
                throw new ConfigException("Unknown topic config name: " + key + " (known: " + names() + ")");
            }
        }
        return new LogConfig(DEFINITION.parse(settings));
    }

    /** Every key {@link #fromMap} accepts, with its type, default and documentation, sorted by name. */
    public static Map<String, ConfigDef.ConfigKey> keys() {
        return Collections.unmodifiableMap(new TreeMap<>(DEFINITION.configKeys()));
    }

    /** Every key {@link #fromMap} accepts, sorted. */
    public static List<String> names() {
        return List.copyOf(new TreeSet<>(DEFINITION.names()));
    }

    /** This config with {@code overrides} applied on top. */
    public LogConfig with(Map<String, ?> overrides) {
        Map<String, Object> merged = new HashMap<>(values);
        merged.putAll(overrides);
        return fromMap(merged);
    }

    public Map<String, Object> values() {
        return values;
    }

    public int segmentBytes() {
        return segmentBytes;
    }

    public long segmentMs() {
        return segmentMs;
    }

    public int segmentIndexBytes() {
        return segmentIndexBytes;
    }

    public int indexIntervalBytes() {
        return indexIntervalBytes;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** -1 keeps segments forever (by time). */
    public long retentionMs() {
        return retentionMs;
    }

    /** -1 keeps segments forever (by size). */
    public long retentionBytes() {
        return retentionBytes;
    }

    public long flushMessages() {
        return flushMessages;
    }

    public long flushMs() {
        return flushMs;
    }

    public long fileDeleteDelayMs() {
        return fileDeleteDelayMs;
    }

    /** Whether {@code cleanup.policy} has {@code compact}: the cleaner keeps the latest record per key. */
    public boolean compact() {
        return compact;
    }

    /** Whether {@code cleanup.policy} has {@code delete}: retention by time and size applies. */
    public boolean delete() {
        return delete;
    }

    /** How long the cleaner keeps a tombstone after it first saw it. */
    public long deleteRetentionMs() {
        return deleteRetentionMs;
    }

    /** The share of not yet cleaned bytes at which the cleaner takes on a compacted log. */
    public double minCleanableDirtyRatio() {
        return minCleanableDirtyRatio;
    }

    /** Records younger than this are not compacted. */
    public long minCompactionLagMs() {
        return minCompactionLagMs;
    }

    /** The ISR size below which acks=all produce requests are refused. */
    public int minInSyncReplicas() {
        return minInSyncReplicas;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogConfig other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "LogConfig" + new TreeMap<>(values);
    }
}
