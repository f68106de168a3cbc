package io.skein.broker.api;

import com.google.re2j.Pattern;
import io.skein.broker.network.RequestContext;
import io.skein.broker.txn.TransactionCoordinator;
import io.skein.broker.txn.TransactionFilter;
import io.skein.broker.txn.TransactionState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.InvalidRegularExpression;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * The transaction APIs of administrators and {@code kafka-transactions.sh}, between Kafka's messages
 * and the {@link TransactionCoordinator}: DescribeTransactions, sent to each id's coordinator, and
 * ListTransactions, sent to every broker, each answering for the ids it coordinates.
 */
final class TransactionAdminApis {
    private final TransactionCoordinator coordinator;

    TransactionAdminApis(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    CompletableFuture<ApiMessage> describeTransactions(RequestContext context) {
        DescribeTransactionsRequestData request = (DescribeTransactionsRequestData) context.request().data();
        List<CompletableFuture<DescribeTransactionsResponseData.TransactionState>> described =
                request.transactionalIds().stream().map(coordinator::describeTransaction).toList();
        return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
            described.forEach(each -> response.transactionStates().add(each.join()));
            return response;
        });
    }

    /**
     * ListTransactions, with Kafka's filters: states (the names Kafka does not know come back in
     * {@code unknownStateFilters}), producer ids, a minimum duration (v1+) and a transactional id
     * pattern (v2+; INVALID_REGULAR_EXPRESSION if it does not compile).
     */
    CompletableFuture<ApiMessage> listTransactions(RequestContext context) {
        ListTransactionsRequestData request = (ListTransactionsRequestData) context.request().data();
        Set<TransactionState> states = new HashSet<>();
        List<String> unknownStates = new ArrayList<>();
        for (String name : request.stateFilters()) {
            TransactionState.fromKafkaName(name).ifPresentOrElse(states::add, () -> unknownStates.add(name));
        }
        Optional<Pattern> pattern;
        try {
            pattern = TransactionFilter.transactionalIdPattern(request.transactionalIdPattern());
        } catch (InvalidRegularExpression e) {
            return CompletableFuture.completedFuture(new ListTransactionsResponseData()
                    .setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code()));
        }
        TransactionFilter filter = new TransactionFilter(new HashSet<>(request.producerIdFilters()),
                request.stateFilters().isEmpty() ? Optional.empty() : Optional.of(states), request.durationFilter(),
                pattern);
        return coordinator.listTransactions(filter).thenApply(response -> response.errorCode() != Errors.NONE.code()
                ? response : response.setUnknownStateFilters(unknownStates));
    }
}
