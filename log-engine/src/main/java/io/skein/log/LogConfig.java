package io.skein.log;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
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
import java.util.ArrayList;
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
 *
 * <p>Every topic config Kafka 4.4 defines is accepted, so that tools and Kafka Streams can set them,
 * with Kafka's defaults and validation. Two values turn on features Skein lacks and are refused with
 * the reason: {@code remote.storage.enable=true} (tiered storage; the other {@code remote.*} and
 * {@code local.retention.*} keys then mean nothing, as in a Kafka cluster without tiered storage) and
 * {@code errors.deadletterqueue.group.enable=true} (share groups).
 */
public final class LogConfig {
    public static final String CLEANUP_POLICY_DELETE = TopicConfig.CLEANUP_POLICY_DELETE;
    public static final String CLEANUP_POLICY_COMPACT = TopicConfig.CLEANUP_POLICY_COMPACT;
    /** Batches are stored as the producer compressed them. */
    public static final String COMPRESSION_PRODUCER = "producer";

    /** Kafka's throttled-replica lists (its QuotaConfig names them; TopicConfig does not). */
    public static final String LEADER_REPLICATION_THROTTLED_REPLICAS = "leader.replication.throttled.replicas";
    public static final String FOLLOWER_REPLICATION_THROTTLED_REPLICAS = "follower.replication.throttled.replicas";
    /** TopicConfig's constant is deprecated: Kafka 4 has no down-conversion. */
    public static final String TIMESTAMP_CREATE_TIME = "CreateTime";
    public static final String TIMESTAMP_LOG_APPEND_TIME = "LogAppendTime";
    /** Kafka's names of the codecs {@code compression.type} may ask for, besides {@code producer}. */
    public static final List<String> COMPRESSION_CODECS = List.of("uncompressed", "gzip", "snappy", "lz4", "zstd");

    /** Why a topic may not turn on a feature Skein lacks, by the key that turns it on. */
    private static final Map<String, String> FEATURES_SKEIN_LACKS = Map.of(
            TopicConfig.REMOTE_LOG_STORAGE_ENABLE_CONFIG, "Tiered Storage functionality is disabled in the broker. "
                    + "Topic cannot be configured with remote log storage: Skein has no tiered storage, so every "
                    + "segment stays in its log dirs (the local.retention.* and remote.* keys are accepted and "
                    + "have no effect)",
            TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE_CONFIG, "Skein does not support share groups, so no "
                    + "topic can be a share group's dead-letter queue");

    private static final ConfigDef DEFINITION = new ConfigDef()
            .define(TopicConfig.SEGMENT_BYTES_CONFIG, INT, 1024 * 1024 * 1024,
                    atLeast(RecordBatchView.HEADER_SIZE), HIGH, TopicConfig.SEGMENT_BYTES_DOC)
            .define(TopicConfig.SEGMENT_MS_CONFIG, LONG, 7 * 24 * 60 * 60 * 1000L, atLeast(1), MEDIUM,
                    TopicConfig.SEGMENT_MS_DOC)
            .define(TopicConfig.SEGMENT_JITTER_MS_CONFIG, LONG, 0L, atLeast(0), MEDIUM,
                    TopicConfig.SEGMENT_JITTER_MS_DOC)
            .define(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, INT, 10 * 1024 * 1024, atLeast(12), MEDIUM,
                    TopicConfig.SEGMENT_INDEX_BYTES_DOC)
            .define(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, INT, 4096, atLeast(0), MEDIUM,
                    TopicConfig.INDEX_INTERVAL_BYTES_DOC)
            .define(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, INT, 1024 * 1024 + 12, atLeast(0), MEDIUM,
                    TopicConfig.MAX_MESSAGE_BYTES_DOC)
            .define(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG, INT, Integer.MAX_VALUE - 8,
                    between(1, Integer.MAX_VALUE - 8), MEDIUM, "The largest decompressed size, in bytes, of one "
                            + "record in a producer's compressed batch; a larger record fails the produce request "
                            + "with INVALID_RECORD. Checked when the batch is written: records already stored are "
                            + "not checked again.")
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
            .define(TopicConfig.PREALLOCATE_CONFIG, BOOLEAN, false, MEDIUM, TopicConfig.PREALLOCATE_DOC)
            .define(TopicConfig.CLEANUP_POLICY_CONFIG, LIST, CLEANUP_POLICY_DELETE,
                    ConfigDef.ValidList.in(CLEANUP_POLICY_COMPACT, CLEANUP_POLICY_DELETE), MEDIUM,
                    TopicConfig.CLEANUP_POLICY_DOC)
            .define(TopicConfig.DELETE_RETENTION_MS_CONFIG, LONG, 24 * 60 * 60 * 1000L, atLeast(0), MEDIUM,
                    TopicConfig.DELETE_RETENTION_MS_DOC)
            .define(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, DOUBLE, 0.5, between(0, 1), MEDIUM,
                    TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_DOC)
            .define(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, LONG, 0L, atLeast(0), MEDIUM,
                    TopicConfig.MIN_COMPACTION_LAG_MS_DOC)
            .define(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, LONG, Long.MAX_VALUE, atLeast(1), MEDIUM,
                    TopicConfig.MAX_COMPACTION_LAG_MS_DOC)
            .define(TopicConfig.COMPRESSION_TYPE_CONFIG, STRING, COMPRESSION_PRODUCER, compressionTypes(), MEDIUM,
                    TopicConfig.COMPRESSION_TYPE_DOC)
            // Kafka's level ranges for each codec (GzipCompression, Lz4Compression, ZstdCompression).
            .define(TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG, INT, -1, gzipLevels(), MEDIUM,
                    TopicConfig.COMPRESSION_GZIP_LEVEL_DOC)
            .define(TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG, INT, 9, between(1, 17), MEDIUM,
                    TopicConfig.COMPRESSION_LZ4_LEVEL_DOC)
            .define(TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, INT, 3, between(-131072, 22), MEDIUM,
                    TopicConfig.COMPRESSION_ZSTD_LEVEL_DOC)
            .define(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, STRING, TIMESTAMP_CREATE_TIME,
                    ConfigDef.ValidString.in(TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME), MEDIUM,
                    TopicConfig.MESSAGE_TIMESTAMP_TYPE_DOC)
            .define(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, LONG, Long.MAX_VALUE, atLeast(0), MEDIUM,
                    TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_DOC)
            .define(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, LONG, 60 * 60 * 1000L, atLeast(0), MEDIUM,
                    TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_DOC)
            .define(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, INT, 1, atLeast(1), HIGH,
                    TopicConfig.MIN_IN_SYNC_REPLICAS_DOC)
            .define(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, BOOLEAN, false, MEDIUM,
                    TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_DOC)
            .define(LEADER_REPLICATION_THROTTLED_REPLICAS, LIST, "", throttledReplicas(), MEDIUM,
                    throttledReplicasDoc("leader"))
            .define(FOLLOWER_REPLICATION_THROTTLED_REPLICAS, LIST, "", throttledReplicas(), MEDIUM,
                    throttledReplicasDoc("follower"))
            .define(TopicConfig.REMOTE_LOG_STORAGE_ENABLE_CONFIG, BOOLEAN, false, MEDIUM,
                    TopicConfig.REMOTE_LOG_STORAGE_ENABLE_DOC)
            .define(TopicConfig.LOCAL_LOG_RETENTION_MS_CONFIG, LONG, -2L, atLeast(-2), MEDIUM,
                    TopicConfig.LOCAL_LOG_RETENTION_MS_DOC)
            .define(TopicConfig.LOCAL_LOG_RETENTION_BYTES_CONFIG, LONG, -2L, atLeast(-2), MEDIUM,
                    TopicConfig.LOCAL_LOG_RETENTION_BYTES_DOC)
            .define(TopicConfig.REMOTE_LOG_COPY_DISABLE_CONFIG, BOOLEAN, false, MEDIUM,
                    TopicConfig.REMOTE_LOG_COPY_DISABLE_DOC)
            .define(TopicConfig.REMOTE_LOG_DELETE_ON_DISABLE_CONFIG, BOOLEAN, false, MEDIUM,
                    TopicConfig.REMOTE_LOG_DELETE_ON_DISABLE_DOC)
            .define(TopicConfig.REMOTE_COPY_LAG_MS_CONFIG, LONG, 0L, atLeast(-1), MEDIUM,
                    TopicConfig.REMOTE_COPY_LAG_MS_DOC)
            .define(TopicConfig.REMOTE_COPY_LAG_BYTES_CONFIG, LONG, -1L, atLeast(-1), MEDIUM,
                    TopicConfig.REMOTE_COPY_LAG_BYTES_DOC)
            .define(TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE_CONFIG, BOOLEAN, false, LOW,
                    TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE_DOC);

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
    private final long segmentJitterMs;
    private final long maxCompactionLagMs;
    private final boolean preallocate;
    private final boolean logAppendTime;
    private final long timestampBeforeMaxMs;
    private final long timestampAfterMaxMs;
    private final String compressionType;
    private final int maxDecompressedMessageBytes;

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
        this.segmentJitterMs = (Long) values.get(TopicConfig.SEGMENT_JITTER_MS_CONFIG);
        this.maxCompactionLagMs = (Long) values.get(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG);
        this.preallocate = (Boolean) values.get(TopicConfig.PREALLOCATE_CONFIG);
        this.logAppendTime = TIMESTAMP_LOG_APPEND_TIME.equals(values.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG));
        this.timestampBeforeMaxMs = (Long) values.get(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG);
        this.timestampAfterMaxMs = (Long) values.get(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG);
        this.compressionType = (String) values.get(TopicConfig.COMPRESSION_TYPE_CONFIG);
        this.maxDecompressedMessageBytes = (Integer) values.get(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG);
    }

    /**
     * Parses topic-level settings (values as strings or typed), filling in defaults.
     *
     * @throws ConfigException naming the key, for an unknown key or an invalid value
     */
    public static LogConfig fromMap(Map<String, ?> settings) {
        for (String key : settings.keySet()) {
            if (!DEFINITION.names().contains(key)) {
                throw new ConfigException("Unknown topic config name: " + key + "." + UnknownKey.hint(List.of(key),
                        DEFINITION.names(), "skein config list --scope topic"));
            }
        }
        Map<String, Object> values = DEFINITION.parse(settings);
        FEATURES_SKEIN_LACKS.forEach((key, reason) -> {
            if ((Boolean) values.get(key)) {
                throw new ConfigException(key, values.get(key), reason);
            }
        });
        return new LogConfig(values);
    }

    private static ConfigDef.Validator compressionTypes() {
        List<String> types = new ArrayList<>(COMPRESSION_CODECS);
        types.add(COMPRESSION_PRODUCER);
        return ConfigDef.ValidString.in(types.toArray(String[]::new));
    }

    private static ConfigDef.Validator gzipLevels() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            int level = (Integer) value;
            if (level != -1 && (level < 1 || level > 9)) {
                throw new ConfigException(name, value, "Value must be between 1 and 9 or equal to -1");
            }
        }, () -> "-1 or [1,...,9]");
    }

    /** Kafka's format: the literal {@code *}, or partition:broker pairs. */
    private static ConfigDef.Validator throttledReplicas() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            List<?> entries = (List<?>) value;
            boolean valid = entries.equals(List.of("*"))
                    || entries.stream().allMatch(entry -> entry.toString().trim().matches("\\d+:\\d+"));
            if (!valid) {
                throw new ConfigException(name, value, name + " must be the literal '*' or a list of replicas in the "
                        + "following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...");
            }
        }, () -> "* or [partitionId]:[brokerId],...");
    }

    private static String throttledReplicasDoc(String role) {
        return "The replicas whose " + role + " side the broker's " + role + ".replication.throttled.rate slows "
                + "while they are out of the ISR, as [partitionId]:[brokerId] pairs or '*' (all of the topic's)";
    }

    /** Every key {@link #fromMap} accepts, with its type, default and documentation, sorted by name. */
    public static Map<String, ConfigDef.ConfigKey> keys() {
        return Collections.unmodifiableMap(new TreeMap<>(DEFINITION.configKeys()));
    }

    /** The keys whose value {@code true} turns on a feature Skein lacks, with why {@link #fromMap} refuses it. */
    public static Map<String, String> refusedWhenTrue() {
        return new TreeMap<>(FEATURES_SKEIN_LACKS);
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

    /** The most by which a segment's roll comes before {@code segment.ms}, to spread the rolls of many logs. */
    public long segmentJitterMs() {
        return segmentJitterMs;
    }

    /**
     * How long a segment may stay active: {@code segment.ms}, or for a compacted log
     * {@code max.compaction.lag.ms} if shorter, since the cleaner never touches the active segment.
     */
    public long maxSegmentMs() {
        return compact ? Math.min(maxCompactionLagMs, segmentMs) : segmentMs;
    }

    /** Records older than this are compacted however little of the log is dirty. */
    public long maxCompactionLagMs() {
        return maxCompactionLagMs;
    }

    /** Whether a new segment's file is extended to {@code segment.bytes} when it is created. */
    public boolean preallocate() {
        return preallocate;
    }

    /** Whether the leader stamps each batch with its append time ({@code message.timestamp.type=LogAppendTime}). */
    public boolean logAppendTime() {
        return logAppendTime;
    }

    /** How far a record's create time may lie before the leader's clock. */
    public long timestampBeforeMaxMs() {
        return timestampBeforeMaxMs;
    }

    /** How far a record's create time may lie after the leader's clock. */
    public long timestampAfterMaxMs() {
        return timestampAfterMaxMs;
    }

    /** {@code compression.type}: {@link #COMPRESSION_PRODUCER} or one of {@link #COMPRESSION_CODECS}. */
    public String compressionType() {
        return compressionType;
    }

    /** The level {@code compression.type}'s codec compresses at, if it has levels. */
    public int compressionLevel() {
        return switch (compressionType) {
            case "gzip" -> (Integer) values.get(TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG);
            case "lz4" -> (Integer) values.get(TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG);
            case "zstd" -> (Integer) values.get(TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG);
            default -> 0;
        };
    }

    /** The largest decompressed record a producer's compressed batch may hold. */
    public int maxDecompressedMessageBytes() {
        return maxDecompressedMessageBytes;
    }

    /**
     * {@code leader.replication.throttled.replicas}, or {@code follower.replication.throttled.replicas}:
     * {@code *}, or the replicas as {@code partitionId:brokerId}, whose leader (follower) side the
     * broker's replication throttle slows.
     */
    @SuppressWarnings("unchecked")
    public List<String> throttledReplicas(boolean leaderSide) {
        return (List<String>) values.get(leaderSide ? LEADER_REPLICATION_THROTTLED_REPLICAS
                : FOLLOWER_REPLICATION_THROTTLED_REPLICAS);
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
