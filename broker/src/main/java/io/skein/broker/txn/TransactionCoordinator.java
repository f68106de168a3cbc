package io.skein.broker.txn;

import io.skein.broker.coordinator.CoordinatorPartitionWriter;
import io.skein.broker.coordinator.CoordinatorResult;
import io.skein.broker.coordinator.CoordinatorRuntime;
import io.skein.broker.coordinator.CoordinatorTimer;
import io.skein.broker.replica.Partition;
import io.skein.broker.replica.ReplicaManager;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import io.skein.metadata.image.TopicImage;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The transaction coordinator of one broker: a transactional id belongs to the partition of
 * {@code __transaction_state} its id hashes to, and the leader of that partition coordinates it.
 * As the group coordinator, it follows the metadata log, loading a partition's transactional ids
 * when this broker becomes its leader and unloading them when it stops; each partition is a
 * {@link TransactionCoordinatorShard} on its own {@link CoordinatorRuntime}. The markers of prepared
 * transactions go out through the {@link TransactionMarkerChannelManager}, whose completion comes
 * back to the shard as an operation. Callers get futures and never wait.
 */
public final class TransactionCoordinator implements MetadataPublisher, AutoCloseable {
    public static final String TRANSACTION_STATE_TOPIC = "__transaction_state";

    private final int brokerId;
    private final TransactionConfig config;
    private final ReplicaManager replicaManager;
    private final Clock clock;
    private final ProducerIdGenerator producerIds;
    private final CoordinatorRuntime<TransactionCoordinatorShard> runtime;
    private final TransactionMarkerChannelManager markers;
    private volatile int partitionCount;
    private volatile MetadataImage image = MetadataImage.EMPTY;

    public TransactionCoordinator(int brokerId, TransactionConfig config, ReplicaManager replicaManager, Clock clock,
                                  ProducerIdGenerator producerIds) {
        this.brokerId = brokerId;
        this.config = config;
        this.replicaManager = replicaManager;
        this.clock = clock;
        this.producerIds = producerIds;
        this.partitionCount = config.transactionStateLogNumPartitions();
        this.runtime = new CoordinatorRuntime<>("transaction-coordinator",
                new CoordinatorPartitionWriter(replicaManager, config.requestTimeoutMs(), clock));
        this.markers = new TransactionMarkerChannelManager(brokerId, () -> image, replicaManager::brokerAddress,
                replicaManager.brokerConnector(), config.requestTimeoutMs());
    }

    public TransactionConfig config() {
        return config;
    }

    /** The broker that coordinates {@code transactionalId}: the leader of its partition, if it has one. */
    public OptionalInt coordinatorId(String transactionalId) {
        TopicImage topic = image.topic(TRANSACTION_STATE_TOPIC);
        var partition = topic == null ? null : topic.partition(partitionFor(transactionalId));
        return partition != null && partition.hasLeader() ? OptionalInt.of(partition.leader()) : OptionalInt.empty();
    }

    /** The partition of {@code __transaction_state} holding {@code transactionalId}, by the topic's partition count. */
    public int partitionFor(String transactionalId) {
        return CoordinatorRuntime.partitionFor(transactionalId, partitionCount);
    }

    // ---------------------------------------------------------------- leadership

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        image = newImage;
        TopicImage topic = newImage.topic(TRANSACTION_STATE_TOPIC);
        if (topic != null) {
            partitionCount = topic.partitions().size();
        }
        runtime.followLeadership(topic, brokerId, tp -> replicaManager.partition(tp).map(Partition::log),
                this::newShard).forEach(markers::removeMarkersForTxnTopicPartition);
    }

    /** The leader epoch of its partition is the coordinator epoch, which the shard's markers carry. */
    private TransactionCoordinatorShard newShard(TopicPartition tp, int coordinatorEpoch, CoordinatorTimer timer) {
        // What an earlier epoch of this coordinator was sending, the new shard sends again under its own.
        markers.removeMarkersForTxnTopicPartition(tp);
        return new TransactionCoordinatorShard(config, clock, coordinatorEpoch, producerIds,
                txn -> markers.addTxnMarkersToSend(tp, txn,
                        () -> runtime.write(tp, error -> null, shard -> shard.completeTransaction(txn))), timer);
    }

    private <T> CompletableFuture<T> onShard(String transactionalId, Function<Errors, T> errorResponse,
                                             Function<TransactionOperations, CoordinatorResult<T>> operation) {
        TopicPartition tp = new TopicPartition(TRANSACTION_STATE_TOPIC, partitionFor(transactionalId));
        return runtime.write(tp, errorResponse, shard -> operation.apply(shard.operations()));
    }

    // ---------------------------------------------------------------- operations

    /** InitProducerId with a transactional id; see {@link TransactionOperations#initProducerId}. */
    public CompletableFuture<InitProducerIdResponseData> initProducerId(String transactionalId, int timeoutMs,
                                                                       long producerId, short producerEpoch) {
        return onShard(transactionalId, error -> new InitProducerIdResponseData().setErrorCode(error.code())
                        .setProducerId(TransactionMetadata.NO_PRODUCER_ID)
                        .setProducerEpoch(TransactionMetadata.NO_PRODUCER_EPOCH),
                o -> o.initProducerId(transactionalId, timeoutMs, producerId, producerEpoch));
    }

    /**
     * Adds partitions to a transaction, for a client: the error for the transaction as a whole, at
     * once while the transaction before completes (the client asks again).
     */
    public CompletableFuture<Errors> addPartitionsToTxn(String transactionalId, long producerId, short producerEpoch,
                                                        Set<TopicPartition> partitions, short transactionVersion) {
        return addPartitionsToTxn(transactionalId, producerId, producerEpoch, partitions, transactionVersion,
                System.nanoTime());
    }

    /**
     * Adds partitions to a transaction, for a partition leader: the error for the transaction as a
     * whole, which waits until {@code waitDeadlineNanos} ({@link System#nanoTime()}) for the transaction
     * before to complete; see {@link TransactionOperations#addPartitions}.
     */
    public CompletableFuture<Errors> addPartitionsToTxn(String transactionalId, long producerId, short producerEpoch,
                                                        Set<TopicPartition> partitions, short transactionVersion,
                                                        long waitDeadlineNanos) {
        return onShard(transactionalId, error -> error, o -> o.addPartitions(transactionalId, producerId, producerEpoch,
                partitions, transactionVersion, waitDeadlineNanos));
    }

    /** Whether the partitions are in the transaction, each; see {@link TransactionOperations#verifyPartitions}. */
    public CompletableFuture<Map<TopicPartition, Errors>> verifyPartitionsInTxn(String transactionalId, long producerId,
            short producerEpoch, Set<TopicPartition> partitions) {
        Function<Errors, Map<TopicPartition, Errors>> all = error -> {
            Map<TopicPartition, Errors> results = new LinkedHashMap<>();
            partitions.forEach(tp -> results.put(tp, error));
            return results;
        };
        return onShard(transactionalId, all, o -> CoordinatorResult.of(
                o.verifyPartitions(transactionalId, producerId, producerEpoch, partitions)));
    }

    public CompletableFuture<EndTxnResponseData> endTxn(String transactionalId, long producerId, short producerEpoch,
                                                        boolean commit, short transactionVersion) {
        return onShard(transactionalId, error -> new EndTxnResponseData().setErrorCode(error.code())
                        .setProducerId(TransactionMetadata.NO_PRODUCER_ID)
                        .setProducerEpoch(TransactionMetadata.NO_PRODUCER_EPOCH),
                o -> o.endTxn(transactionalId, producerId, producerEpoch, commit, transactionVersion));
    }

    // ---------------------------------------------------------------- administration

    /**
     * DescribeTransactions of one id, as Kafka answers it: its producer, state, timeout, start time and
     * partitions (while it prepares to commit or abort, only those still without their marker);
     * TRANSACTIONAL_ID_NOT_FOUND if this coordinator does not know it, NOT_COORDINATOR if another
     * broker coordinates it, COORDINATOR_LOAD_IN_PROGRESS while its partition loads, INVALID_REQUEST
     * for an empty id.
     */
    public CompletableFuture<DescribeTransactionsResponseData.TransactionState> describeTransaction(
            String transactionalId) {
        Function<Errors, DescribeTransactionsResponseData.TransactionState> failed = error ->
                new DescribeTransactionsResponseData.TransactionState().setTransactionalId(transactionalId)
                        .setErrorCode(error.code());
        if (transactionalId.isEmpty()) {
            return CompletableFuture.completedFuture(failed.apply(Errors.INVALID_REQUEST));
        }
        TopicPartition tp = new TopicPartition(TRANSACTION_STATE_TOPIC, partitionFor(transactionalId));
        return runtime.read(tp, failed, shard -> shard.transaction(transactionalId)
                .map(found -> description(found, found.state().isPrepared()
                        ? markers.partitionsWithoutMarkers(shard.markersOf(found)) : found.topicPartitions()))
                .orElseGet(() -> failed.apply(Errors.TRANSACTIONAL_ID_NOT_FOUND)));
    }

    private static DescribeTransactionsResponseData.TransactionState description(TransactionMetadata transaction,
                                                                                 Set<TopicPartition> partitions) {
        DescribeTransactionsResponseData.TransactionState described = new DescribeTransactionsResponseData
                .TransactionState().setTransactionalId(transaction.transactionalId())
                .setTransactionState(transaction.state().kafkaName()).setTransactionTimeoutMs(transaction.txnTimeoutMs())
                .setTransactionStartTimeMs(transaction.txnStartTimestamp()).setProducerId(transaction.producerId())
                .setProducerEpoch(transaction.producerEpoch());
        partitions.stream().sorted(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition)).forEach(tp -> {
            DescribeTransactionsResponseData.TopicData topic = described.topics().find(tp.topic());
            if (topic == null) {
                topic = new DescribeTransactionsResponseData.TopicData().setTopic(tp.topic());
                described.topics().add(topic);
            }
            topic.partitions().add(tp.partition());
        });
        return described;
    }

    /**
     * ListTransactions: the transactional ids {@code filter} lists among those this broker coordinates,
     * or COORDINATOR_LOAD_IN_PROGRESS while any of its partitions loads, as Kafka answers.
     */
    public CompletableFuture<ListTransactionsResponseData> listTransactions(TransactionFilter filter) {
        long now = clock.millis();
        List<CompletableFuture<ShardListing>> shards = runtime.partitions().stream().map(tp -> runtime.read(tp,
                ShardListing::failed, shard -> new ShardListing(Errors.NONE, shard.transactions(filter, now)))).toList();
        return CompletableFuture.allOf(shards.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            ListTransactionsResponseData response = new ListTransactionsResponseData();
            for (CompletableFuture<ShardListing> shard : shards) {
                ShardListing listing = shard.join();
                // A partition unloaded since it was listed is another broker's now: it answers for it.
                if (listing.error() != Errors.NONE && listing.error() != Errors.NOT_COORDINATOR) {
                    return new ListTransactionsResponseData().setErrorCode(listing.error().code());
                }
                listing.transactions().forEach(t -> response.transactionStates().add(
                        new ListTransactionsResponseData.TransactionState().setTransactionalId(t.transactionalId())
                                .setProducerId(t.producerId()).setTransactionState(t.state().kafkaName())));
            }
            return response;
        });
    }

    /** One shard's part of a listing. */
    private record ShardListing(Errors error, List<TransactionMetadata> transactions) {
        static ShardListing failed(Errors error) {
            return new ShardListing(error, List.of());
        }
    }

    /** Where a transactional id stands, as its coordinator has it; empty if unknown, or not coordinated here. */
    public CompletableFuture<Optional<TransactionMetadata>> describe(String transactionalId) {
        TopicPartition tp = new TopicPartition(TRANSACTION_STATE_TOPIC, partitionFor(transactionalId));
        return runtime.read(tp, error -> Optional.empty(), shard -> shard.transaction(transactionalId));
    }

    /** The partitions of its topic this broker coordinates now: the shards whose transactional ids it has loaded. */
    public int loadedShards() {
        return runtime.partitions().size();
    }

    @Override
    public void close() {
        markers.close();
        runtime.close();
    }
}
