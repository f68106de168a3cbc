package io.skein.broker.admin;

import static io.skein.broker.admin.TopicRpcs.future;

import io.skein.broker.txn.TransactionFilter;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.admin.AbortTransactionRequest;
import io.skein.proto.admin.AbortTransactionResponse;
import io.skein.proto.admin.DescribeProducersRequest;
import io.skein.proto.admin.DescribeProducersResponse;
import io.skein.proto.admin.DescribeTransactionsRequest;
import io.skein.proto.admin.DescribeTransactionsResponse;
import io.skein.proto.admin.ListTransactionsRequest;
import io.skein.proto.admin.ListTransactionsResponse;
import io.skein.proto.admin.ProducerDescription;
import io.skein.proto.admin.TopicPartitions;
import io.skein.proto.admin.TransactionDescription;
import io.skein.proto.admin.TransactionSummary;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The transaction RPCs, through this broker's Kafka admin client as {@code kafka-transactions.sh}
 * makes them: ListTransactions of every broker, DescribeTransactions of each id's coordinator,
 * DescribeProducers of the partition's leader, and the abort, a WriteTxnMarkers to that leader.
 */
final class TransactionRpcs {
    private final AdminContext context;

    TransactionRpcs(AdminContext context) {
        this.context = context;
    }

    CompletableFuture<ListTransactionsResponse> listTransactions(ListTransactionsRequest request) {
        ListTransactionsOptions options = new ListTransactionsOptions()
                .filterStates(request.getStatesList().stream().map(TransactionRpcs::state).toList())
                .filterProducerIds(request.getProducerIdsList());
        if (request.getMinDurationMs() < 0) {
            throw new InvalidRequestException("min_duration_ms must be 0 (any) or more");
        }
        if (request.getMinDurationMs() > 0) {
            options.filterOnDuration(request.getMinDurationMs());
        }
        // Checked here as the brokers check it, to say what is wrong with it: their answer cannot.
        TransactionFilter.transactionalIdPattern(request.getTransactionalIdPattern())
                .ifPresent(valid -> options.filterOnTransactionalIdPattern(request.getTransactionalIdPattern()));
        return future(context.kafka().listTransactions(options).allByBrokerId()).thenApply(byCoordinator -> {
            ListTransactionsResponse.Builder response = ListTransactionsResponse.newBuilder();
            byCoordinator.forEach((coordinator, listings) -> listings.forEach(listing -> response.addTransactions(
                    TransactionSummary.newBuilder().setTransactionalId(listing.transactionalId())
                            .setCoordinator(coordinator).setProducerId(listing.producerId())
                            .setState(listing.state().toString()))));
            List<TransactionSummary> sorted = response.getTransactionsList().stream()
                    .sorted(Comparator.comparing(TransactionSummary::getTransactionalId)).toList();
            return response.clearTransactions().addAllTransactions(sorted).build();
        });
    }

    /** A state by Kafka's name; Kafka's admin client would send an unknown one as "Unknown", which lists nothing. */
    private static TransactionState state(String name) {
        TransactionState state = TransactionState.parse(name);
        if (state == TransactionState.UNKNOWN) {
            throw new InvalidRequestException("Unknown transaction state '" + name + "': one of " + Arrays.stream(
                    TransactionState.values()).filter(s -> s != TransactionState.UNKNOWN).map(TransactionState::toString)
                    .collect(Collectors.joining(", ")));
        }
        return state;
    }

    CompletableFuture<DescribeTransactionsResponse> describeTransactions(DescribeTransactionsRequest request) {
        if (request.getTransactionalIdsCount() == 0) {
            throw new InvalidRequestException("Name at least one transactional id to describe");
        }
        return future(context.kafka().describeTransactions(request.getTransactionalIdsList()).all())
                .thenApply(described -> {
                    DescribeTransactionsResponse.Builder response = DescribeTransactionsResponse.newBuilder();
                    for (String id : request.getTransactionalIdsList()) {
                        var transaction = described.get(id);
                        TransactionDescription.Builder description = TransactionDescription.newBuilder()
                                .setTransactionalId(id).setCoordinator(transaction.coordinatorId())
                                .setState(transaction.state().toString()).setProducerId(transaction.producerId())
                                .setProducerEpoch(transaction.producerEpoch())
                                .setTimeoutMs((int) transaction.transactionTimeoutMs())
                                .setStartTimeMs(transaction.transactionStartTimeMs().orElse(-1));
                        transaction.topicPartitions().stream().collect(Collectors.groupingBy(TopicPartition::topic,
                                TreeMap::new, Collectors.mapping(TopicPartition::partition, Collectors.toList())))
                                .forEach((topic, partitions) -> description.addPartitions(TopicPartitions.newBuilder()
                                        .setTopic(topic).addAllPartitions(partitions.stream().sorted().toList())));
                        response.addTransactions(description);
                    }
                    return response.build();
                });
    }

    CompletableFuture<DescribeProducersResponse> describeProducers(DescribeProducersRequest request) {
        TopicPartition tp = existing(request.getTopic(), request.getPartition());
        return producers(tp).thenApply(producers -> DescribeProducersResponse.newBuilder().addAllProducers(producers)
                .build());
    }

    /** The leader's producers of {@code tp}, sorted by producer id. */
    private CompletableFuture<List<ProducerDescription>> producers(TopicPartition tp) {
        return future(context.kafka().describeProducers(List.of(tp)).partitionResult(tp))
                .thenApply(state -> state.activeProducers().stream()
                        .sorted(Comparator.comparingLong(ProducerState::producerId))
                        .map(TransactionRpcs::producer).toList());
    }

    private static ProducerDescription producer(ProducerState state) {
        return ProducerDescription.newBuilder().setProducerId(state.producerId())
                .setProducerEpoch(state.producerEpoch()).setLastSequence(state.lastSequence())
                .setLastTimestampMs(state.lastTimestamp()).setCoordinatorEpoch(state.coordinatorEpoch().orElse(-1))
                .setTransactionStartOffset(state.currentTransactionStartOffset().orElse(-1)).build();
    }

    /**
     * Finds the producer whose open transaction starts at the offset, then has the leader write its
     * ABORT marker with the producer's epoch and its last marker's coordinator epoch (0 if it has
     * none, which no coordinator epoch is below), as {@code kafka-transactions.sh abort} does.
     */
    CompletableFuture<AbortTransactionResponse> abortTransaction(AbortTransactionRequest request) {
        TopicPartition tp = existing(request.getTopic(), request.getPartition());
        return producers(tp).thenCompose(producers -> {
            ProducerDescription open = producers.stream()
                    .filter(p -> p.getTransactionStartOffset() == request.getStartOffset()).findFirst()
                    .orElseThrow(() -> new InvalidRequestException("No open transaction starts at offset "
                            + request.getStartOffset() + " of " + tp));
            AbortTransactionSpec spec = new AbortTransactionSpec(tp, open.getProducerId(),
                    (short) open.getProducerEpoch(), Math.max(0, open.getCoordinatorEpoch()));
            return future(context.kafka().abortTransaction(spec).all())
                    .thenApply(v -> AbortTransactionResponse.newBuilder().setProducer(open).build());
        });
    }

    /** The partition, which must exist: the admin client would wait out its timeout looking for a leader. */
    private TopicPartition existing(String topic, int partition) {
        TopicImage found = AdminContext.existing(context.image(), topic);
        if (found.partition(partition) == null) {
            throw new UnknownTopicOrPartitionException("Topic '" + topic + "' has no partition " + partition);
        }
        return new TopicPartition(topic, partition);
    }
}
