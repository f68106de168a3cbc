package io.skein.node;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.NO_DEFAULT_VALUE;
import static org.apache.kafka.common.config.ConfigDef.Range.atLeast;
import static org.apache.kafka.common.config.ConfigDef.Range.between;
import static org.apache.kafka.common.config.ConfigDef.Type.BOOLEAN;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.LIST;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;
import static org.apache.kafka.common.config.ConfigDef.Type.SHORT;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import io.skein.log.LogConfig;
import io.skein.log.LogManager;
import io.skein.log.LogManagerConfig;
import io.skein.log.UnknownKey;
import io.skein.metadata.controller.ControllerSettings;
import io.skein.metadata.quorum.QuorumSettings;
import io.skein.metadata.quorum.Voter;
import io.skein.proto.metadata.MetadataRecordBatch;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslClientAuth;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * A node's settings, under Kafka's broker config names ({@code server.properties}). Every key is
 * checked: an unknown key is an error naming it, never silently ignored, and so is a Kafka key for a
 * feature Skein does not have. Immutable.
 */
public final class NodeConfig {
    public enum Role { BROKER, CONTROLLER }

    public static final String PROCESS_ROLES = "process.roles";
    public static final String NODE_ID = "node.id";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String LISTENER_SECURITY_PROTOCOL_MAP = "listener.security.protocol.map";
    public static final String CONTROLLER_LISTENER_NAMES = "controller.listener.names";
    public static final String INTER_BROKER_LISTENER_NAME = "inter.broker.listener.name";
    public static final String ADMIN_LISTENER = "admin.listener";
    public static final String HTTP_LISTENER = "http.listener";
    public static final String METRICS_HISTORY_SAMPLE_INTERVAL_MS = "metrics.history.sample.interval.ms";
    public static final String CONTROLLER_QUORUM_VOTERS = "controller.quorum.voters";
    public static final String CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS = "controller.quorum.election.timeout.ms";
    public static final String LOG_DIRS = "log.dirs";
    public static final String LOG_DIR = "log.dir";
    public static final String METADATA_LOG_DIR = "metadata.log.dir";
    public static final String NUM_NETWORK_THREADS = "num.network.threads";
    public static final String NUM_IO_THREADS = "num.io.threads";
    public static final String SOCKET_SEND_BUFFER_BYTES = "socket.send.buffer.bytes";
    public static final String SOCKET_RECEIVE_BUFFER_BYTES = "socket.receive.buffer.bytes";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    public static final String AUTO_LEADER_REBALANCE_ENABLE = "auto.leader.rebalance.enable";
    public static final String LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS = "leader.imbalance.check.interval.seconds";
    public static final String DELETE_TOPIC_ENABLE = "delete.topic.enable";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String BROKER_SESSION_TIMEOUT_MS = "broker.session.timeout.ms";
    public static final String BROKER_HEARTBEAT_INTERVAL_MS = "broker.heartbeat.interval.ms";
    public static final String BROKER_SESSION_DISCONNECT_GRACE_MS = "broker.session.disconnect.grace.ms";
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String REPLICA_FETCH_WAIT_MAX_MS = "replica.fetch.wait.max.ms";
    public static final String REPLICA_FETCH_MAX_BYTES = "replica.fetch.max.bytes";
    public static final String REPLICA_FETCH_RESPONSE_MAX_BYTES = "replica.fetch.response.max.bytes";
    public static final String REPLICA_FETCH_BACKOFF_MS = "replica.fetch.backoff.ms";
    public static final String LEADER_REPLICATION_THROTTLED_RATE = "leader.replication.throttled.rate";
    public static final String FOLLOWER_REPLICATION_THROTTLED_RATE = "follower.replication.throttled.rate";
    public static final String REPLICA_ALTER_LOG_DIRS_IO_MAX_BYTES_PER_SECOND =
            "replica.alter.log.dirs.io.max.bytes.per.second";
    /**
     * Kafka's replication throttles, dynamic broker configs that set no topic default: Kafka's
     * reassignment tool sets and clears them on the brokers a move involves.
     */
    static final Set<String> REPLICATION_THROTTLES = Set.of(LEADER_REPLICATION_THROTTLED_RATE,
            FOLLOWER_REPLICATION_THROTTLED_RATE, REPLICA_ALTER_LOG_DIRS_IO_MAX_BYTES_PER_SECOND);
    public static final String QUOTA_WINDOW_NUM = "quota.window.num";
    public static final String QUOTA_WINDOW_SIZE_SECONDS = "quota.window.size.seconds";
    public static final String OFFSETS_TOPIC_REPLICATION_FACTOR = "offsets.topic.replication.factor";
    public static final String OFFSETS_TOPIC_NUM_PARTITIONS = "offsets.topic.num.partitions";
    public static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    public static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    public static final String OFFSETS_RETENTION_CHECK_INTERVAL_MS = "offsets.retention.check.interval.ms";
    public static final String OFFSETS_COMMIT_TIMEOUT_MS = "offsets.commit.timeout.ms";
    public static final String OFFSET_METADATA_MAX_BYTES = "offset.metadata.max.bytes";
    public static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String GROUP_MAX_SIZE = "group.max.size";
    public static final String TRANSACTION_STATE_LOG_NUM_PARTITIONS = "transaction.state.log.num.partitions";
    public static final String TRANSACTION_STATE_LOG_REPLICATION_FACTOR = "transaction.state.log.replication.factor";
    public static final String TRANSACTION_STATE_LOG_MIN_ISR = "transaction.state.log.min.isr";
    public static final String TRANSACTION_STATE_LOG_SEGMENT_BYTES = "transaction.state.log.segment.bytes";
    public static final String TRANSACTION_MAX_TIMEOUT_MS = "transaction.max.timeout.ms";
    public static final String TRANSACTIONAL_ID_EXPIRATION_MS = "transactional.id.expiration.ms";
    public static final String TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS =
            "transaction.abort.timed.out.transaction.cleanup.interval.ms";
    public static final String TRANSACTION_REMOVE_EXPIRED_TRANSACTION_CLEANUP_INTERVAL_MS =
            "transaction.remove.expired.transaction.cleanup.interval.ms";
    public static final String ADD_PARTITIONS_TO_TXN_RETRY_BACKOFF_MS = "add.partitions.to.txn.retry.backoff.ms";
    public static final String ADD_PARTITIONS_TO_TXN_RETRY_BACKOFF_MAX_MS = "add.partitions.to.txn.retry.backoff.max.ms";
    public static final String REQUEST_TIMEOUT_MS = "request.timeout.ms";
    public static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    public static final String NUM_RECOVERY_THREADS_PER_DATA_DIR = "num.recovery.threads.per.data.dir";
    public static final String BACKGROUND_THREADS = "background.threads";
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String LOG_FLUSH_SCHEDULER_INTERVAL_MS = "log.flush.scheduler.interval.ms";
    public static final String LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS = "log.flush.offset.checkpoint.interval.ms";
    public static final String LOG_FLUSH_START_OFFSET_CHECKPOINT_INTERVAL_MS = "log.flush.start.offset.checkpoint.interval.ms";
    public static final String REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS = "replica.high.watermark.checkpoint.interval.ms";
    public static final String LOG_CLEANER_ENABLE = "log.cleaner.enable";
    public static final String LOG_CLEANER_BACKOFF_MS = "log.cleaner.backoff.ms";
    public static final String LOG_RETENTION_HOURS = "log.retention.hours";
    public static final String LOG_RETENTION_MINUTES = "log.retention.minutes";
    public static final String LOG_RETENTION_MS = "log.retention.ms";
    public static final String LOG_ROLL_HOURS = "log.roll.hours";
    public static final String LOG_ROLL_MS = "log.roll.ms";
    public static final String LOG_ROLL_JITTER_HOURS = "log.roll.jitter.hours";
    public static final String LOG_ROLL_JITTER_MS = "log.roll.jitter.ms";
    public static final String SSL_CLIENT_AUTH = "ssl.client.auth";
    public static final String SSL_PRINCIPAL_MAPPING_RULES = "ssl.principal.mapping.rules";
    public static final String SSL_ALLOW_DN_CHANGES = "ssl.allow.dn.changes";
    public static final String SSL_ALLOW_SAN_CHANGES = "ssl.allow.san.changes";
    public static final String SSL_RELOAD_CHECK_INTERVAL_MS = "ssl.reload.check.interval.ms";
    /** Kafka's prefix of a listener's own settings: {@code listener.name.<name in lower case>.<key>}. */
    public static final String LISTENER_NAME_PREFIX = "listener.name.";
    public static final String AUTHORIZER_CLASS_NAME = "authorizer.class.name";
    public static final String SUPER_USERS = "super.users";
    public static final String ALLOW_EVERYONE_IF_NO_ACL_FOUND = "allow.everyone.if.no.acl.found";
    /** The one authorizer Skein has: Kafka's rules over the ACLs in the metadata log, under Kafka's name. */
    public static final String STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    public static final String SASL_ENABLED_MECHANISMS = "sasl.enabled.mechanisms";
    public static final String SASL_MECHANISM_INTER_BROKER_PROTOCOL = "sasl.mechanism.inter.broker.protocol";
    public static final String CONNECTIONS_MAX_REAUTH_MS = "connections.max.reauth.ms";
    public static final String CONNECTION_FAILED_AUTHENTICATION_DELAY_MS = "connection.failed.authentication.delay.ms";
    public static final String SASL_SERVER_MAX_RECEIVE_SIZE = "sasl.server.max.receive.size";
    /** A SASL listener's JAAS config for one mechanism: {@code listener.name.<name>.<mechanism>.sasl.jaas.config}. */
    private static final String SASL_JAAS_CONFIG = "sasl.jaas.config";

    /** The command that lists every key a node takes, for people who named one that does not exist. */
    public static final String LIST_COMMAND = "skein config list --scope node";

    /** The listener a controller serves on; its port is the Raft port and port + 1 serves ControllerService. */
    public static final String DEFAULT_CONTROLLER_LISTENER = "CONTROLLER";
    /** The names of Skein's own listeners ({@code admin.listener}, {@code http.listener}) in {@code listener.name.<name>.ssl.*}. */
    public static final String ADMIN_LISTENER_NAME = "ADMIN";
    public static final String HTTP_LISTENER_NAME = "HTTP";

    /**
     * Broker-level names of topic settings (Kafka's synonyms): the value here is the default for
     * every topic that does not set its own. The retention and roll times also have coarser units
     * ({@link #TIME_FAMILIES}).
     */
    private static final Map<String, String> TOPIC_SYNONYMS = Map.ofEntries(
            Map.entry("log.segment.bytes", TopicConfig.SEGMENT_BYTES_CONFIG),
            Map.entry("log.index.size.max.bytes", TopicConfig.SEGMENT_INDEX_BYTES_CONFIG),
            Map.entry("log.index.interval.bytes", TopicConfig.INDEX_INTERVAL_BYTES_CONFIG),
            Map.entry("message.max.bytes", TopicConfig.MAX_MESSAGE_BYTES_CONFIG),
            Map.entry("log.retention.bytes", TopicConfig.RETENTION_BYTES_CONFIG),
            Map.entry("log.flush.interval.messages", TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG),
            Map.entry("log.flush.interval.ms", TopicConfig.FLUSH_MS_CONFIG),
            Map.entry("log.segment.delete.delay.ms", TopicConfig.FILE_DELETE_DELAY_MS_CONFIG),
            Map.entry("log.cleanup.policy", TopicConfig.CLEANUP_POLICY_CONFIG),
            Map.entry("log.cleaner.delete.retention.ms", TopicConfig.DELETE_RETENTION_MS_CONFIG),
            Map.entry("log.cleaner.min.cleanable.ratio", TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG),
            Map.entry("log.cleaner.min.compaction.lag.ms", TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG),
            Map.entry("log.cleaner.max.compaction.lag.ms", TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG),
            Map.entry("compression.type", TopicConfig.COMPRESSION_TYPE_CONFIG),
            Map.entry("compression.gzip.level", TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG),
            Map.entry("compression.lz4.level", TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG),
            Map.entry("compression.zstd.level", TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG),
            Map.entry("log.message.timestamp.type", TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG),
            Map.entry("log.message.timestamp.before.max.ms", TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG),
            Map.entry("log.message.timestamp.after.max.ms", TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG),
            Map.entry("log.preallocate", TopicConfig.PREALLOCATE_CONFIG),
            Map.entry("log.local.retention.ms", TopicConfig.LOCAL_LOG_RETENTION_MS_CONFIG),
            Map.entry("log.local.retention.bytes", TopicConfig.LOCAL_LOG_RETENTION_BYTES_CONFIG),
            Map.entry("min.insync.replicas", TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
            Map.entry("unclean.leader.election.enable", TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG));

    /** A topic time setting whose broker-level default comes in several units: the first key set wins. */
    private record TimeFamily(String topicKey, List<String> brokerKeys, List<TimeUnit> units) {
    }

    private static final List<TimeFamily> TIME_FAMILIES = List.of(
            new TimeFamily(TopicConfig.RETENTION_MS_CONFIG, List.of(LOG_RETENTION_MS, LOG_RETENTION_MINUTES,
                    LOG_RETENTION_HOURS), List.of(TimeUnit.MILLISECONDS, TimeUnit.MINUTES, TimeUnit.HOURS)),
            new TimeFamily(TopicConfig.SEGMENT_MS_CONFIG, List.of(LOG_ROLL_MS, LOG_ROLL_HOURS),
                    List.of(TimeUnit.MILLISECONDS, TimeUnit.HOURS)),
            new TimeFamily(TopicConfig.SEGMENT_JITTER_MS_CONFIG, List.of(LOG_ROLL_JITTER_MS, LOG_ROLL_JITTER_HOURS),
                    List.of(TimeUnit.MILLISECONDS, TimeUnit.HOURS)));

    /** The security protocols Skein's listeners serve: all of Kafka's, with SASL's PLAIN and SCRAM mechanisms. */
    private static final Set<SecurityProtocol> SERVED_PROTOCOLS = EnumSet.of(SecurityProtocol.PLAINTEXT,
            SecurityProtocol.SSL, SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL);

    /** Kafka keys for features Skein does not have: refused with the reason rather than as unknown. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG, "Skein's TLS engines are Kafka's DefaultSslEngineFactory's, "
                    + "set with the other ssl.* keys",
            "controller.quorum.bootstrap.servers", "Skein's metadata quorum is static: list the controllers in "
                    + CONTROLLER_QUORUM_VOTERS + " as id@host:port",
            "share.coordinator.state.topic.replication.factor", "Skein does not support share groups",
            "share.coordinator.state.topic.min.isr", "Skein does not support share groups");

    /** The protocols a controller listener serves: Raft and the controller service know no SASL. */
    private static final Set<SecurityProtocol> CONTROLLER_PROTOCOLS = EnumSet.of(SecurityProtocol.PLAINTEXT,
            SecurityProtocol.SSL);

    /** What {@code admin.listener} may start with, and the protocol each prefix means: Kafka's names. */
    private static final Map<String, SecurityProtocol> ADMIN_PREFIXES = Map.of(
            "PLAINTEXT", SecurityProtocol.PLAINTEXT, "SSL", SecurityProtocol.SSL);
    /** What {@code http.listener} may start with: HTTP's names, and Kafka's for those who write every listener so. */
    private static final Map<String, SecurityProtocol> HTTP_PREFIXES = Map.of(
            "HTTP", SecurityProtocol.PLAINTEXT, "PLAINTEXT", SecurityProtocol.PLAINTEXT,
            "HTTPS", SecurityProtocol.SSL, "SSL", SecurityProtocol.SSL);

    /** Kafka's default map: each protocol's name is a listener name of that protocol. */
    private static final String KAFKA_DEFAULT_PROTOCOL_MAP = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,"
            + "SASL_SSL:SASL_SSL";

    private static final ConfigDef DEFINITION = definition();

    /**
     * Keys a listener may set for itself as {@code listener.name.<name>.<key>}: the TLS settings, as
     * Kafka's listeners take them (the reload interval is the node's), and its SASL mechanisms.
     */
    private static final Set<String> LISTENER_KEYS = DEFINITION.names().stream()
            .filter(key -> key.startsWith("ssl.") && !key.equals(SSL_RELOAD_CHECK_INTERVAL_MS)
                    || key.equals(SASL_ENABLED_MECHANISMS))
            .collect(Collectors.toUnmodifiableSet());

    /**
     * A SASL listener's JAAS config of each mechanism Skein serves, {@code <mechanism>.sasl.jaas.config}
     * under the listener's prefix only, as Kafka's brokers take it: a password.
     */
    private static final Map<String, String> SASL_JAAS_KEYS = ListenerSasl.MECHANISMS.stream().collect(
            Collectors.toUnmodifiableMap(m -> m.toLowerCase(Locale.ROOT) + "." + SASL_JAAS_CONFIG, m -> m));

    private final Map<String, String> originals;
    private final Map<String, Object> values;
    private final EnumSet<Role> roles;
    private final List<Listener> listeners;
    /** Each listener's security protocol by name: Kafka's listeners' from the map, and Skein's own listeners'. */
    private final Map<String, SecurityProtocol> securityProtocols;
    private final Listener adminListener;
    private final Listener httpListener;
    /** Each listener's own settings ({@code listener.name.<name>.*}), parsed, by listener name. */
    private final Map<String, Map<String, Object>> listenerOverrides;
    private final List<Listener> advertisedListeners;
    private final List<String> controllerListenerNames;
    private final List<Voter> voters;
    private final List<Path> logDirs;
    private final LogConfig topicDefaults;

    private NodeConfig(Map<String, String> originals) {
        this.originals = Map.copyOf(originals);
        this.values = DEFINITION.parse(originals);
        this.roles = parseRoles(getList(PROCESS_ROLES));
        this.controllerListenerNames = getList(CONTROLLER_LISTENER_NAMES).stream()
                .map(name -> name.toUpperCase(Locale.ROOT)).toList();
        this.listeners = parseListeners(LISTENERS, getList(LISTENERS));
        Map<String, SecurityProtocol> protocols = new HashMap<>(parseSecurityProtocols());
        this.adminListener = parseOwnListener(ADMIN_LISTENER, ADMIN_LISTENER_NAME, ADMIN_PREFIXES, protocols);
        this.httpListener = parseOwnListener(HTTP_LISTENER, HTTP_LISTENER_NAME, HTTP_PREFIXES, protocols);
        this.securityProtocols = Map.copyOf(protocols);
        this.listenerOverrides = parseListenerOverrides();
        List<String> advertised = getList(ADVERTISED_LISTENERS);
        this.advertisedListeners = advertised == null ? advertise(listeners) : parseListeners(ADVERTISED_LISTENERS, advertised);
        this.voters = parseVoters(getList(CONTROLLER_QUORUM_VOTERS));
        List<String> dirs = getList(LOG_DIRS);
        this.logDirs = (dirs == null ? List.of(getString(LOG_DIR)) : dirs).stream()
                .map(dir -> Path.of(dir).toAbsolutePath().normalize()).toList();
        this.topicDefaults = topicDefaults(values);
        validate();
    }

    /**
     * Parses settings as a properties file holds them.
     *
     * @throws ConfigException naming the key, for an unknown or unsupported key, a missing required
     *                         key, an invalid value, or settings that contradict each other
     */
    public static NodeConfig of(Map<String, String> settings) {
        for (String key : new TreeSet<>(settings.keySet())) {
            if (UNSUPPORTED.containsKey(key)) {
                throw new ConfigException("Configuration key '" + key + "' is not supported: " + UNSUPPORTED.get(key)
                        + ". Remove it.");
            }
            String own = listenerKey(key);
            if (own != null && UNSUPPORTED.containsKey(own)) {
                throw new ConfigException("Configuration key '" + key + "' is not supported: " + UNSUPPORTED.get(own)
                        + ". Remove it.");
            }
            if (own == null && !DEFINITION.names().contains(key)) {
                throw new ConfigException("Unknown configuration key '" + key + "': Skein takes Kafka's broker "
                        + "config names." + UnknownKey.hint(List.of(key), DEFINITION.names(), LIST_COMMAND));
            }
        }
        return new NodeConfig(settings);
    }

    /** Reads a {@code server.properties} file. */
    public static NodeConfig load(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> settings = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> settings.put(key, properties.getProperty(key).trim()));
        try {
            return of(settings);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    private static ConfigDef definition() {
        ConfigDef def = new ConfigDef()
                .define(PROCESS_ROLES, LIST, NO_DEFAULT_VALUE, HIGH,
                        "broker, controller, or broker,controller (a combined node)")
                .define(NODE_ID, INT, NO_DEFAULT_VALUE, atLeast(0), HIGH, "This node's id, unique in the cluster")
                .define(LISTENERS, LIST, "PLAINTEXT://:9092", HIGH,
                        "NAME://host:port to listen on; an empty host binds every interface. A controller's "
                                + "listener (see " + CONTROLLER_LISTENER_NAMES + ") uses its port for the metadata "
                                + "quorum and the next port for the controller service")
                .define(ADVERTISED_LISTENERS, LIST, null, HIGH, "Addresses given to clients; default: listeners")
                .define(LISTENER_SECURITY_PROTOCOL_MAP, LIST, KAFKA_DEFAULT_PROTOCOL_MAP, LOW,
                        "Security protocol of each listener name, NAME:PROTOCOL. Left unset, a listener named after "
                                + "a protocol has it, and the controller listeners are PLAINTEXT unless a listener "
                                + "uses SSL or SASL (then map them), as in Kafka. Skein serves PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL")
                .define(CONTROLLER_LISTENER_NAMES, LIST, DEFAULT_CONTROLLER_LISTENER, HIGH,
                        "Names of the listeners controllers serve on")
                .define(INTER_BROKER_LISTENER_NAME, STRING, "PLAINTEXT", MEDIUM,
                        "Listener brokers use to reach each other")
                // Loopback by default: the admin API has no authentication, so exposing it is the operator's choice.
                .define(ADMIN_LISTENER, STRING, "127.0.0.1:9093", HIGH,
                        "host:port of the gRPC admin API a broker serves (the `skein` tool's --admin), or "
                                + "SSL://host:port for TLS with the ssl.* keys (listener.name.admin.ssl.* first); "
                                + "an empty host binds every interface, port 0 any free port")
                // Loopback too: the metrics and the console have no authentication either. The port is the first
                // above the quickstart's Kafka (9092), admin API (9093) and controller (9094, 9095) ports.
                .define(HTTP_LISTENER, STRING, "127.0.0.1:9096", HIGH,
                        "host:port of the node's HTTP server: Prometheus metrics on /metrics, a broker's console; "
                                + "HTTPS://host:port for TLS with the ssl.* keys (listener.name.http.ssl.* first); "
                                + "an empty host binds every interface, port 0 any free port")
                // The history keeps 360 samples: an hour at 10 s. Every broker of a cluster should sample alike, as
                // their samples are added up by sample time.
                .define(METRICS_HISTORY_SAMPLE_INTERVAL_MS, INT, 10_000, atLeast(100), MEDIUM,
                        "How often a broker samples its rates, latencies and groups' lag into its history "
                                + "(the last 360 samples are kept)")
                .define(CONTROLLER_QUORUM_VOTERS, LIST, NO_DEFAULT_VALUE, HIGH,
                        "The controllers, as id@host:port with each controller listener's address")
                // Kafka's default. 100 ms made a quorum of two live voters lose its leader every few hundred
                // ms when containers shared two busy cores (chaos tests): a leader steps down when its
                // followers' answers take longer than twice this.
                .define(CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS, INT, (int) QuorumSettings.DEFAULT_ELECTION_TIMEOUT.toMillis(),
                        atLeast(10), MEDIUM,
                        "Shortest Raft election timeout of the metadata quorum (the longest is twice it)")
                .define(LOG_DIRS, LIST, null, HIGH, "Directories holding partition logs; default: log.dir")
                .define(LOG_DIR, STRING, "/tmp/kafka-logs", HIGH, "Used when log.dirs is not set")
                .define(METADATA_LOG_DIR, STRING, null, HIGH,
                        "Where the metadata log lives (in a __cluster_metadata subdirectory); default: the first log dir")
                .define(NUM_NETWORK_THREADS, INT, 3, atLeast(1), MEDIUM, "Threads reading and writing sockets")
                .define(NUM_IO_THREADS, INT, 8, atLeast(1), MEDIUM, "Threads handling requests")
                .define(SOCKET_SEND_BUFFER_BYTES, INT, 102400, atLeast(-1), LOW, "SO_SNDBUF; -1: the OS default")
                .define(SOCKET_RECEIVE_BUFFER_BYTES, INT, 102400, atLeast(-1), LOW, "SO_RCVBUF; -1: the OS default")
                .define(SOCKET_REQUEST_MAX_BYTES, INT, 100 * 1024 * 1024, atLeast(1), HIGH,
                        "Largest request accepted; a larger one closes the connection")
                .define(AUTO_CREATE_TOPICS_ENABLE, BOOLEAN, true, HIGH,
                        "Create a topic when a client asks for its metadata")
                .define(DELETE_TOPIC_ENABLE, BOOLEAN, true, HIGH, "Allow deleting topics")
                .define(NUM_PARTITIONS, INT, 1, atLeast(1), MEDIUM, "Partitions of a topic created without a count")
                .define(DEFAULT_REPLICATION_FACTOR, SHORT, (short) 1, atLeast(1), MEDIUM,
                        "Replication factor of a topic created without one")
                .define(AUTO_LEADER_REBALANCE_ENABLE, BOOLEAN, true, HIGH,
                        "Move leaderships back to preferred replicas that are in the ISR again")
                .define(LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS, LONG, 300L, atLeast(1), HIGH,
                        "How often the controller moves leaderships back to preferred replicas")
                .define(BROKER_SESSION_TIMEOUT_MS, INT, 9000, atLeast(1), MEDIUM,
                        "A broker without a heartbeat for this long is fenced")
                .define(BROKER_HEARTBEAT_INTERVAL_MS, INT, 2000, atLeast(1), MEDIUM,
                        "How often a broker heartbeats to the controller")
                .define(BROKER_SESSION_DISCONNECT_GRACE_MS, LONG, ControllerSettings.DEFAULT_DISCONNECT_GRACE_MS,
                        atLeast(0), MEDIUM, "How long the active controller waits for a heartbeat from a broker "
                                + "whose metadata stream lost its connection (from every broker, when it takes over) "
                                + "before it probes the broker's listeners: one whose listeners all refuse connections "
                                + "is fenced then, not at " + BROKER_SESSION_TIMEOUT_MS + ". At or above "
                                + BROKER_SESSION_TIMEOUT_MS + ", only the session timeout fences")
                .define(REPLICA_LAG_TIME_MAX_MS, LONG, 30_000L, atLeast(1), MEDIUM,
                        "A follower this far behind leaves the ISR")
                .define(REPLICA_FETCH_WAIT_MAX_MS, INT, 500, atLeast(0), MEDIUM,
                        "How long a follower's fetch waits at the leader for new data")
                .define(REPLICA_FETCH_MAX_BYTES, INT, 1024 * 1024, atLeast(0), MEDIUM,
                        "How much a follower fetches of one partition at a time (at least one batch)")
                .define(REPLICA_FETCH_RESPONSE_MAX_BYTES, INT, 10 * 1024 * 1024, atLeast(0), MEDIUM,
                        "How much a follower fetches at a time in all")
                .define(REPLICA_FETCH_BACKOFF_MS, INT, 1_000, atLeast(0), MEDIUM,
                        "How long a follower waits after a failed fetch")
                .define(LEADER_REPLICATION_THROTTLED_RATE, LONG, Long.MAX_VALUE, atLeast(0), MEDIUM,
                        "The most bytes per second this broker sends, as leader, to the out-of-sync followers of the "
                                + "replicas a topic's leader.replication.throttled.replicas names (usually set "
                                + "dynamically, for a reassignment)")
                .define(FOLLOWER_REPLICATION_THROTTLED_RATE, LONG, Long.MAX_VALUE, atLeast(0), MEDIUM,
                        "The most bytes per second this broker fetches, as an out-of-sync follower, of the replicas "
                                + "a topic's follower.replication.throttled.replicas names (usually set dynamically, "
                                + "for a reassignment)")
                .define(REPLICA_ALTER_LOG_DIRS_IO_MAX_BYTES_PER_SECOND, LONG, Long.MAX_VALUE, atLeast(0), LOW,
                        "Kafka's throttle of replica moves between log directories, which Skein does not make "
                                + "(AlterReplicaLogDirs is not served): accepted, as Kafka's reassignment tool sets "
                                + "and clears it, and meaning nothing")
                .define(QUOTA_WINDOW_NUM, INT, 11, atLeast(1), LOW,
                        "The samples a client quota's rate is measured over: with quota.window.size.seconds, how far "
                                + "back a client's use counts (set quotas with kafka-configs or skein quotas)")
                .define(QUOTA_WINDOW_SIZE_SECONDS, INT, 1, atLeast(1), LOW,
                        "The length of each sample of a client quota's rate")
                .define(OFFSETS_TOPIC_REPLICATION_FACTOR, SHORT, (short) 3, atLeast(1), MEDIUM,
                        "Replication factor of __consumer_offsets")
                .define(OFFSETS_TOPIC_NUM_PARTITIONS, INT, 50, atLeast(1), MEDIUM, "Partitions of __consumer_offsets")
                .define(OFFSETS_TOPIC_SEGMENT_BYTES, INT, 100 * 1024 * 1024, atLeast(1), LOW,
                        "Segment size of __consumer_offsets, kept small so that it compacts quickly")
                .define(OFFSETS_RETENTION_MINUTES, INT, 7 * 24 * 60, atLeast(1), MEDIUM,
                        "How long an empty group keeps its committed offsets")
                .define(OFFSETS_RETENTION_CHECK_INTERVAL_MS, LONG, 600_000L, atLeast(1), LOW,
                        "How often expired offsets are removed")
                .define(OFFSETS_COMMIT_TIMEOUT_MS, INT, 5_000, atLeast(1), LOW,
                        "How long an offset commit waits for the in-sync replicas")
                .define(OFFSET_METADATA_MAX_BYTES, INT, 4096, atLeast(0), LOW, "Largest metadata of a committed offset")
                .define(GROUP_INITIAL_REBALANCE_DELAY_MS, INT, 3_000, atLeast(0), MEDIUM,
                        "How long the first rebalance of an empty group waits for more members")
                .define(GROUP_MIN_SESSION_TIMEOUT_MS, INT, 6_000, atLeast(1), MEDIUM, "Shortest session timeout a member may ask for")
                .define(GROUP_MAX_SESSION_TIMEOUT_MS, INT, 1_800_000, atLeast(1), MEDIUM,
                        "Longest session timeout a member may ask for")
                .define(GROUP_MAX_SIZE, INT, Integer.MAX_VALUE, atLeast(1), MEDIUM, "Most members a group may have")
                .define(TRANSACTION_STATE_LOG_NUM_PARTITIONS, INT, 50, atLeast(1), MEDIUM,
                        "Partitions of __transaction_state")
                .define(TRANSACTION_STATE_LOG_REPLICATION_FACTOR, SHORT, (short) 3, atLeast(1), MEDIUM,
                        "Replication factor of __transaction_state, capped at the live brokers when it is created")
                .define(TRANSACTION_STATE_LOG_MIN_ISR, INT, 2, atLeast(1), MEDIUM,
                        "min.insync.replicas of __transaction_state")
                .define(TRANSACTION_STATE_LOG_SEGMENT_BYTES, INT, 100 * 1024 * 1024, atLeast(1), LOW,
                        "Segment size of __transaction_state, kept small so that it compacts quickly")
                .define(TRANSACTION_MAX_TIMEOUT_MS, INT, 900_000, atLeast(1), MEDIUM,
                        "The longest transaction timeout a producer may ask for")
                .define(TRANSACTIONAL_ID_EXPIRATION_MS, INT, 604_800_000, atLeast(1), MEDIUM,
                        "How long a transactional id with no transaction and no request is kept")
                .define(TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS, INT, 10_000, atLeast(1), LOW,
                        "How often transactions older than their timeout are looked for and aborted")
                .define(TRANSACTION_REMOVE_EXPIRED_TRANSACTION_CLEANUP_INTERVAL_MS, INT, 3_600_000, atLeast(1), LOW,
                        "How often expired transactional ids are removed")
                .define(ADD_PARTITIONS_TO_TXN_RETRY_BACKOFF_MS, INT, 20, atLeast(1), LOW,
                        "How long a leader waits before it asks a transaction coordinator again to add a partition "
                                + "it refused with CONCURRENT_TRANSACTIONS")
                .define(ADD_PARTITIONS_TO_TXN_RETRY_BACKOFF_MAX_MS, INT, 100, atLeast(0), LOW,
                        "For how long a leader asks again (at most request.timeout.ms) before the producer is told")
                .define(REQUEST_TIMEOUT_MS, INT, 30_000, atLeast(1), LOW,
                        "How long a broker waits for another's answer, and a coordinator's write for the in-sync replicas")
                .define(PRODUCER_ID_EXPIRATION_MS, INT, 86_400_000, atLeast(1), LOW,
                        "A partition forgets an idempotent producer silent for this long")
                .define(NUM_RECOVERY_THREADS_PER_DATA_DIR, INT, 1, atLeast(1), LOW,
                        "Threads per log dir recovering logs at startup")
                .define(BACKGROUND_THREADS, INT, 4, atLeast(1), LOW, "Threads for retention, flushes and checkpoints")
                .define(LOG_RETENTION_CHECK_INTERVAL_MS, LONG, 300_000L, atLeast(1), LOW, "How often retention runs")
                .define(LOG_FLUSH_SCHEDULER_INTERVAL_MS, LONG, 1_000L, atLeast(1), LOW, "How often flush.ms is checked")
                .define(LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS, INT, 60_000, atLeast(1), LOW,
                        "How often recovery points are checkpointed")
                .define(LOG_FLUSH_START_OFFSET_CHECKPOINT_INTERVAL_MS, INT, 60_000, atLeast(1), LOW,
                        "How often log start offsets are checkpointed")
                .define(REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS, LONG, 5_000L, atLeast(1), LOW,
                        "How often high watermarks are checkpointed")
                .define(LOG_CLEANER_ENABLE, BOOLEAN, true, MEDIUM, "Whether compacted topics are cleaned")
                .define(LOG_CLEANER_BACKOFF_MS, LONG, 15_000L, atLeast(1), LOW,
                        "How long the log cleaner rests between passes")
                .define(LOG_RETENTION_HOURS, INT, 168, atLeast(-1), HIGH, "Default retention.ms, in hours")
                .define(LOG_RETENTION_MINUTES, INT, null, nullOrAtLeast(-1), HIGH, "Default retention.ms, in minutes")
                .define(LOG_RETENTION_MS, LONG, null, nullOrAtLeast(-1), HIGH, "Default retention.ms")
                .define(LOG_ROLL_HOURS, INT, 168, between(1, Integer.MAX_VALUE), MEDIUM, "Default segment.ms, in hours")
                .define(LOG_ROLL_MS, LONG, null, nullOrAtLeast(1), MEDIUM, "Default segment.ms")
                .define(LOG_ROLL_JITTER_HOURS, INT, 0, atLeast(0), MEDIUM, "Default segment.jitter.ms, in hours")
                .define(LOG_ROLL_JITTER_MS, LONG, null, nullOrAtLeast(0), MEDIUM, "Default segment.jitter.ms")
                .define(SSL_CLIENT_AUTH, STRING, SslClientAuth.NONE.name().toLowerCase(Locale.ROOT),
                        ConfigDef.CaseInsensitiveValidString.in("none", "requested", "required"), MEDIUM,
                        "Whether an SSL listener asks clients for a certificate (requested) or refuses those "
                                + "without a trusted one (required); the principal is the certificate's name")
                .define(SSL_PRINCIPAL_MAPPING_RULES, STRING, "DEFAULT", LOW,
                        "Rules mapping a client certificate's distinguished name to the principal's name, as "
                                + "Kafka's; DEFAULT keeps the whole name")
                .define(SSL_ALLOW_DN_CHANGES, BOOLEAN, false, LOW,
                        "Whether a reloaded keystore may change its certificate's distinguished name")
                .define(SSL_ALLOW_SAN_CHANGES, BOOLEAN, false, LOW,
                        "Whether a reloaded keystore may drop subject alternative names of its certificate")
                // Skein's own: Kafka reloads a keystore when kafka-configs sets its path again; Skein watches the files.
                .define(SSL_RELOAD_CHECK_INTERVAL_MS, LONG, 15_000L, atLeast(0), LOW,
                        "How often TLS listeners check whether their keystore and truststore files changed, and "
                                + "re-read them for new connections if so; 0: never")
                // Kafka's default, GSSAPI, which Skein does not serve: a SASL listener names its mechanisms.
                .define(SASL_ENABLED_MECHANISMS, LIST, "GSSAPI", MEDIUM,
                        "SASL mechanisms a SASL listener enables unless listener.name.<listener>."
                                + SASL_ENABLED_MECHANISMS + " says otherwise: of " + ListenerSasl.MECHANISMS)
                .define(SASL_MECHANISM_INTER_BROKER_PROTOCOL, STRING, "GSSAPI", MEDIUM,
                        "SASL mechanism brokers authenticate to each other with, when the inter-broker listener is "
                                + "SASL; the broker's username and password are in that listener's "
                                + "listener.name.<listener>.<mechanism>.sasl.jaas.config")
                .define(CONNECTIONS_MAX_REAUTH_MS, LONG, 0L, atLeast(0), MEDIUM,
                        "How long a SASL session lasts before the client must authenticate again on its connection "
                                + "(KIP-368); 0: for ever")
                .define(CONNECTION_FAILED_AUTHENTICATION_DELAY_MS, INT, 100, atLeast(0), LOW,
                        "How long a failed authentication waits before it is answered and its connection closed, "
                                + "against password guessing")
                .define(SASL_SERVER_MAX_RECEIVE_SIZE, INT, 524288, atLeast(1), LOW,
                        "Largest request accepted on a SASL listener before the client has authenticated")
                .define(AUTHORIZER_CLASS_NAME, STRING, "", LOW, "Empty: no authorization, as in Kafka; "
                        + STANDARD_AUTHORIZER + ": Kafka's ACLs, kept in the metadata log, checked on every request")
                .define(SUPER_USERS, STRING, "", LOW, "Principals allowed everything whatever the ACLs say, such as "
                        + "User:admin;User:broker (separated by semicolons)")
                .define(ALLOW_EVERYONE_IF_NO_ACL_FOUND, BOOLEAN, false, LOW,
                        "Whether a resource no ACL names is open to everyone (else to super users only)");
        SslConfigs.addClientSslSupport(def);
        Map<String, ConfigDef.ConfigKey> topicKeys = LogConfig.keys();
        TOPIC_SYNONYMS.forEach((brokerName, topicName) -> {
            ConfigDef.ConfigKey topicKey = topicKeys.get(topicName);
            def.define(brokerName, topicKey.type, topicKey.defaultValue, topicKey.validator, MEDIUM,
                    "Default " + topicName + " of every topic: " + topicKey.documentation);
        });
        return def;
    }

    /** For keys whose absence means "use another key": unset, or a number at least {@code min}. */
    private static ConfigDef.Validator nullOrAtLeast(long min) {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            if (value != null && ((Number) value).longValue() < min) {
                throw new ConfigException(name, value, "Value must be at least " + min);
            }
        }, () -> "[" + min + ",...]");
    }

    private static EnumSet<Role> parseRoles(List<String> names) {
        EnumSet<Role> roles = EnumSet.noneOf(Role.class);
        for (String name : names) {
            try {
                roles.add(Role.valueOf(name.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(PROCESS_ROLES, name, "a role is broker or controller");
            }
        }
        if (roles.isEmpty()) {
            throw new ConfigException(PROCESS_ROLES, names, "name at least one of broker, controller");
        }
        return roles;
    }

    private static List<Listener> parseListeners(String key, List<String> specs) {
        List<Listener> parsed = new ArrayList<>();
        for (String spec : specs) {
            try {
                Listener listener = Listener.parse(spec);
                if (parsed.stream().anyMatch(l -> l.name().equals(listener.name()))) {
                    throw new ConfigException(key, specs, "listener name " + listener.name() + " appears twice");
                }
                parsed.add(listener);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key, spec, e.getMessage());
            }
        }
        return List.copyOf(parsed);
    }

    /** Kafka advertises a listener without a host under the machine's canonical host name. */
    private static List<Listener> advertise(List<Listener> listeners) {
        return listeners.stream().map(l -> l.host().isEmpty() || l.host().equals("0.0.0.0")
                ? new Listener(l.name(), canonicalHostName(), l.port()) : l).toList();
    }

    private static String canonicalHostName() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            throw new ConfigException("Cannot find this machine's host name to advertise (" + e.getMessage()
                    + "): set " + ADVERTISED_LISTENERS);
        }
    }

    private static List<Voter> parseVoters(List<String> specs) {
        List<Voter> voters = new ArrayList<>();
        for (String spec : specs) {
            try {
                voters.add(Voter.parse(spec.trim()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, spec, e.getMessage());
            }
        }
        if (voters.isEmpty()) {
            throw new ConfigException(CONTROLLER_QUORUM_VOTERS, specs, "name at least one controller");
        }
        if (voters.stream().map(Voter::id).distinct().count() != voters.size()) {
            throw new ConfigException(CONTROLLER_QUORUM_VOTERS, specs, "a node id appears twice");
        }
        return List.copyOf(voters);
    }

    /** Parses settings as given into their types, each checked alone: no key is required or refused here. */
    static Map<String, Object> parse(Map<String, String> settings) {
        return DEFINITION.parse(settings);
    }

    /** {@code value} as {@code key}'s type, checked by its validator. */
    static Object parse(String key, String value) {
        ConfigDef.ConfigKey definition = DEFINITION.configKeys().get(key);
        Object parsed = ConfigDef.parseType(key, value, definition.type);
        if (definition.validator != null) {
            definition.validator.ensureValid(key, parsed);
        }
        return parsed;
    }

    /** The defaults of every topic that broker-level {@code values} (as {@link #parse} gives them) set. */
    static LogConfig topicDefaults(Map<String, Object> values) {
        Map<String, Object> settings = new HashMap<>();
        TOPIC_SYNONYMS.forEach((brokerName, topicName) -> settings.put(topicName, values.get(brokerName)));
        for (TimeFamily family : TIME_FAMILIES) {
            for (int i = 0; i < family.brokerKeys().size(); i++) {
                Number value = (Number) values.get(family.brokerKeys().get(i));
                if (value != null) {
                    long ms = family.units().get(i).toMillis(value.longValue());
                    settings.put(family.topicKey(), ms < 0 ? -1L : ms); // -1 in any unit: forever
                    break;
                }
            }
        }
        try {
            return LogConfig.fromMap(settings);
        } catch (ConfigException e) {
            throw new ConfigException("Invalid topic default: " + e.getMessage());
        }
    }

    /**
     * {@code listener.security.protocol.map} as Kafka reads it: every listener name must be in it.
     * Left unset, it is Kafka's default (each protocol's own name), and in a cluster where no listener
     * uses SSL or SASL the controller listeners are PLAINTEXT too.
     */
    private Map<String, SecurityProtocol> parseSecurityProtocols() {
        Map<String, SecurityProtocol> map = new HashMap<>();
        for (String entry : getList(LISTENER_SECURITY_PROTOCOL_MAP)) {
            String[] parts = entry.split(":");
            if (parts.length != 2) {
                throw new ConfigException(LISTENER_SECURITY_PROTOCOL_MAP, entry, "an entry is NAME:PROTOCOL");
            }
            String name = parts[0].trim().toUpperCase(Locale.ROOT);
            try {
                map.put(name, SecurityProtocol.forName(parts[1].trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(LISTENER_SECURITY_PROTOCOL_MAP, entry, "unknown security protocol "
                        + parts[1].trim() + "; Kafka's are " + SecurityProtocol.names());
            }
        }
        if (!originals.containsKey(LISTENER_SECURITY_PROTOCOL_MAP)) {
            boolean secured = listeners.stream().map(Listener::name).anyMatch(NodeConfig::namesSecuredProtocol)
                    || controllerListenerNames.stream().anyMatch(NodeConfig::namesSecuredProtocol);
            if (!secured) {
                controllerListenerNames.forEach(name -> map.putIfAbsent(name, SecurityProtocol.PLAINTEXT));
            }
        }
        for (Listener listener : listeners) {
            if (!map.containsKey(listener.name())) {
                throw new ConfigException(LISTENER_SECURITY_PROTOCOL_MAP, getList(LISTENER_SECURITY_PROTOCOL_MAP),
                        "no security protocol for listener " + listener.name() + ": add " + listener.name()
                                + ":PROTOCOL (once a listener uses SSL or SASL, or the map is set, every listener, "
                                + "the controller's too, needs an entry, as in Kafka)");
            }
        }
        return Map.copyOf(map);
    }

    /**
     * One of Skein's own listeners: {@code host:port} (plaintext), or {@code PREFIX://host:port} with a
     * prefix of {@code prefixes}, whose protocol goes into {@code protocols} under {@code name}.
     */
    private Listener parseOwnListener(String key, String name, Map<String, SecurityProtocol> prefixes,
                                      Map<String, SecurityProtocol> protocols) {
        String value = getString(key).trim();
        if (listeners.stream().anyMatch(l -> l.name().equals(name)) || controllerListenerNames.contains(name)) {
            throw new ConfigException(LISTENERS, getList(LISTENERS), name + " names Skein's " + key + " (whose TLS "
                    + "settings are " + LISTENER_NAME_PREFIX + name.toLowerCase(Locale.ROOT) + ".ssl.*): give that "
                    + "Kafka listener another name");
        }
        if (protocols.containsKey(name)) {
            throw new ConfigException(LISTENER_SECURITY_PROTOCOL_MAP, getList(LISTENER_SECURITY_PROTOCOL_MAP), name
                    + " names Skein's " + key + ", whose value says its protocol (SSL://host:port): remove " + name
                    + " from the map");
        }
        int scheme = value.indexOf("://");
        SecurityProtocol protocol = SecurityProtocol.PLAINTEXT;
        if (scheme >= 0) {
            protocol = prefixes.get(value.substring(0, scheme).toUpperCase(Locale.ROOT));
            if (protocol == null) {
                throw new ConfigException(key, value, "expected host:port or PROTOCOL://host:port with PROTOCOL one of "
                        + new TreeSet<>(prefixes.keySet()));
            }
            value = value.substring(scheme + 3);
        }
        try {
            Listener listener = Listener.parse(name + "://" + value);
            protocols.put(name, protocol);
            return listener;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, getString(key), "expected host:port or PROTOCOL://host:port");
        }
    }

    private static boolean namesSecuredProtocol(String listenerName) {
        return listenerName.equals("SSL") || listenerName.startsWith("SASL_");
    }

    /** The key under a {@code listener.name.<name>.} prefix, if {@code key} is a listener's own setting Skein takes. */
    private static String listenerKey(String key) {
        if (!key.startsWith(LISTENER_NAME_PREFIX)) {
            return null;
        }
        int dot = key.indexOf('.', LISTENER_NAME_PREFIX.length());
        if (dot < 0) {
            return null;
        }
        String own = key.substring(dot + 1);
        return LISTENER_KEYS.contains(own) || SASL_JAAS_KEYS.containsKey(own) || UNSUPPORTED.containsKey(own) ? own
                : null;
    }

    private Map<String, Map<String, Object>> parseListenerOverrides() {
        Map<String, Map<String, Object>> overrides = new HashMap<>();
        for (String key : new TreeSet<>(originals.keySet())) {
            String own = listenerKey(key);
            if (own == null) {
                continue;
            }
            String name = key.substring(LISTENER_NAME_PREFIX.length(), key.length() - own.length() - 1);
            Optional<String> listener = knownListenerNames().stream()
                    .filter(known -> known.toLowerCase(Locale.ROOT).equals(name)).findFirst();
            if (listener.isEmpty()) {
                throw new ConfigException(key, originals.get(key), "there is no listener " + name + " in " + LISTENERS
                        + " or " + CONTROLLER_LISTENER_NAMES + ", nor is it Skein's admin or http listener (a "
                        + "listener's own keys name it in lower case, as Kafka's do)");
            }
            ConfigDef.ConfigKey definition = DEFINITION.configKeys().get(own);
            Object value = definition == null ? new Password(originals.get(key)) // a JAAS config
                    : ConfigDef.parseType(key, originals.get(key), definition.type);
            if (definition != null && definition.validator != null) {
                definition.validator.ensureValid(key, value);
            }
            overrides.computeIfAbsent(listener.get(), n -> new HashMap<>()).put(own, value);
        }
        return overrides;
    }

    /**
     * Every listener name that may have settings of its own: this node's listeners, the controllers'
     * (which a broker-only node connects to with them, as in Kafka), and Skein's admin and HTTP listeners.
     */
    private Set<String> knownListenerNames() {
        Set<String> names = new TreeSet<>(controllerListenerNames);
        listeners.forEach(listener -> names.add(listener.name()));
        names.add(ADMIN_LISTENER_NAME);
        names.add(HTTP_LISTENER_NAME);
        return names;
    }

    private void validate() {
        for (Listener listener : listeners) {
            SecurityProtocol protocol = securityProtocol(listener.name());
            if (controllerListenerNames.contains(listener.name()) && !CONTROLLER_PROTOCOLS.contains(protocol)) {
                throw new ConfigException(LISTENER_SECURITY_PROTOCOL_MAP, getList(LISTENER_SECURITY_PROTOCOL_MAP),
                        "controller listener " + listener.name() + " would be " + protocol + ", but Skein's "
                                + "controllers (the metadata quorum and the controller service) serve "
                                + CONTROLLER_PROTOCOLS);
            }
            if (!SERVED_PROTOCOLS.contains(protocol)) {
                throw new ConfigException(LISTENER_SECURITY_PROTOCOL_MAP, getList(LISTENER_SECURITY_PROTOCOL_MAP),
                        "listener " + listener.name() + " would be " + protocol + ", which Skein does not serve: "
                                + "its listeners serve " + SERVED_PROTOCOLS);
            }
            requireKeystoreIfTls(listener.name());
        }
        if (roles.contains(Role.BROKER)) {
            requireKeystoreIfTls(ADMIN_LISTENER_NAME);
        }
        requireKeystoreIfTls(HTTP_LISTENER_NAME);
        checkSasl();
        for (String name : controllerListenerNames) {
            if (!securityProtocols.containsKey(name)) {
                throw new ConfigException(LISTENER_SECURITY_PROTOCOL_MAP, getList(LISTENER_SECURITY_PROTOCOL_MAP),
                        "controller listener " + name + " (" + CONTROLLER_LISTENER_NAMES + ") needs an entry, "
                                + name + ":PLAINTEXT");
            }
        }
        for (Listener advertised : advertisedListeners) {
            if (advertised.host().equals("0.0.0.0")) {
                throw new ConfigException(ADVERTISED_LISTENERS, advertised.toString(),
                        "clients cannot connect to 0.0.0.0: advertise a host name or address");
            }
            if (listeners.stream().noneMatch(l -> l.name().equals(advertised.name()))) {
                throw new ConfigException(ADVERTISED_LISTENERS, advertised.toString(),
                        "there is no listener named " + advertised.name() + " in " + LISTENERS);
            }
        }
        if (roles.contains(Role.BROKER) && clientListeners().isEmpty()) {
            throw new ConfigException(LISTENERS, listeners.toString(),
                    "a broker needs a listener for clients, one not named in " + CONTROLLER_LISTENER_NAMES);
        }
        if (roles.contains(Role.BROKER) && clientListeners().stream()
                .noneMatch(l -> l.name().equals(interBrokerListenerName()))) {
            throw new ConfigException(INTER_BROKER_LISTENER_NAME, getString(INTER_BROKER_LISTENER_NAME),
                    "brokers reach each other on a listener of this node's: one of "
                            + clientListeners().stream().map(Listener::name).toList());
        }
        String authorizer = getString(AUTHORIZER_CLASS_NAME).trim();
        if (!authorizer.isEmpty() && !authorizer.equals(STANDARD_AUTHORIZER)) {
            throw new ConfigException(AUTHORIZER_CLASS_NAME, authorizer, "Skein's one authorizer is Kafka's "
                    + STANDARD_AUTHORIZER + " (ACLs kept in the metadata log); leave it empty for no authorization");
        }
        for (String superUser : superUsers()) {
            if (superUser.indexOf(':') < 0) {
                throw new ConfigException(SUPER_USERS, getString(SUPER_USERS), "'" + superUser
                        + "' is not a principal: write Type:name, such as User:" + superUser);
            }
        }
        Optional<Voter> self = voters.stream().filter(v -> v.id() == nodeId()).findFirst();
        if (roles.contains(Role.CONTROLLER)) {
            Listener controller = controllerListener().orElseThrow(() -> new ConfigException(LISTENERS,
                    listeners.toString(), "a controller needs a listener named in " + CONTROLLER_LISTENER_NAMES
                            + " " + controllerListenerNames));
            if (self.isEmpty()) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, getList(CONTROLLER_QUORUM_VOTERS),
                        "this node (" + NODE_ID + "=" + nodeId() + ") is a controller and must be one of the voters");
            }
            if (self.get().port() != controller.port()) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, self.get().toString(), "this node's voter port "
                        + self.get().port() + " differs from its controller listener " + controller);
            }
        } else if (self.isPresent()) {
            throw new ConfigException(CONTROLLER_QUORUM_VOTERS, self.get().toString(),
                    "this node is listed as a voter but " + PROCESS_ROLES + " does not include controller");
        }
    }

    /**
     * Every SASL listener names mechanisms Skein serves, with PLAIN's users in its JAAS config; the
     * inter-broker listener, if SASL, enables the inter-broker mechanism and holds the broker's own
     * credentials for it.
     */
    private void checkSasl() {
        for (Listener listener : clientListeners()) {
            Optional<ListenerSasl> sasl = listenerSasl(listener);
            if (sasl.isEmpty()) {
                continue;
            }
            List<String> mechanisms = sasl.get().mechanisms();
            if (mechanisms.isEmpty() || !ListenerSasl.MECHANISMS.containsAll(mechanisms)) {
                throw new ConfigException(listenerKeyName(listener.name(), SASL_ENABLED_MECHANISMS), mechanisms,
                        "SASL listener " + listener.name() + " needs mechanisms Skein serves: " + ListenerSasl.MECHANISMS);
            }
            if (mechanisms.contains("PLAIN") && !sasl.get().jaasConfigs().containsKey("PLAIN")) {
                throw new ConfigException(jaasConfigKey(listener.name(), "PLAIN"), null, "PLAIN on listener "
                        + listener.name() + " needs its users, as PlainLoginModule's user_<name>=\"<password>\" options");
            }
        }
        if (roles.contains(Role.BROKER)) {
            Optional<ListenerSasl> sasl = clientListeners().stream()
                    .filter(l -> l.name().equals(interBrokerListenerName())).findFirst().flatMap(this::listenerSasl);
            if (sasl.isPresent()) {
                String mechanism = getString(SASL_MECHANISM_INTER_BROKER_PROTOCOL);
                if (!sasl.get().mechanisms().contains(mechanism)) {
                    throw new ConfigException(SASL_MECHANISM_INTER_BROKER_PROTOCOL, mechanism, "the inter-broker "
                            + "listener " + sasl.get().listenerName() + " enables " + sasl.get().mechanisms());
                }
                if (!sasl.get().jaasConfigs().containsKey(mechanism)) {
                    throw new ConfigException(jaasConfigKey(sasl.get().listenerName(), mechanism), null,
                            "brokers authenticate to each other with " + mechanism + ": give this broker's username "
                                    + "and password in its login module's options");
                }
            }
        }
    }

    private static String jaasConfigKey(String listenerName, String mechanism) {
        return LISTENER_NAME_PREFIX + listenerName.toLowerCase(Locale.ROOT) + "." + mechanism.toLowerCase(Locale.ROOT)
                + "." + SASL_JAAS_CONFIG;
    }

    /** A listener this node serves over TLS must have a certificate to serve. */
    private void requireKeystoreIfTls(String listenerName) {
        ListenerSecurity security = listenerSecurity(listenerName);
        if (security.tls() && !security.hasKeystore()) {
            throw new ConfigException(listenerKeyName(listenerName, SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG),
                    null, security.protocol() + " listener " + listenerName + " needs a keystore: set "
                            + SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG + " (or " + SslConfigs.SSL_KEYSTORE_KEY_CONFIG
                            + " and " + SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG + "), or its "
                            + LISTENER_NAME_PREFIX + listenerName.toLowerCase(Locale.ROOT) + ". form");
        }
    }

    // ---------------------------------------------------------------- accessors

    /** The value of {@code key}, of its defined type: for the parts this config sets up, as Kafka's {@code AbstractConfig}. */
    public Object get(String key) {
        return values.get(key);
    }

    public int getInt(String key) {
        return (Integer) get(key);
    }

    private String getString(String key) {
        return (String) get(key);
    }

    @SuppressWarnings("unchecked")
    private List<String> getList(String key) {
        return (List<String>) get(key);
    }

    /** The settings as given, for DescribeConfigs. */
    public Map<String, String> originals() {
        return originals;
    }

    /**
     * Every setting's value in force, defaults included, keyed and sorted by name. The finest key of
     * a time default ({@code log.retention.ms}, {@code log.roll.ms}, {@code log.roll.jitter.ms}) has
     * the value in force whichever unit set it; a key with no value is absent.
     */
    public Map<String, Object> values() {
        return valuesInForce(values, topicDefaults);
    }

    /** {@link #values()} of parsed {@code values} and the topic defaults they set. */
    static Map<String, Object> valuesInForce(Map<String, Object> values, LogConfig topicDefaults) {
        Map<String, Object> sorted = new TreeMap<>();
        values.forEach((key, value) -> {
            if (value != null) {
                sorted.put(key, value);
            }
        });
        TIME_FAMILIES.forEach(family -> sorted.put(family.brokerKeys().get(0),
                topicDefaults.values().get(family.topicKey())));
        return sorted;
    }

    public Set<Role> roles() {
        return EnumSet.copyOf(roles);
    }

    public boolean hasRole(Role role) {
        return roles.contains(role);
    }

    public int nodeId() {
        return getInt(NODE_ID);
    }

    /** Listeners that serve Kafka clients: every listener except the controllers'. */
    public List<Listener> clientListeners() {
        return listeners.stream().filter(l -> !controllerListenerNames.contains(l.name())).toList();
    }

    /** The listener this node's controller serves on, if it has one. */
    public Optional<Listener> controllerListener() {
        return listeners.stream().filter(l -> controllerListenerNames.contains(l.name())).findFirst();
    }

    /**
     * The name of the controllers' listener, whichever role this node has: the first of
     * {@code controller.listener.names}, as Kafka names a static quorum's voters' endpoints.
     */
    public String controllerListenerName() {
        return controllerListenerNames.get(0);
    }

    /** How clients reach {@code listener}: its advertised address, else its own. */
    public Listener advertised(Listener listener) {
        return advertisedListeners.stream().filter(l -> l.name().equals(listener.name())).findFirst()
                .orElse(listener);
    }

    public String interBrokerListenerName() {
        return getString(INTER_BROKER_LISTENER_NAME).toUpperCase(Locale.ROOT);
    }

    /** The security protocol of the listener named {@code listenerName}, as {@code listener.security.protocol.map} says. */
    public SecurityProtocol securityProtocol(String listenerName) {
        SecurityProtocol protocol = securityProtocols.get(listenerName.toUpperCase(Locale.ROOT));
        if (protocol == null) {
            throw new ConfigException(LISTENER_SECURITY_PROTOCOL_MAP, getList(LISTENER_SECURITY_PROTOCOL_MAP),
                    "no security protocol for listener " + listenerName + ": add " + listenerName + ":PROTOCOL");
        }
        return protocol;
    }

    /** How the listener named {@code listenerName} secures its connections, its own settings over the node's. */
    public ListenerSecurity listenerSecurity(String listenerName) {
        String name = listenerName.toUpperCase(Locale.ROOT);
        Map<String, Object> ssl = new HashMap<>();
        LISTENER_KEYS.forEach(key -> ssl.put(key, values.get(key)));
        ssl.putAll(listenerOverrides.getOrDefault(name, Map.of()));
        return new ListenerSecurity(name, securityProtocol(name), ssl);
    }

    /** How {@code listener} authenticates clients, if it is a SASL listener (SASL_PLAINTEXT or SASL_SSL). */
    @SuppressWarnings("unchecked")
    public Optional<ListenerSasl> listenerSasl(Listener listener) {
        SecurityProtocol protocol = securityProtocol(listener.name());
        if (protocol != SecurityProtocol.SASL_PLAINTEXT && protocol != SecurityProtocol.SASL_SSL) {
            return Optional.empty();
        }
        Map<String, Object> own = listenerOverrides.getOrDefault(listener.name(), Map.of());
        List<String> mechanisms = (List<String>) own.getOrDefault(SASL_ENABLED_MECHANISMS,
                getList(SASL_ENABLED_MECHANISMS));
        Map<String, String> jaasConfigs = new HashMap<>();
        SASL_JAAS_KEYS.forEach((key, mechanism) -> {
            if (own.get(key) instanceof Password jaas) {
                jaasConfigs.put(mechanism, jaas.value());
            }
        });
        return Optional.of(new ListenerSasl(listener.name(), mechanisms, jaasConfigs,
                (Long) get(CONNECTIONS_MAX_REAUTH_MS), getInt(CONNECTION_FAILED_AUTHENTICATION_DELAY_MS),
                getInt(SASL_SERVER_MAX_RECEIVE_SIZE)));
    }

    /** How this broker authenticates to the others, if the inter-broker listener is SASL. */
    public Optional<InterBrokerSasl> interBrokerSasl() {
        String mechanism = getString(SASL_MECHANISM_INTER_BROKER_PROTOCOL);
        return clientListeners().stream().filter(l -> l.name().equals(interBrokerListenerName())).findFirst()
                .flatMap(this::listenerSasl)
                .map(sasl -> new InterBrokerSasl(mechanism, sasl.jaasConfigs().get(mechanism)));
    }

    /** How brokers reach each other: the security of {@link #interBrokerListenerName()}. */
    public ListenerSecurity interBrokerSecurity() {
        return listenerSecurity(interBrokerListenerName());
    }

    /**
     * How nodes reach the controllers, and the controllers each other: the security of the first of
     * {@code controller.listener.names}, as in Kafka, whether or not this node is a controller.
     */
    public ListenerSecurity controllerSecurity() {
        return listenerSecurity(controllerListenerName());
    }

    /** {@code ssl.reload.check.interval.ms}: how often TLS listeners look for changed keystore and truststore files. */
    public long sslReloadCheckIntervalMs() {
        return (Long) get(SSL_RELOAD_CHECK_INTERVAL_MS);
    }

    /**
     * The key a listener's own setting has ({@code listener.name.ssl.ssl.keystore.location}) if it sets
     * one, else the node's ({@code ssl.keystore.location}): the one to name when the value is wrong.
     */
    public String listenerKeyName(String listenerName, String key) {
        String own = LISTENER_NAME_PREFIX + listenerName.toLowerCase(Locale.ROOT) + "." + key;
        return originals.containsKey(own) ? own : key;
    }

    /** Where a broker serves the gRPC admin API; its security is {@code listenerSecurity("ADMIN")}. */
    public Listener adminListener() {
        return adminListener;
    }

    /** Where the node serves HTTP: metrics and the console; its security is {@code listenerSecurity("HTTP")}. */
    public Listener httpListener() {
        return httpListener;
    }

    public List<Voter> voters() {
        return voters;
    }

    public List<Path> logDirs() {
        return logDirs;
    }

    /** Where the metadata log's {@code __cluster_metadata} directory lives. */
    public Path metadataLogDir() {
        String dir = getString(METADATA_LOG_DIR);
        return dir == null ? logDirs.get(0) : Path.of(dir).toAbsolutePath().normalize();
    }

    /** Every directory that must be formatted: the log dirs and the metadata log dir. */
    public List<Path> formattedDirs() {
        List<Path> dirs = new ArrayList<>(logDirs);
        if (!dirs.contains(metadataLogDir())) {
            dirs.add(metadataLogDir());
        }
        return dirs;
    }

    public int historySampleIntervalMs() {
        return getInt(METRICS_HISTORY_SAMPLE_INTERVAL_MS);
    }

    public int numNetworkThreads() {
        return getInt(NUM_NETWORK_THREADS);
    }

    public int numIoThreads() {
        return getInt(NUM_IO_THREADS);
    }

    public int socketSendBufferBytes() {
        return getInt(SOCKET_SEND_BUFFER_BYTES);
    }

    public int socketReceiveBufferBytes() {
        return getInt(SOCKET_RECEIVE_BUFFER_BYTES);
    }

    public int socketRequestMaxBytes() {
        return getInt(SOCKET_REQUEST_MAX_BYTES);
    }

    public boolean autoCreateTopicsEnable() {
        return (Boolean) get(AUTO_CREATE_TOPICS_ENABLE);
    }

    public boolean deleteTopicEnable() {
        return (Boolean) get(DELETE_TOPIC_ENABLE);
    }

    /** Whether requests are authorized by ACLs ({@code authorizer.class.name} names Kafka's StandardAuthorizer). */
    public boolean authorizerEnabled() {
        return !getString(AUTHORIZER_CLASS_NAME).trim().isEmpty();
    }

    /** {@code super.users}: principals such as {@code User:admin}, allowed everything. */
    public List<String> superUsers() {
        return Arrays.stream(getString(SUPER_USERS).split(";")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public boolean allowEveryoneIfNoAclFound() {
        return (Boolean) get(ALLOW_EVERYONE_IF_NO_ACL_FOUND);
    }

    public int brokerHeartbeatIntervalMs() {
        return getInt(BROKER_HEARTBEAT_INTERVAL_MS);
    }

    public int brokerSessionTimeoutMs() {
        return getInt(BROKER_SESSION_TIMEOUT_MS);
    }

    public long replicaLagTimeMaxMs() {
        return (Long) get(REPLICA_LAG_TIME_MAX_MS);
    }

    public long producerIdExpirationMs() {
        return getInt(PRODUCER_ID_EXPIRATION_MS);
    }

    /** Every topic's settings unless it sets its own: Kafka's defaults, overridden by the broker-level keys. */
    public LogConfig topicDefaults() {
        return topicDefaults;
    }

    /**
     * The broker-level names of a topic setting's default, the one that wins first
     * ({@code log.retention.ms}, {@code log.retention.minutes}, {@code log.retention.hours} for
     * {@code retention.ms}); empty if the topic setting has no broker-level default.
     */
    public static List<String> brokerSynonyms(String topicKey) {
        for (TimeFamily family : TIME_FAMILIES) {
            if (family.topicKey().equals(topicKey)) {
                return family.brokerKeys();
            }
        }
        return TOPIC_SYNONYMS.entrySet().stream().filter(e -> e.getValue().equals(topicKey)).map(Map.Entry::getKey)
                .toList();
    }

    /** The topic setting whose default a broker-level key sets, if it sets one. */
    public static Optional<String> topicSetting(String brokerKey) {
        if (TOPIC_SYNONYMS.containsKey(brokerKey)) {
            return Optional.of(TOPIC_SYNONYMS.get(brokerKey));
        }
        return TIME_FAMILIES.stream().filter(f -> f.brokerKeys().contains(brokerKey)).map(TimeFamily::topicKey)
                .findFirst();
    }

    /**
     * The broker-level keys that set what {@code key} sets, the one that wins first, {@code key} among
     * them: the units of a time default ({@code log.retention.ms}, {@code .minutes}, {@code .hours}), else
     * {@code key} alone.
     */
    public static List<String> synonyms(String key) {
        return topicSetting(key).map(NodeConfig::brokerSynonyms).orElse(List.of(key));
    }

    /** Every key a node accepts, with its type and documentation. */
    public static Map<String, ConfigDef.ConfigKey> keys() {
        return new TreeMap<>(DEFINITION.configKeys());
    }

    /** Kafka keys Skein refuses, each with the reason, sorted. */
    public static Map<String, String> refusedKeys() {
        return new TreeMap<>(UNSUPPORTED);
    }

    /** The keys a listener may set for itself as {@code listener.name.<name>.<key>}, sorted. */
    public static List<String> listenerKeys() {
        return List.copyOf(new TreeSet<>(LISTENER_KEYS));
    }

    /** The topic defaults that this node's config file sets, in force, keyed by the topic-level name. */
    public Map<String, String> topicDefaultOverrides() {
        return topicDefaultOverrides(originals.keySet(), topicDefaults);
    }

    /** {@link #topicDefaultOverrides()} where the keys {@code given} are set and give {@code topicDefaults}. */
    static Map<String, String> topicDefaultOverrides(Set<String> given, LogConfig topicDefaults) {
        Map<String, String> overrides = new TreeMap<>();
        LogConfig.keys().forEach((topicKey, key) -> {
            if (brokerSynonyms(topicKey).stream().anyMatch(given::contains)) {
                overrides.put(topicKey, ConfigDef.convertToString(topicDefaults.values().get(topicKey), key.type));
            }
        });
        return overrides;
    }

    public LogManagerConfig logManagerConfig() {
        return new LogManagerConfig(logDirs, nodeId(), getInt(NUM_RECOVERY_THREADS_PER_DATA_DIR),
                getInt(BACKGROUND_THREADS), (Long) get(LOG_RETENTION_CHECK_INTERVAL_MS),
                (Long) get(LOG_FLUSH_SCHEDULER_INTERVAL_MS), getInt(LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS),
                getInt(LOG_FLUSH_START_OFFSET_CHECKPOINT_INTERVAL_MS),
                (Long) get(REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS), (Boolean) get(LOG_CLEANER_ENABLE),
                (Long) get(LOG_CLEANER_BACKOFF_MS));
    }

    public QuorumSettings quorumSettings(String clusterId) {
        Listener controller = controllerListener().orElseThrow();
        String host = controller.host().isEmpty() ? "0.0.0.0" : controller.host();
        return QuorumSettings.of(nodeId(), host, controller.port(), voters, clusterId,
                metadataLogDir().resolve(LogManager.METADATA_DIR))
                .withElectionTimeout(Duration.ofMillis(getInt(CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS)));
    }

    public ControllerSettings controllerSettings(String clusterId) {
        return new ControllerSettings(clusterId, brokerSessionTimeoutMs(), (Long) get(BROKER_SESSION_DISCONNECT_GRACE_MS),
                getInt(NUM_PARTITIONS),
                (Short) get(DEFAULT_REPLICATION_FACTOR), ControllerSettings.defaults(clusterId).producerIdBlockSize(),
                (Boolean) topicDefaults.values().get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG),
                (Boolean) get(AUTO_LEADER_REBALANCE_ENABLE) ? (Long) get(LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS) * 1000 : 0,
                MetadataRecordBatch.getDefaultInstance());
    }

    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>(originals);
        shown.replaceAll((key, value) -> key.endsWith(SASL_JAAS_CONFIG) || key.contains("password") ? "[hidden]"
                : value);
        return "NodeConfig" + shown;
    }
}
