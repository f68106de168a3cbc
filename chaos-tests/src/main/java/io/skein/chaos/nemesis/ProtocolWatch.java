package io.skein.chaos.nemesis;

import io.grpc.ManagedChannel;
import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.metadata.loader.MetadataLoader;
import io.skein.proto.controller.ControllerServiceGrpc;
import io.skein.proto.controller.DescribeVoterRequest;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;

/**
 * The protocol's events as faults time their blows on them: leaders and ISRs as the metadata log
 * has committed them, what nodes log ("Broker 2 asks to change the ISR of chaos-1 from [2, 3, 1] to
 * [2, 1]"), and what a voter says of itself through its controller service.
 *
 * <p>The metadata is followed through the voters' metadata streams, one stream pinned to each voter:
 * only the active controller serves (the others refuse, and their pinned streams ask again), so when a
 * frozen or cut-off controller is replaced, the stream pinned to its successor takes over at once,
 * where a broker's stream (and what Kafka's Admin would answer from it) may hang on the frozen one.
 * The newest image among them is what the quorum has committed.
 * Waits have bounds: a fault whose moment did not come says so in the history and goes on, since
 * what it did so far still happened.
 */
public final class ProtocolWatch implements AutoCloseable {
    /** How long a fault waits for a partition it can strike. */
    static final Duration PICK_BOUND = Duration.ofSeconds(30);
    /** What a fault says when none came. */
    static final String NONE_HEALTHY = "no partition had a leader and a full ISR within " + PICK_BOUND.toSeconds() + " s";
    private static final Duration POLL = Duration.ofMillis(100);
    private static final long ASK_TIMEOUT_MS = 5_000;
    /** Ids the watch's metadata streams go by, apart from brokers'. */
    private static final int STREAM_ID_BASE = 1000;

    private final String topic;
    private final Admin admin;
    private final List<MetadataLoader> streams;

    /** A partition of the workload's topic as the metadata log states it. */
    public record PartitionState(int partition, PartitionRegistration registration) {
        public int leader() {
            return registration.leader();
        }

        public List<Integer> isr() {
            return registration.isr();
        }

        public List<Integer> replicas() {
            return registration.replicas();
        }

        /** Its replicas but the leader. */
        public List<Integer> followers() {
            return registration.replicas().stream().filter(replica -> replica != registration.leader()).toList();
        }

        /** It has a leader and every replica is in sync: a partition worth striking. */
        public boolean healthy() {
            return registration.hasLeader() && registration.isr().size() == registration.replicas().size();
        }
    }

    public ProtocolWatch(SkeinCluster cluster, String topic) {
        this.topic = topic;
        this.admin = Admin.create(cluster.kafkaClient());
        this.streams = cluster.voters().stream().map(voter -> MetadataLoader.start(STREAM_ID_BASE + voter.id(),
                Map.of(voter.id(), voter.controllerService()), voter.controllerTls())).toList();
    }

    public String topic() {
        return topic;
    }

    /** The Admin client faults change the cluster with (topics). */
    public Admin admin() {
        return admin;
    }

    /** The newest metadata any voter has streamed: what the quorum had committed a moment ago. */
    public MetadataImage image() {
        return streams.stream().map(MetadataLoader::image).max(Comparator.comparingLong(MetadataImage::offset))
                .orElse(MetadataImage.EMPTY);
    }

    /** A partition of the workload's topic by its name, as Kafka names it: "chaos-3". */
    public String name(int partition) {
        return topic + "-" + partition;
    }

    /** A partition of the workload's topic as the metadata states it now, once the topic exists. */
    public Optional<PartitionState> partition(int partition) {
        TopicImage image = image().topic(topic);
        PartitionRegistration registration = image == null ? null : image.partition(partition);
        return Optional.ofNullable(registration).map(found -> new PartitionState(partition, found));
    }

    /** The partition as the metadata states it now, for a fault's description: "leader 5 (epoch 3), ISR [5, 1]". */
    public String describe(int partition) {
        MetadataImage image = image();
        return partition(partition).map(state -> "leader " + state.leader() + " (epoch "
                + state.registration().leaderEpoch() + "), ISR " + state.isr()).orElse("unknown")
                + " at metadata offset " + image.offset();
    }

    /** Waits up to {@code bound} for the partition to satisfy {@code condition}, and returns it then. */
    public Optional<PartitionState> awaitPartition(int partition, Predicate<PartitionState> condition, Duration bound)
            throws InterruptedException {
        return await(bound, () -> partition(partition).filter(condition));
    }

    /**
     * Waits up to {@link #PICK_BOUND} for a partition, chosen at random among those that qualify, that
     * is {@linkplain PartitionState#healthy healthy} and satisfies {@code also}.
     */
    public Optional<PartitionState> awaitHealthyPartition(Random random, Predicate<PartitionState> also)
            throws InterruptedException {
        return await(PICK_BOUND, () -> {
            TopicImage image = image().topic(topic);
            List<PartitionState> fit = image == null ? List.of() : image.partitions().entrySet().stream()
                    .map(entry -> new PartitionState(entry.getKey(), entry.getValue()))
                    .filter(state -> state.healthy() && also.test(state))
                    .sorted(Comparator.comparingInt(PartitionState::partition)).toList();
            return fit.isEmpty() ? Optional.empty() : Optional.of(fit.get(random.nextInt(fit.size())));
        });
    }

    /** Every partition of every topic (internal ones too), as the metadata states it now. */
    public Map<TopicPartition, PartitionRegistration> partitions() {
        Map<TopicPartition, PartitionRegistration> partitions = new HashMap<>();
        image().topicsById().values().forEach(topicImage -> topicImage.partitions().forEach((partition, registration) ->
                partitions.put(new TopicPartition(topicImage.name(), partition), registration)));
        return partitions;
    }

    /** How far into its log a node has written so far: a mark for {@link #awaitLog}. */
    public static int logMark(ChaosNode node) {
        return node.logs().length();
    }

    /** Waits up to {@code bound} for a line matching {@code pattern} in the node's log after {@code mark}. */
    public static Optional<String> awaitLog(ChaosNode node, int mark, Pattern pattern, Duration bound)
            throws InterruptedException {
        return await(bound, () -> {
            String logs = node.logs();
            Matcher matcher = pattern.matcher(logs);
            return matcher.find(Math.min(mark, logs.length())) ? Optional.of(matcher.group()) : Optional.empty();
        });
    }

    /** The last metadata log entry a voter has applied, as it says itself, if it answers. */
    public static Optional<Long> appliedIndex(ChaosNode voter) {
        ManagedChannel channel = voter.controllerChannel();
        try {
            return Optional.of(ControllerServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(ASK_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .describeVoter(DescribeVoterRequest.getDefaultInstance()).getAppliedIndex());
        } catch (RuntimeException e) {
            return Optional.empty();
        } finally {
            channel.shutdownNow();
        }
    }

    /** Polls {@code look} until it finds something or {@code bound} passes. */
    static <T> Optional<T> await(Duration bound, Supplier<Optional<T>> look) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            Optional<T> found = look.get();
            if (found.isPresent() || System.nanoTime() >= deadline) {
                return found;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    @Override
    public void close() {
        streams.forEach(MetadataLoader::close);
        admin.close(Duration.ofSeconds(5));
    }
}
