package io.skein.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Leader failover time of a three-node cluster, Skein's or Kafka's: SIGKILL the leader of a partition
 * (RF 3, min.insync.replicas 2), then time until the first acks=all write sent after the kill is
 * acknowledged, by the new leader, through a producer with kafka-clients' defaults (its metadata
 * refresh, retries and back-offs included); restart the node, wait for the full ISR and a settled
 * cluster; repeat. Prints the client settings it used, each trial (and whether the node killed was
 * also the active controller) and the p50 and max. Not a test: run by {@code bench/leader-failover.sh}.
 *
 * <p>Arguments: bootstrap, pid file pattern (%d: the node id), restart command (%d: the node id),
 * trials, settle milliseconds before each kill.
 */
public final class FailoverBenchmark {
    /** The client settings failover depends on, printed as the producer has them. */
    private static final List<String> CLIENT_SETTINGS = List.of(ProducerConfig.ACKS_CONFIG,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, ProducerConfig.RETRIES_CONFIG,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
            ProducerConfig.RETRY_BACKOFF_MS_CONFIG, ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG,
            ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG,
            ProducerConfig.METADATA_MAX_AGE_CONFIG, ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);

    private FailoverBenchmark() {
    }

    /** One trial: the node killed, whether it was the active controller too, and the time to the first write. */
    private record Trial(int node, boolean controller, long nanos) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            throw new IllegalArgumentException("Arguments: bootstrap pid-file-pattern restart-command trials settle-ms");
        }
        String bootstrap = args[0];
        String pidFile = args[1];
        String restart = args[2];
        int trials = Integer.parseInt(args[3]);
        long settleMs = Long.parseLong(args[4]);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap); // and nothing else: kafka-clients' defaults
        printClientSettings(props);
        String topic = "failover-" + Long.toString(System.currentTimeMillis(), 36);
        Map<String, Object> adminProps = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        List<Trial> done = new ArrayList<>();
        try (Admin admin = Admin.create(adminProps); KafkaProducer<String, String> producer = new KafkaProducer<>(props,
                new StringSerializer(), new StringSerializer())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get();
            for (int trial = 1; trial <= trials; trial++) {
                awaitFullIsr(admin, topic);
                Thread.sleep(settleMs); // a settled cluster, as one failure meets it
                producer.send(new ProducerRecord<>(topic, "before-" + trial)).get(); // warm: metadata, connections
                int leader = describe(admin, topic).partitions().get(0).leader().id();
                boolean controller = admin.describeMetadataQuorum().quorumInfo().get().leaderId() == leader;
                long pid = Long.parseLong(Files.readString(Path.of(pidFile.formatted(leader))).trim());
                new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
                long killed = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, "after-" + trial)).get();
                done.add(new Trial(leader, controller, System.nanoTime() - killed));
                System.out.printf("trial %d: killed node %d (the partition's leader%s), first acks=all write after %.0f ms%n",
                        trial, leader, controller ? " and the active controller" : "", done.get(done.size() - 1).nanos() / 1e6);
                Process restarted = new ProcessBuilder("bash", "-c", restart.formatted(leader)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!restarted.waitFor(300, TimeUnit.SECONDS) || restarted.exitValue() != 0) {
                    throw new IllegalStateException("Node " + leader + " did not restart: " + restart.formatted(leader));
                }
            }
        }
        System.out.println(summary("leader failover", done));
        List<Trial> controllers = done.stream().filter(Trial::controller).toList();
        if (!controllers.isEmpty() && controllers.size() < done.size()) {
            System.out.println(summary("  of them, killing a leader that was not the active controller",
                    done.stream().filter(t -> !t.controller()).toList()));
            System.out.println(summary("  of them, killing a leader that was the active controller too", controllers));
        }
    }

    private static void printClientSettings(Properties props) {
        Map<String, Object> settings = new HashMap<>();
        props.forEach((key, value) -> settings.put((String) key, value));
        settings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        settings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        Map<String, ?> values = new ProducerConfig(settings).values();
        System.out.println("client: kafka-clients defaults: " + CLIENT_SETTINGS.stream()
                .map(key -> key + "=" + values.get(key)).collect(Collectors.joining(" ")));
    }

    private static String summary(String what, List<Trial> trials) {
        long[] nanos = trials.stream().mapToLong(Trial::nanos).sorted().toArray();
        return String.format("%s over %d trials: p50 %.0f ms, max %.0f ms (all: %s)", what, nanos.length,
                nanos[(nanos.length - 1) / 2] / 1e6, nanos[nanos.length - 1] / 1e6,
                Arrays.stream(nanos).mapToObj(n -> String.format("%.0f", n / 1e6)).collect(Collectors.joining(", ")));
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    }

    private static void awaitFullIsr(Admin admin, String topic) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (describe(admin, topic).partitions().get(0).isr().size() < 3) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The ISR of " + topic + " did not fill up again");
            }
            Thread.sleep(100);
        }
    }
}
