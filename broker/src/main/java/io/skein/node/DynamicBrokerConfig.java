package io.skein.node;

import io.skein.log.LogConfig;
import io.skein.log.UnknownKey;
import io.skein.metadata.controller.ConfigValidator.Problem;
import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.metadata.ConfigResourceType;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's settings in force: its config file's, overridden by the dynamic broker configs of the
 * metadata log, first the cluster default's and then this broker's own, as Kafka's
 * DynamicBrokerConfig ranks them. A dynamic key also hides its synonyms of lower rank, so that a
 * cluster-wide {@code log.retention.hours} wins over a {@code log.retention.ms} in the file.
 *
 * <p>The dynamic keys are Kafka's broker-level names of topic settings, the defaults of every topic
 * ({@code log.retention.*}, {@code log.segment.bytes}, {@code log.cleanup.policy},
 * {@code min.insync.replicas}, {@code message.max.bytes}, {@code compression.type}...), as Kafka's
 * DynamicLogConfig has them; brokers apply them to their logs as the metadata changes. So are the
 * replication throttles ({@code leader.replication.throttled.rate}, {@code
 * follower.replication.throttled.rate}), which the replica manager follows. Every other key
 * is read from the file at start-up only (Skein cannot resize its thread pools or rebind listeners).
 * Immutable.
 */
public final class DynamicBrokerConfig {
    /** Kafka's update modes of broker keys (see {@link #updateMode}). */
    public static final String READ_ONLY = "read-only";
    public static final String CLUSTER_WIDE = "cluster-wide";

    private static final Logger log = LoggerFactory.getLogger(DynamicBrokerConfig.class);

    private final NodeConfig file;
    private final Map<String, String> clusterDefault;
    private final Map<String, String> perBroker;
    private final Map<String, String> given;
    private final Map<String, Object> values;
    private final LogConfig topicDefaults;

    private DynamicBrokerConfig(NodeConfig file, Map<String, String> clusterDefault, Map<String, String> perBroker,
                                Map<String, String> given, Map<String, Object> values) {
        this.file = file;
        this.clusterDefault = clusterDefault;
        this.perBroker = perBroker;
        this.given = given;
        this.values = values;
        this.topicDefaults = NodeConfig.topicDefaults(values);
    }

    /**
     * The settings of broker {@code file.nodeId()} in force with the dynamic configs of {@code image}.
     * Dynamic configs this node would refuse (written by another version, say) are left out, as Kafka
     * leaves them out, with a warning.
     */
    public static DynamicBrokerConfig of(NodeConfig file, MetadataImage image) {
        String self = Integer.toString(file.nodeId());
        Map<String, String> clusterDefault = accepted(image.configs(ConfigResource.CLUSTER_DEFAULT), "cluster default");
        Map<String, String> perBroker = accepted(image.configs(new ConfigResource(ConfigResourceType.BROKER, self)),
                "broker " + self);
        Map<String, String> given = new HashMap<>(file.originals());
        override(given, clusterDefault);
        override(given, perBroker);
        try {
            return new DynamicBrokerConfig(file, clusterDefault, perBroker, Map.copyOf(given), NodeConfig.parse(given));
        } catch (ConfigException e) {
            log.warn("Broker {} ignores its dynamic configs, which its config file contradicts: {}", self,
                    e.getMessage());
            return new DynamicBrokerConfig(file, Map.of(), Map.of(), file.originals(), NodeConfig.parse(file.originals()));
        }
    }

    /** Whether {@code key} may be set at run time, for the whole cluster or one broker. */
    public static boolean isDynamic(String key) {
        return NodeConfig.topicSetting(key).isPresent() || NodeConfig.REPLICATION_THROTTLES.contains(key);
    }

    /**
     * How {@code key} may change while brokers run, in the words of Kafka's documentation ("Update
     * Mode"): {@value #CLUSTER_WIDE} for a dynamic key (for the whole cluster, or one broker), else
     * {@value #READ_ONLY}. None is {@code per-broker} in Kafka's sense (for one broker only): Kafka's are
     * listener and TLS settings, which Skein does not change at run time.
     */
    public static String updateMode(String key) {
        return isDynamic(key) ? CLUSTER_WIDE : READ_ONLY;
    }

    /**
     * Why {@code configs} cannot be the dynamic configs of a broker or of the cluster default, as Kafka
     * answers: a key Skein does not know is INVALID_CONFIG; one that cannot change at run time, or a
     * value its key refuses, INVALID_REQUEST (Kafka refuses them when it checks the broker's config as
     * a whole).
     */
    public static Optional<Problem> problemWith(Map<String, String> configs) {
        Map<String, ConfigDef.ConfigKey> keys = NodeConfig.keys();
        TreeSet<String> unknown = new TreeSet<>(configs.keySet());
        unknown.removeAll(keys.keySet());
        if (!unknown.isEmpty()) {
            return Optional.of(Problem.invalidConfig("Unknown broker config name" + (unknown.size() > 1 ? "s" : "")
                    + ": " + String.join(", ", unknown) + "." + UnknownKey.hint(unknown, keys.keySet(),
                    NodeConfig.LIST_COMMAND)));
        }
        TreeSet<String> readOnly = new TreeSet<>(configs.keySet());
        readOnly.removeIf(DynamicBrokerConfig::isDynamic);
        if (!readOnly.isEmpty()) {
            return Optional.of(Problem.invalidRequest("Cannot update these configs dynamically: " + readOnly
                    + ". A broker reads them from its config file when it starts."));
        }
        for (Map.Entry<String, String> config : new TreeMap<>(configs).entrySet()) {
            try {
                NodeConfig.parse(config.getKey(), config.getValue());
            } catch (ConfigException e) {
                return Optional.of(Problem.invalidRequest(e.getMessage()));
            }
        }
        return Optional.empty();
    }

    /** The entries of {@code configs} that {@link #problemWith} accepts, each judged alone. */
    private static Map<String, String> accepted(Map<String, String> configs, String whose) {
        Map<String, String> accepted = new TreeMap<>();
        configs.forEach((key, value) -> {
            Optional<Problem> problem = problemWith(Map.of(key, value));
            if (problem.isPresent()) {
                log.warn("Ignoring the dynamic config {}={} of the {}: {}", key, value, whose, problem.get().message());
            } else {
                accepted.put(key, value);
            }
        });
        return Map.copyOf(accepted);
    }

    /** Puts {@code overrides} into {@code settings}, each replacing every synonym of its key there. */
    private static void override(Map<String, String> settings, Map<String, String> overrides) {
        overrides.forEach((key, value) -> {
            NodeConfig.synonyms(key).forEach(settings::remove);
            settings.put(key, value);
        });
    }

    /** The settings of the node's config file. */
    public Map<String, String> file() {
        return file.originals();
    }

    /** The cluster-wide dynamic configs this broker applies, as set. */
    public Map<String, String> clusterDefault() {
        return clusterDefault;
    }

    /** This broker's own dynamic configs, as set. */
    public Map<String, String> perBroker() {
        return perBroker;
    }

    /** As {@link NodeConfig#values()}, with the dynamic configs. */
    public Map<String, Object> values() {
        return NodeConfig.valuesInForce(values, topicDefaults);
    }

    /** Every topic's settings unless it sets its own. */
    public LogConfig topicDefaults() {
        return topicDefaults;
    }

    /** As {@link NodeConfig#topicDefaultOverrides()}, with the dynamic configs. */
    public Map<String, String> topicDefaultOverrides() {
        return NodeConfig.topicDefaultOverrides(given.keySet(), topicDefaults);
    }
}
