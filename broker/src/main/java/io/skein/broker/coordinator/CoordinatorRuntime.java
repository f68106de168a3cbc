package io.skein.broker.coordinator;

import io.skein.broker.coordinator.CoordinatorResult.Wait;
import io.skein.broker.util.DaemonThreads;
import io.skein.broker.util.SerialExecutor;
import io.skein.broker.kafka.LogRecords;
import io.skein.broker.kafka.LogRecords.KeyValue;
import io.skein.broker.kafka.LogRecords.TransactionalProducer;
import io.skein.broker.replica.ReplicaManager.TxnMarker;
import io.skein.log.FetchIsolation;
import io.skein.log.FileSlice;
import io.skein.log.PartitionLog;
import io.skein.metadata.image.TopicImage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the shards of a coordinator, one per partition of its internal topic that this broker leads
 * (Kafka's {@code CoordinatorRuntime}, much reduced). A shard is loaded by replaying its partition
 * from log start, then runs operations: each returns records and an answer; the runtime appends the
 * records with acks=all, replays them into the shard once written, and answers. A transactional
 * write's records go out as the producer's transactional batch and are replayed as its; the marker
 * that ends the transaction in the partition is written by the runtime too, in order with the writes,
 * and replayed once written. A load replays both as they are in the log, so a shard has one definition
 * of them. Answers of writes come in the order the writes were made; an answer that writes nothing
 * reads only written state, so it need not wait. An operation whose answer depends on a change yet
 * to be written may wait for it ({@link CoordinatorResult.Wait}): for the writes under way, or, until
 * a deadline, for the shard's next write; it then runs again. When leadership leaves, the shard is
 * unloaded and whatever is pending or waiting is answered {@code NOT_COORDINATOR}.
 *
 * <p>Threads: each shard has a serial executor on a pool of two threads: its state, its timers and
 * every write completion are touched there only. One timer thread hands due timers to the shards'
 * executors. Callers, on any thread, get futures.
 */
public final class CoordinatorRuntime<S extends CoordinatorShard> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorRuntime.class);
    private static final int LOAD_READ_BYTES = 1024 * 1024;

    /** Makes the shard of a partition this broker has just come to lead, at the leader epoch given. */
    @FunctionalInterface
    public interface ShardFactory<S> {
        S create(TopicPartition partition, int leaderEpoch, CoordinatorTimer timer);
    }

    /** Appends to the partitions of a coordinator's topic, as their leader, with acks=all. */
    public interface Writer {
        /** Appends {@code records} as one batch: a transactional batch of {@code producer}, unless it is null. */
        CompletableFuture<Appended> append(TopicPartition partition, TransactionalProducer producer,
                                           List<KeyValue> records);

        /** Appends a transaction's marker, as a leader does for WriteTxnMarkers. */
        CompletableFuture<Appended> appendMarker(TopicPartition partition, TxnMarker marker);
    }

    /** An append's outcome: NONE and the offset of its first record, or why nothing was written. */
    public record Appended(Errors error, long firstOffset) {
        public static Appended failed(Errors error) {
            return new Appended(error, -1);
        }
    }

    private enum Status { LOADING, ACTIVE, UNLOADED }

    private final Writer writer;
    private final ExecutorService pool;
    private final ScheduledThreadPoolExecutor timer;
    private final Map<TopicPartition, Context> contexts = new ConcurrentHashMap<>();

    /** @param name the threads' name: {@code name-N} run the shards, {@code name-timer} the timers */
    public CoordinatorRuntime(String name, Writer writer) {
        this.writer = writer;
        this.pool = Executors.newFixedThreadPool(2, DaemonThreads.named(name));
        this.timer = new ScheduledThreadPoolExecutor(1, DaemonThreads.named(name + "-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /** The partition of a coordinator's internal topic that holds {@code key}: Kafka's hash, so tools agree. */
    public static int partitionFor(String key, int partitions) {
        int hash = key.hashCode();
        return (hash == Integer.MIN_VALUE ? 0 : Math.abs(hash)) % partitions;
    }

    /** Whether the shard of {@code partition} is loaded, or loading, for {@code leaderEpoch}. */
    public boolean isLoaded(TopicPartition partition, int leaderEpoch) {
        Context context = contexts.get(partition);
        return context != null && context.leaderEpoch == leaderEpoch;
    }

    /**
     * Starts loading a new shard of {@code partition} from {@code partitionLog}, unloading the one
     * it had; operations meanwhile are answered {@code COORDINATOR_LOAD_IN_PROGRESS}.
     */
    public void load(TopicPartition partition, int leaderEpoch, PartitionLog partitionLog,
                     Function<CoordinatorTimer, S> newShard) {
        Context context = new Context(partition, leaderEpoch);
        Context previous = contexts.put(partition, context);
        if (previous != null) {
            previous.unload();
        }
        context.load(partitionLog, newShard);
    }

    /**
     * Follows the leadership of {@code topic}'s partitions (null: the topic does not exist): loads a
     * shard, from the partition's log, for each one {@code brokerId} leads at an epoch it has no shard
     * for, and unloads those it no longer leads.
     *
     * @param logs the log of a partition, empty if this broker holds no replica of it yet
     * @return the partitions whose shard was unloaded
     */
    public Set<TopicPartition> followLeadership(TopicImage topic, int brokerId,
                                                Function<TopicPartition, Optional<PartitionLog>> logs,
                                                ShardFactory<S> newShard) {
        Set<TopicPartition> led = new HashSet<>();
        if (topic != null) {
            topic.partitions().forEach((partitionId, registration) -> {
                if (registration.leader() != brokerId) {
                    return;
                }
                TopicPartition tp = new TopicPartition(topic.name(), partitionId);
                led.add(tp);
                int epoch = registration.leaderEpoch();
                if (isLoaded(tp, epoch)) {
                    return;
                }
                Optional<PartitionLog> partitionLog = logs.apply(tp);
                if (partitionLog.isEmpty()) {
                    log.warn("Broker {} leads {} but holds no replica of it yet", brokerId, tp);
                    return;
                }
                load(tp, epoch, partitionLog.get(), timer -> newShard.create(tp, epoch, timer));
            });
        }
        Set<TopicPartition> unloaded = new HashSet<>();
        for (TopicPartition tp : partitions()) {
            if (!led.contains(tp)) {
                unload(tp);
                unloaded.add(tp);
            }
        }
        return unloaded;
    }

    /** Unloads the shard of {@code partition}, if there is one. */
    public void unload(TopicPartition partition) {
        Context context = contexts.remove(partition);
        if (context != null) {
            context.unload();
        }
    }

    /** The partitions with a shard, loaded or loading. */
    public Set<TopicPartition> partitions() {
        return Set.copyOf(contexts.keySet());
    }

    /**
     * Runs {@code operation} on the shard of {@code partition} and writes its records; the answer is
     * its own, or {@code errorResponse} of NOT_COORDINATOR (no shard, or unloaded before the answer),
     * COORDINATOR_LOAD_IN_PROGRESS, or UNKNOWN_SERVER_ERROR if the operation threw.
     */
    public <T> CompletableFuture<T> write(TopicPartition partition, Function<Errors, T> errorResponse,
                                          Function<S, CoordinatorResult<T>> operation) {
        return onShard(partition, errorResponse,
                (context, response) -> context.run(operation, null, errorResponse, response));
    }

    /**
     * As {@link #write}, with the operation's records written as a transactional batch of
     * {@code producer} (Kafka's transactional write operation): the shard replays them as the
     * producer's, which count once the marker of its transaction commits them.
     */
    public <T> CompletableFuture<T> writeTransactional(TopicPartition partition, TransactionalProducer producer,
                                                       Function<Errors, T> errorResponse,
                                                       Function<S, CoordinatorResult<T>> operation) {
        return onShard(partition, errorResponse,
                (context, response) -> context.run(operation, producer, errorResponse, response));
    }

    /**
     * Writes the marker of a producer's transaction to {@code partition}, after the writes made before,
     * and once it is written replays it into the shard (Kafka's transaction completion): how a leader
     * takes WriteTxnMarkers for a coordinator's partition, so that the shard learns of every marker
     * there. Completes with the append's error, or NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS.
     */
    public CompletableFuture<Errors> completeTransaction(TopicPartition partition, TxnMarker marker) {
        return onShard(partition, error -> error, (context, response) -> context.completeTransaction(marker, response));
    }

    /** As {@link #write}, once every write made before has completed: the operation sees their records. */
    public <T> CompletableFuture<T> writeAfterPendingWrites(TopicPartition partition, Function<Errors, T> errorResponse,
                                                            Function<S, CoordinatorResult<T>> operation) {
        return afterPendingWrites(partition, () -> true, errorResponse, operation);
    }

    /**
     * A read once every write made before has completed, answered only if {@code leased} holds when
     * it runs, else NOT_COORDINATOR: for a read that must not come from a shard another broker may
     * have taken over unseen. The lease is asked before the shard's status: it holds only once the
     * metadata that would unload the shard has been applied, so a shard found active after a lease
     * that holds has not been taken away.
     */
    public <T> CompletableFuture<T> readAfterPendingWrites(TopicPartition partition, BooleanSupplier leased,
                                                           Function<Errors, T> errorResponse, Function<S, T> operation) {
        return afterPendingWrites(partition, leased, errorResponse, shard -> CoordinatorResult.of(operation.apply(shard)));
    }

    private <T> CompletableFuture<T> afterPendingWrites(TopicPartition partition, BooleanSupplier leased,
                                                        Function<Errors, T> errorResponse,
                                                        Function<S, CoordinatorResult<T>> operation) {
        return onShard(partition, errorResponse, (context, response) -> context.lastWrite.whenComplete(
                (ignored, failure) -> context.executor.execute(() -> {
                    if (leased.getAsBoolean()) {
                        context.run(operation, null, errorResponse, response);
                    } else {
                        response.complete(errorResponse.apply(Errors.NOT_COORDINATOR));
                    }
                })));
    }

    /** Runs {@code task} on the shard's executor, or answers at once if the partition has no shard ready. */
    private <T> CompletableFuture<T> onShard(TopicPartition partition, Function<Errors, T> errorResponse,
                                             BiConsumer<Context, CompletableFuture<T>> task) {
        Context context = contexts.get(partition);
        Errors unavailable = Context.unavailable(context);
        if (unavailable != Errors.NONE) {
            return CompletableFuture.completedFuture(errorResponse.apply(unavailable));
        }
        CompletableFuture<T> response = new CompletableFuture<>();
        context.executor.execute(() -> task.accept(context, response));
        return response;
    }

    /** An operation that writes nothing. */
    public <T> CompletableFuture<T> read(TopicPartition partition, Function<Errors, T> errorResponse,
                                         Function<S, T> operation) {
        return write(partition, errorResponse, shard -> CoordinatorResult.of(operation.apply(shard)));
    }

    /** Replays what a load reads into {@code shard}. */
    private static LogRecords.RecordVisitor replayInto(CoordinatorShard shard) {
        return new LogRecords.RecordVisitor() {
            @Override
            public void record(long offset, long producerId, ByteBuffer key, ByteBuffer value) {
                shard.replay(offset, producerId, key, value);
            }

            @Override
            public void marker(long producerId, boolean commit) {
                shard.replayEndTransactionMarker(producerId, commit);
            }
        };
    }

    @Override
    public void close() {
        List.copyOf(contexts.keySet()).forEach(this::unload);
        timer.shutdownNow();
        pool.shutdown();
        try {
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One shard with its life cycle, its write order and its timers. All but {@code status} is its executor's. */
    private final class Context implements CoordinatorTimer {
        private final TopicPartition partition;
        private final int leaderEpoch;
        private final SerialExecutor executor = new SerialExecutor(pool);
        private final Map<String, ScheduledFuture<?>> timers = new HashMap<>();
        private volatile Status status = Status.LOADING;
        private S shard;
        /** Completes once the latest write has been answered: the next write's answer waits for it. */
        private CompletableFuture<?> lastWrite = CompletableFuture.completedFuture(null);
        /** The operations waiting for the next write to be answered, or for their deadline. */
        private List<Parked<?>> parked = new ArrayList<>();

        Context(TopicPartition partition, int leaderEpoch) {
            this.partition = partition;
            this.leaderEpoch = leaderEpoch;
        }

        void load(PartitionLog partitionLog, Function<CoordinatorTimer, S> newShard) {
            executor.execute(() -> {
                try {
                    long started = System.nanoTime();
                    S loading = newShard.apply(this);
                    long next = partitionLog.logStartOffset();
                    long end = partitionLog.logEndOffset();
                    while (next < end && status == Status.LOADING) {
                        FileSlice slice = partitionLog.read(next, LOAD_READ_BYTES, FetchIsolation.LOG_END, true);
                        if (slice.isEmpty()) {
                            break;
                        }
                        next = LogRecords.forEachRecord(slice, next, replayInto(loading));
                    }
                    if (status != Status.LOADING) {
                        return;
                    }
                    shard = loading;
                    status = Status.ACTIVE;
                    log.info("Loaded {} (epoch {}) in {} ms", partition, leaderEpoch,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                    write(shard.onLoaded(), null, error -> null, new CompletableFuture<>());
                } catch (RuntimeException e) {
                    log.error("Cannot load {}: it stays loading", partition, e);
                }
            });
        }

        void unload() {
            status = Status.UNLOADED;
            executor.execute(() -> {
                timers.values().forEach(t -> t.cancel(false));
                timers.clear();
                parked.forEach(Parked::unloaded);
                parked.clear();
                if (shard != null) {
                    shard.onUnloaded();
                }
                log.info("Unloaded {} (epoch {})", partition, leaderEpoch);
            });
        }

        /** NONE if {@code context} can run operations, else why not. */
        static Errors unavailable(CoordinatorRuntime<?>.Context context) {
            if (context == null) {
                return Errors.NOT_COORDINATOR;
            }
            return switch (context.status) {
                case LOADING -> Errors.COORDINATOR_LOAD_IN_PROGRESS;
                case ACTIVE -> Errors.NONE;
                case UNLOADED -> Errors.NOT_COORDINATOR;
            };
        }

        <T> void run(Function<S, CoordinatorResult<T>> operation, TransactionalProducer producer,
                     Function<Errors, T> errorResponse, CompletableFuture<T> response) {
            run(operation, producer, errorResponse, response, null);
        }

        /** @param waiting the operation as it waited for a write, if it did: it waits again as it is */
        private <T> void run(Function<S, CoordinatorResult<T>> operation, TransactionalProducer producer,
                             Function<Errors, T> errorResponse, CompletableFuture<T> response, Parked<T> waiting) {
            Errors unavailable = unavailable(this);
            if (unavailable != Errors.NONE) {
                settle(waiting);
                response.complete(errorResponse.apply(unavailable));
                return;
            }
            CoordinatorResult<T> result;
            try {
                result = operation.apply(shard);
            } catch (RuntimeException e) {
                log.error("An operation on {} failed", partition, e);
                settle(waiting);
                response.complete(errorResponse.apply(Errors.UNKNOWN_SERVER_ERROR));
                return;
            }
            if (result.waitsFor() == Wait.NEXT_WRITE && System.nanoTime() - result.deadlineNanos() < 0) {
                park(waiting != null ? waiting : new Parked<>(operation, producer, errorResponse, response),
                        result.deadlineNanos());
                return;
            }
            settle(waiting);
            if (result.waitsFor() == Wait.PENDING_WRITES) {
                retryAfterPendingWrites(operation, producer, errorResponse, response);
                return;
            }
            // A result that waited for the next write until its deadline writes nothing: it answers.
            write(result, producer, errorResponse, response);
        }

        /**
         * {@code waiting} runs again once the next write is answered ({@link #rerunParked}), or at
         * {@code deadlineNanos}, by a timer kept while it waits again for the same deadline.
         */
        private <T> void park(Parked<T> waiting, long deadlineNanos) {
            if (waiting.timeout == null || waiting.timeout.isDone() || waiting.deadlineNanos != deadlineNanos) {
                settle(waiting);
                waiting.deadlineNanos = deadlineNanos;
                waiting.timeout = timer.schedule(() -> executor.execute(() -> {
                    if (parked.remove(waiting)) {
                        waiting.rerun();
                    }
                }), deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
            parked.add(waiting);
        }

        /** An operation that waited for a write has its answer, or waits otherwise: its timer goes. */
        private void settle(Parked<?> waiting) {
            if (waiting != null && waiting.timeout != null) {
                waiting.timeout.cancel(false);
            }
        }

        /** A write has just been answered: the operations waiting for one run again, on this executor. */
        private void rerunParked() {
            if (parked.isEmpty()) {
                return;
            }
            List<Parked<?>> due = parked;
            parked = new ArrayList<>();
            due.forEach(Parked::rerun);
        }

        /**
         * Runs {@code operation} again once the latest write has been answered (and so replayed), on
         * this executor. With no write under way it could only spin: that is a bug of the operation,
         * answered UNKNOWN_SERVER_ERROR.
         */
        private <T> void retryAfterPendingWrites(Function<S, CoordinatorResult<T>> operation,
                                                 TransactionalProducer producer, Function<Errors, T> errorResponse,
                                                 CompletableFuture<T> response) {
            if (lastWrite.isDone()) {
                log.error("An operation on {} waits for a write, but none is under way", partition);
                response.complete(errorResponse.apply(Errors.UNKNOWN_SERVER_ERROR));
                return;
            }
            lastWrite.whenComplete((ignored, failure) -> executor.execute(
                    () -> run(operation, producer, errorResponse, response)));
        }

        private <T> void write(CoordinatorResult<T> result, TransactionalProducer producer,
                               Function<Errors, T> errorResponse, CompletableFuture<T> response) {
            if (result.records().isEmpty()) {
                answer(result, Errors.NONE, errorResponse, response);
                return;
            }
            long producerId = producer == null ? LogRecords.NO_PRODUCER_ID : producer.producerId();
            append(() -> writer.append(partition, producer, result.records()), firstOffset -> {
                long offset = firstOffset;
                for (KeyValue r : result.records()) {
                    shard.replay(offset++, producerId, ByteBuffer.wrap(r.key()),
                            r.value() == null ? null : ByteBuffer.wrap(r.value()));
                }
            }, outcome -> answer(result, outcome, errorResponse, response));
        }

        void completeTransaction(TxnMarker marker, CompletableFuture<Errors> response) {
            Errors unavailable = unavailable(this);
            if (unavailable != Errors.NONE) {
                response.complete(unavailable);
                return;
            }
            append(() -> writer.appendMarker(partition, marker),
                    firstOffset -> shard.replayEndTransactionMarker(marker.producerId(), marker.commit()),
                    response::complete);
        }

        /**
         * Starts {@code append}; once it is written and every write before it answered, replays it
         * into the shard and gives the outcome to {@code answer}, on this executor. A failed write
         * replays nothing; one that completes after the shard unloaded is NOT_COORDINATOR.
         */
        private void append(Supplier<CompletableFuture<Appended>> append, LongConsumer replay, Consumer<Errors> answer) {
            CompletableFuture<Appended> appended;
            try {
                appended = append.get();
            } catch (RuntimeException e) {
                appended = CompletableFuture.failedFuture(e);
            }
            CompletableFuture<Void> answered = new CompletableFuture<>();
            CompletableFuture<?> previous = lastWrite;
            lastWrite = answered;
            previous.thenCombine(appended, (ignored, outcome) -> outcome).whenComplete((outcome, failure) ->
                    executor.execute(() -> {
                        try {
                            answer.accept(replayed(outcome, failure, replay));
                        } finally {
                            answered.complete(null);
                            rerunParked();
                        }
                    }));
        }

        /** Replays a write that succeeded; the outcome to answer. */
        private Errors replayed(Appended outcome, Throwable failure, LongConsumer replay) {
            if (status != Status.ACTIVE) {
                return Errors.NOT_COORDINATOR;
            }
            if (failure != null) {
                log.error("A write to {} failed", partition, failure);
                return Errors.UNKNOWN_SERVER_ERROR;
            }
            if (outcome.error() == Errors.NONE) {
                try {
                    replay.accept(outcome.firstOffset());
                } catch (RuntimeException e) {
                    log.error("Replaying a write to {} failed", partition, e);
                    return Errors.UNKNOWN_SERVER_ERROR;
                }
            }
            return outcome.error();
        }

        private <T> void answer(CoordinatorResult<T> result, Errors outcome, Function<Errors, T> errorResponse,
                                CompletableFuture<T> response) {
            try {
                response.complete(result.onWritten().apply(outcome));
            } catch (RuntimeException e) {
                log.error("Answering an operation on {} failed", partition, e);
                response.complete(errorResponse.apply(Errors.UNKNOWN_SERVER_ERROR));
            }
        }

        /** An operation waiting for the shard's next write to be answered, or for its deadline. */
        private final class Parked<T> {
            private final Function<S, CoordinatorResult<T>> operation;
            private final TransactionalProducer producer;
            private final Function<Errors, T> errorResponse;
            private final CompletableFuture<T> response;
            private long deadlineNanos;
            /** Runs it again at its deadline; null until it first waits. */
            private ScheduledFuture<?> timeout;

            Parked(Function<S, CoordinatorResult<T>> operation, TransactionalProducer producer,
                   Function<Errors, T> errorResponse, CompletableFuture<T> response) {
                this.operation = operation;
                this.producer = producer;
                this.errorResponse = errorResponse;
                this.response = response;
            }

            void rerun() {
                run(operation, producer, errorResponse, response, this);
            }

            void unloaded() {
                settle(this);
                response.complete(errorResponse.apply(Errors.NOT_COORDINATOR));
            }
        }

        @Override
        public void schedule(String key, long delayMs, Supplier<CoordinatorResult<Void>> operation) {
            cancel(key);
            Object[] self = new Object[1];
            ScheduledFuture<?> scheduled = timer.schedule(() -> executor.execute(() -> {
                if (status == Status.ACTIVE && timers.get(key) == self[0]) {
                    timers.remove(key);
                    run(ignored -> operation.get(), null, error -> null, new CompletableFuture<>());
                }
            }), delayMs, TimeUnit.MILLISECONDS);
            self[0] = scheduled;
            timers.put(key, scheduled);
        }

        @Override
        public void cancel(String key) {
            ScheduledFuture<?> previous = timers.remove(key);
            if (previous != null) {
                previous.cancel(false);
            }
        }
    }
}
