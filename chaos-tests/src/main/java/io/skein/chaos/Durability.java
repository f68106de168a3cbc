package io.skein.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * How durably a run's cluster and producers are configured: Kafka's durable settings, or an unsafe
 * mix for negative controls, under which the checks must find anomalies.
 *
 * @param acks              the producers' acks
 * @param minInsyncReplicas the brokers' {@code min.insync.replicas}
 * @param uncleanElection   the brokers' {@code unclean.leader.election.enable}
 * @param nodeJvmOptions    test-only switches for the nodes' JVMs (a negative control turning a fix off)
 */
public record Durability(String acks, int minInsyncReplicas, boolean uncleanElection, List<String> nodeJvmOptions) {
    /** acks=all, min.insync.replicas=2, no unclean election: nothing acknowledged may be lost. */
    public static final Durability SAFE = new Durability("all", 2, false, List.of());
    /** acks=1, min.insync.replicas=1, unclean election: acknowledged writes may be lost. */
    public static final Durability UNSAFE = new Durability("1", 1, true, List.of());

    public Durability {
        nodeJvmOptions = List.copyOf(nodeJvmOptions);
    }

    public Durability withNodeJvmOptions(String... options) {
        List<String> all = new ArrayList<>(nodeJvmOptions);
        all.addAll(List.of(options));
        return new Durability(acks, minInsyncReplicas, uncleanElection, all);
    }

    /** Whether the checks may find anomalies by design. */
    public boolean unsafe() {
        return !equals(SAFE);
    }

    Map<String, String> brokerConfig() {
        return Map.of("min.insync.replicas", Integer.toString(minInsyncReplicas),
                "unclean.leader.election.enable", Boolean.toString(uncleanElection));
    }

    /** Idempotence needs acks=all: with fewer, it is off. */
    Map<String, Object> producerConfig() {
        return acks.equals("all") ? Map.of() : Map.of(ProducerConfig.ACKS_CONFIG, acks,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    }

    @Override
    public String toString() {
        return "acks=" + acks + ", min.insync.replicas=" + minInsyncReplicas + ", unclean election "
                + (uncleanElection ? "on" : "off") + (nodeJvmOptions.isEmpty() ? "" : ", nodes with " + nodeJvmOptions);
    }
}
