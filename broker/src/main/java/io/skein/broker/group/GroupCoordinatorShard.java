package io.skein.broker.group;

import io.skein.broker.SerialExecutor;
import io.skein.broker.kafka.LogRecords;
import io.skein.broker.kafka.LogRecords.KeyValue;
import io.skein.log.FetchIsolation;
import io.skein.log.FileSlice;
import io.skein.log.PartitionLog;
import io.skein.proto.group.GroupValue;
import io.skein.proto.group.MemberValue;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groups of one {@code __consumer_offsets} partition, which this broker leads: their state is
 * rebuilt from the partition when leadership arrives, changed only by writing records to it, and
 * dropped when leadership leaves.
 *
 * <p>A single writer: every operation, timer and write completion runs on the shard's serial
 * executor, so the groups need no locks. Writes complete in the order they were made.
 */
final class GroupCoordinatorShard {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinatorShard.class);
    private static final int LOAD_READ_BYTES = 1024 * 1024;

    /** Appends records to the shard's partition with acks=all; completes with the error, NONE when written. */
    interface Writer {
        CompletableFuture<Errors> append(TopicPartition partition, List<KeyValue> records);
    }

    private enum Status { LOADING, ACTIVE, UNLOADED }

    final TopicPartition partition;
    final int leaderEpoch;
    final GroupConfig config;
    final Clock clock;
    /** Whether a topic exists in this broker's latest metadata. */
    final Predicate<String> topicExists;
    private final SerialExecutor executor;
    private final ScheduledExecutorService timer;
    private final Writer writer;
    private final Map<String, ClassicGroup> groups = new HashMap<>();
    private final Map<String, ScheduledFuture<?>> timers = new HashMap<>();
    final MembershipProtocol membership = new MembershipProtocol(this);
    final OffsetCommits offsets = new OffsetCommits(this);
    private volatile Status status = Status.LOADING;
    private CompletableFuture<?> lastWrite = CompletableFuture.completedFuture(null);

    GroupCoordinatorShard(TopicPartition partition, int leaderEpoch, GroupConfig config, Clock clock,
                          Predicate<String> topicExists, Executor pool, ScheduledExecutorService timer, Writer writer) {
        this.partition = partition;
        this.leaderEpoch = leaderEpoch;
        this.config = config;
        this.clock = clock;
        this.topicExists = topicExists;
        this.executor = new SerialExecutor(pool);
        this.timer = timer;
        this.writer = writer;
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Rebuilds the groups from {@code log}, then starts answering. Offsets of topics that no longer
     * exist go, with their tombstones: the partition's leader when a topic was deleted removes its
     * offsets, but there may have been none then, or its write may have failed. (Kafka's coordinator
     * does not check on load; it relies on that leader alone.)
     */
    void load(PartitionLog partitionLog) {
        execute(() -> {
            long started = clock.millis();
            Loader loader = new Loader();
            long next = partitionLog.logStartOffset();
            long end = partitionLog.logEndOffset();
            while (next < end && status == Status.LOADING) {
                FileSlice slice = partitionLog.read(next, LOAD_READ_BYTES, FetchIsolation.LOG_END, true);
                if (slice.isEmpty()) {
                    break;
                }
                next = LogRecords.forEachRecord(slice, next,
                        (offset, key, value) -> GroupRecords.replay(key, value, loader));
            }
            if (status != Status.LOADING) {
                return;
            }
            loader.install();
            status = Status.ACTIVE;
            log.info("Loaded {} groups from {} (epoch {}) in {} ms", groups.size(), partition, leaderEpoch,
                    clock.millis() - started);
            offsets.removeOffsetsOf(topicExists.negate());
        });
    }

    /**
     * Removes the offsets of topics that {@code deleted} names from every group, once the writes
     * made before have completed: a commit still being written is among them.
     */
    void removeOffsetsOf(Predicate<String> deleted) {
        execute(() -> lastWrite.whenComplete((done, failure) -> execute(() -> {
            if (status == Status.ACTIVE) {
                offsets.removeOffsetsOf(deleted);
            }
        })));
    }

    /** Stops answering: parked requests learn NOT_COORDINATOR, and the groups are forgotten. */
    void unload() {
        status = Status.UNLOADED;
        execute(() -> {
            timers.values().forEach(t -> t.cancel(false));
            timers.clear();
            for (ClassicGroup group : groups.values()) {
                for (Member member : group.members()) {
                    MembershipProtocol.failParked(member, Errors.NOT_COORDINATOR);
                }
                group.transitionTo(GroupState.DEAD, clock.millis());
            }
            groups.clear();
            log.info("Unloaded the groups of {} (epoch {})", partition, leaderEpoch);
        });
    }

    boolean isUnloaded() {
        return status == Status.UNLOADED;
    }

    // ---------------------------------------------------------------- running operations

    /**
     * Runs {@code operation} on the shard's thread once the shard is active; otherwise answers
     * with {@code errorResponse} of COORDINATOR_LOAD_IN_PROGRESS or NOT_COORDINATOR.
     */
    <T> CompletableFuture<T> run(Function<Errors, T> errorResponse, Supplier<CompletableFuture<T>> operation) {
        Status now = status;
        if (now != Status.ACTIVE) {
            return CompletableFuture.completedFuture(errorResponse.apply(errorFor(now)));
        }
        CompletableFuture<T> response = new CompletableFuture<>();
        execute(() -> {
            if (status != Status.ACTIVE) {
                response.complete(errorResponse.apply(errorFor(status)));
                return;
            }
            operation.get().whenComplete((value, error) -> {
                if (error != null) {
                    log.error("A group operation on {} failed", partition, error);
                    response.complete(errorResponse.apply(Errors.UNKNOWN_SERVER_ERROR));
                } else {
                    response.complete(value);
                }
            });
        });
        return response;
    }

    private static Errors errorFor(Status status) {
        return status == Status.LOADING ? Errors.COORDINATOR_LOAD_IN_PROGRESS : Errors.NOT_COORDINATOR;
    }

    /** Runs {@code task} on the shard's thread; a failure is logged, never lost silently. */
    void execute(Runnable task) {
        executor.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("A task of the group coordinator for {} failed", partition, e);
            }
        });
    }

    /** Runs {@code task} on the shard's thread after {@code delayMs}, replacing any timer of the same key. */
    void schedule(String key, long delayMs, Runnable task) {
        cancel(key);
        Object[] self = new Object[1];
        ScheduledFuture<?> scheduled = timer.schedule(() -> execute(() -> {
            if (status == Status.ACTIVE && timers.get(key) == self[0]) {
                timers.remove(key);
                task.run();
            }
        }), delayMs, TimeUnit.MILLISECONDS);
        self[0] = scheduled;
        timers.put(key, scheduled);
    }

    void cancel(String key) {
        ScheduledFuture<?> previous = timers.remove(key);
        if (previous != null) {
            previous.cancel(false);
        }
    }

    /**
     * Appends offset records (commits and tombstones); completes, on the shard's thread and in the
     * order writes were made, with NONE or the error an OffsetCommit client should see.
     */
    CompletableFuture<Errors> write(List<KeyValue> records) {
        return write(records, Errors.INVALID_COMMIT_OFFSET_SIZE);
    }

    /**
     * Appends the group's metadata record with {@code assignments}, as {@link #write(List)}; a record
     * too large to write is UNKNOWN_SERVER_ERROR to the member, as Kafka answers it.
     */
    CompletableFuture<Errors> writeGroup(ClassicGroup group, Map<String, byte[]> assignments) {
        return write(List.of(GroupRecords.group(group, assignments)), Errors.UNKNOWN_SERVER_ERROR);
    }

    private CompletableFuture<Errors> write(List<KeyValue> records, Errors tooLarge) {
        CompletableFuture<Errors> appended = writer.append(partition, records);
        CompletableFuture<Errors> done = new CompletableFuture<>();
        CompletableFuture<?> previous = lastWrite;
        lastWrite = done;
        previous.handle((ignored, error) -> null).thenCombine(appended, (ignored, error) -> error)
                .whenComplete((error, failure) -> execute(() -> done.complete(status != Status.ACTIVE
                        ? Errors.NOT_COORDINATOR : failure != null ? Errors.UNKNOWN_SERVER_ERROR
                        : clientError(error, tooLarge))));
        return done;
    }

    /** What a failed write of the offsets topic means to a group client (Kafka's mapping). */
    private static Errors clientError(Errors appendError, Errors tooLarge) {
        return switch (appendError) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT ->
                    Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> tooLarge;
            default -> appendError;
        };
    }

    // ---------------------------------------------------------------- groups

    Optional<ClassicGroup> group(String groupId) {
        return Optional.ofNullable(groups.get(groupId));
    }

    ClassicGroup getOrCreateGroup(String groupId) {
        return groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, clock.millis()));
    }

    void removeGroup(String groupId) {
        ClassicGroup removed = groups.remove(groupId);
        if (removed != null) {
            removed.transitionTo(GroupState.DEAD, clock.millis());
        }
    }

    Collection<ClassicGroup> groups() {
        return groups.values();
    }

    /** Collects the records of a load, then installs the groups they leave, as Kafka's loader does. */
    private final class Loader implements GroupRecords.Replay {
        private final Map<String, Map<TopicPartition, CommittedOffset>> offsets = new HashMap<>();
        private final Map<String, GroupValue> loadedGroups = new HashMap<>();

        @Override
        public void offset(String groupId, TopicPartition tp, CommittedOffset offset) {
            offsets.computeIfAbsent(groupId, id -> new HashMap<>()).put(tp, offset);
        }

        @Override
        public void offsetRemoved(String groupId, TopicPartition tp) {
            Map<TopicPartition, CommittedOffset> ofGroup = offsets.get(groupId);
            if (ofGroup != null) {
                ofGroup.remove(tp);
                if (ofGroup.isEmpty()) {
                    offsets.remove(groupId);
                }
            }
        }

        @Override
        public void group(String groupId, GroupValue value) {
            loadedGroups.put(groupId, value);
        }

        @Override
        public void groupRemoved(String groupId) {
            loadedGroups.remove(groupId);
        }

        void install() {
            loadedGroups.forEach((groupId, value) -> {
                ClassicGroup group = getOrCreateGroup(groupId);
                group.generationId = value.getGeneration();
                group.protocolType = value.getProtocolType().isEmpty() ? null : value.getProtocolType();
                group.protocolName = value.getProtocol().isEmpty() ? null : value.getProtocol();
                for (MemberValue m : value.getMembersList()) {
                    Member member = new Member(m.getMemberId(), m.hasGroupInstanceId() ? m.getGroupInstanceId() : null,
                            m.getClientId(), m.getClientHost(), m.getRebalanceTimeoutMs(), m.getSessionTimeoutMs(),
                            List.of(new Member.Protocol(group.protocolName, m.getSubscription().toByteArray())));
                    member.assignment = m.getAssignment().toByteArray();
                    group.add(member, group.protocolType);
                }
                group.leaderId = value.getLeader().isEmpty() ? null : value.getLeader();
                group.restore(group.size() == 0 ? GroupState.EMPTY : GroupState.STABLE, value.getStateTimestamp());
            });
            offsets.forEach((groupId, ofGroup) -> getOrCreateGroup(groupId).offsets.putAll(ofGroup));
            // Members have a session from now on: those that do not heartbeat leave as usual.
            for (ClassicGroup group : new ArrayList<>(groups.values())) {
                group.members().forEach(member -> membership.scheduleSessionExpiry(group, member));
            }
        }
    }
}
