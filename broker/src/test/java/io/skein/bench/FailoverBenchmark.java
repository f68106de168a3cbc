package io.skein.bench;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Leader failover time of a cluster started by {@code scripts/local-cluster}: SIGKILL the leader of a
 * partition (RF 3, min.insync.replicas 2), then time until the first acks=all write sent after the
 * kill is acknowledged; restart the node and wait for the full ISR; repeat. Not a test: run by
 * {@code scripts/bench-failover.sh}.
 *
 * <p>Arguments: cluster dir [trials (10)].
 */
public final class FailoverBenchmark {
    private FailoverBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int trials = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        String bootstrap = bootstrap(dir);
        String topic = "failover-" + Long.toString(System.currentTimeMillis(), 36);
        Map<String, Object> adminProps = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(adminProps)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get();
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "10");
        props.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "50");
        props.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "100");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        long[] failovers = new long[trials];
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer()); Admin admin = Admin.create(adminProps)) {
            for (int trial = 0; trial < trials; trial++) {
                awaitFullIsr(admin, topic);
                producer.send(new ProducerRecord<>(topic, "before-" + trial)).get(); // warm: metadata, connections
                int leader = describe(admin, topic).partitions().get(0).leader().id();
                long pid = Long.parseLong(Files.readString(dir.resolve("node-" + leader + ".pid")).trim());
                new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
                long killed = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, "after-" + trial)).get();
                failovers[trial] = System.nanoTime() - killed;
                System.out.printf("trial %d: killed node %d, first acks=all write after %.0f ms%n", trial + 1, leader,
                        failovers[trial] / 1e6);
                Process restart = new ProcessBuilder(Path.of("scripts", "local-cluster").toString(), "restart",
                        dir.toString(), Integer.toString(leader)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!restart.waitFor(300, TimeUnit.SECONDS) || restart.exitValue() != 0) {
                    throw new IllegalStateException("Node " + leader + " did not restart");
                }
            }
        }
        Arrays.sort(failovers);
        System.out.printf("leader failover over %d trials: p50 %.0f ms, p99 %.0f ms, max %.0f ms%n", trials,
                failovers[trials / 2] / 1e6, failovers[Math.min(trials - 1, (int) (trials * 0.99))] / 1e6,
                failovers[trials - 1] / 1e6);
    }

    /** The client listeners of the cluster's nodes, from their config files. */
    private static String bootstrap(Path dir) throws IOException {
        List<String> addresses = new ArrayList<>();
        for (int id = 1; Files.exists(dir.resolve("node-" + id + ".properties")); id++) {
            Properties node = new Properties();
            try (Reader in = Files.newBufferedReader(dir.resolve("node-" + id + ".properties"))) {
                node.load(in);
            }
            String listener = Arrays.stream(node.getProperty("listeners").split(","))
                    .filter(l -> l.startsWith("PLAINTEXT://")).findFirst().orElseThrow();
            addresses.add(listener.substring("PLAINTEXT://".length()));
        }
        return String.join(",", addresses);
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    }

    private static void awaitFullIsr(Admin admin, String topic) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (describe(admin, topic).partitions().get(0).isr().size() < 3) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The ISR of " + topic + " did not fill up again");
            }
            Thread.sleep(100);
        }
    }
}
