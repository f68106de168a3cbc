package io.skein.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Consumer group figures for any Kafka-protocol broker, with unmodified kafka-clients: synchronous
 * and asynchronous offset commits per second, and how long a group of N members takes to form and to
 * rebalance when a member joins or leaves. Not a test: run by {@code scripts/bench-groups.sh}.
 *
 * <p>Arguments: bootstrap [members (10)] [sync commits (5000)] [async commits (50000)] [rounds (5)]
 * [heartbeat.interval.ms of the members (the client's default, 3000)]. Members learn of a rebalance
 * from a heartbeat, so with the default a rebalance takes about one heartbeat interval on any broker;
 * a short interval shows the broker's own share.
 */
public final class GroupBenchmark {
    private static final int PARTITIONS = 20;

    private final String bootstrap;
    private final String heartbeatIntervalMs;
    private final String run = Long.toString(System.currentTimeMillis(), 36);

    private GroupBenchmark(String bootstrap, String heartbeatIntervalMs) {
        this.bootstrap = bootstrap;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
    }

    public static void main(String[] args) throws Exception {
        GroupBenchmark bench = new GroupBenchmark(args[0], args.length > 5 ? args[5] : "3000");
        int members = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int syncCommits = args.length > 2 ? Integer.parseInt(args[2]) : 5_000;
        int asyncCommits = args.length > 3 ? Integer.parseInt(args[3]) : 50_000;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        String topic = "bench-groups-" + bench.run;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bench.bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
        bench.syncCommits(topic, syncCommits);
        bench.asyncCommits(topic, asyncCommits);
        bench.rebalances(topic, members, rounds);
    }

    private Properties consumerProps(String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, heartbeatIntervalMs);
        return props;
    }

    private KafkaConsumer<byte[], byte[]> consumer(String group) {
        return new KafkaConsumer<>(consumerProps(group), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** One commitSync after another, each of a new offset: the latency of a durable commit. */
    private void syncCommits(String topic, int count) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer("bench-sync-" + run)) {
            consumer.assign(List.of(tp));
            for (int i = 0; i < Math.min(500, count); i++) { // warm-up: coordinator found, topic loaded, JIT
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(i)));
            }
            long[] latencies = new long[count];
            long started = System.nanoTime();
            for (int i = 0; i < count; i++) {
                long before = System.nanoTime();
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(1_000 + i)));
                latencies[i] = System.nanoTime() - before;
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            Arrays.sort(latencies);
            System.out.printf("sync commits: %d in %.2f s = %.0f commits/s, latency p50 %.2f ms, p99 %.2f ms%n", count,
                    seconds, count / seconds, latencies[count / 2] / 1e6, latencies[(int) (count * 0.99)] / 1e6);
        }
    }

    /** commitAsync as fast as the client takes them, then waits for every callback. */
    private void asyncCommits(String topic, int count) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer("bench-async-" + run)) {
            consumer.assign(List.of(tp));
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(0)));
            AtomicInteger completed = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            long started = System.nanoTime();
            for (int i = 0; i < count; i++) {
                consumer.commitAsync(Map.of(tp, new OffsetAndMetadata(1 + i)), (offsets, error) -> {
                    completed.incrementAndGet();
                    if (error != null) {
                        failed.incrementAndGet();
                    }
                });
                if (i % 100 == 99) {
                    consumer.poll(Duration.ZERO); // runs the callbacks of commits answered so far
                }
            }
            while (completed.get() < count) {
                consumer.poll(Duration.ofMillis(1));
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("async commits: %d in %.2f s = %.0f commits/s (%d failed)%n", count, seconds,
                    count / seconds, failed.get());
        }
    }

    /** A member polling on its own thread; its listener notes each assignment's generation. */
    private final class Member implements Runnable {
        final KafkaConsumer<byte[], byte[]> consumer;
        final String topic;
        final AtomicInteger generation = new AtomicInteger(-1);
        final AtomicInteger owned = new AtomicInteger();
        final CountDownLatch closed = new CountDownLatch(1);
        volatile boolean stopping;

        Member(String group, String topic) {
            this.consumer = consumer(group);
            this.topic = topic;
        }

        @Override
        public void run() {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    owned.set(consumer.assignment().size());
                    generation.set(consumer.groupMetadata().generationId());
                }
            });
            while (!stopping) {
                consumer.poll(Duration.ofMillis(20));
            }
            consumer.close();
            closed.countDown();
        }
    }

    /** Waits until every member holds an assignment of one generation newer than {@code after}; returns it. */
    private static int awaitStable(List<Member> members, int after) throws InterruptedException {
        while (true) {
            int generation = members.get(0).generation.get();
            if (generation > after && members.stream().allMatch(m -> m.generation.get() == generation)
                    && members.stream().mapToInt(m -> m.owned.get()).sum() == PARTITIONS) {
                return generation;
            }
            Thread.sleep(1);
        }
    }

    private static Member start(Member member) {
        Thread thread = new Thread(member, "bench-member");
        thread.setDaemon(true);
        thread.start();
        return member;
    }

    /** Forms a group of {@code count} members, then has one more join and leave, {@code rounds} times. */
    private void rebalances(String topic, int count, int rounds) throws InterruptedException {
        String group = "bench-rebalance-" + run;
        List<Member> members = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            members.add(start(new Member(group, topic)));
        }
        int generation = awaitStable(members, -1);
        System.out.printf("%d members formed a group in %.0f ms (generation %d)%n", count,
                (System.nanoTime() - started) / 1e6, generation);
        long[] joins = new long[rounds];
        long[] leaves = new long[rounds];
        for (int round = 0; round < rounds; round++) {
            long joinStarted = System.nanoTime();
            Member extra = start(new Member(group, topic));
            members.add(extra);
            generation = awaitStable(members, generation);
            joins[round] = System.nanoTime() - joinStarted;
            long leaveStarted = System.nanoTime();
            members.remove(extra);
            extra.stopping = true;
            generation = awaitStable(members, generation);
            leaves[round] = System.nanoTime() - leaveStarted;
            extra.closed.await(30, TimeUnit.SECONDS);
        }
        Arrays.sort(joins);
        Arrays.sort(leaves);
        System.out.printf("rebalance when a member joins a group of %d: median %.0f ms (min %.0f, max %.0f)%n", count,
                joins[rounds / 2] / 1e6, joins[0] / 1e6, joins[rounds - 1] / 1e6);
        System.out.printf("rebalance when a member leaves a group of %d: median %.0f ms (min %.0f, max %.0f)%n",
                count + 1, leaves[rounds / 2] / 1e6, leaves[0] / 1e6, leaves[rounds - 1] / 1e6);
        long closing = System.nanoTime();
        members.forEach(m -> m.stopping = true);
        for (Member m : members) {
            m.closed.await(30, TimeUnit.SECONDS);
        }
        System.out.printf("closed %d members in %.0f ms%n", members.size(), (System.nanoTime() - closing) / 1e6);
    }
}
