package io.skein.broker.api;

import com.google.re2j.Pattern;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.broker.txn.TransactionCoordinator;
import io.skein.broker.txn.TransactionFilter;
import io.skein.broker.txn.TransactionState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.InvalidRegularExpression;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The transaction APIs of administrators and {@code kafka-transactions.sh}, between Kafka's messages
 * and the {@link TransactionCoordinator}: DescribeTransactions, sent to each id's coordinator, and
 * ListTransactions, sent to every broker, each answering for the ids it coordinates. As in Kafka, a
 * transactional id needs DESCRIBE (ListTransactions leaves the others out), and a transaction's
 * partitions are shown only for topics the client may describe.
 */
final class TransactionAdminApis {
    private final TransactionCoordinator coordinator;
    private final Authorization authorization;

    TransactionAdminApis(TransactionCoordinator coordinator, Authorization authorization) {
        this.coordinator = coordinator;
        this.authorization = authorization;
    }

    CompletableFuture<ApiMessage> describeTransactions(RequestContext context) {
        DescribeTransactionsRequestData request = (DescribeTransactionsRequestData) context.request().data();
        List<CompletableFuture<DescribeTransactionsResponseData.TransactionState>> described =
                request.transactionalIds().stream().map(id -> authorization.authorize(context, AclOperation.DESCRIBE,
                        ResourceType.TRANSACTIONAL_ID, id) ? coordinator.describeTransaction(id)
                        : CompletableFuture.completedFuture(new DescribeTransactionsResponseData.TransactionState()
                                .setTransactionalId(id)
                                .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()))).toList();
        return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
            for (CompletableFuture<DescribeTransactionsResponseData.TransactionState> each : described) {
                DescribeTransactionsResponseData.TransactionState state = each.join();
                // Only the partitions of topics the client may describe.
                state.topics().removeIf(topic -> !authorization.authorize(context, AclOperation.DESCRIBE,
                        ResourceType.TOPIC, topic.topic()));
                response.transactionStates().add(state);
            }
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
        return coordinator.listTransactions(filter).thenApply(response -> {
            if (response.errorCode() != Errors.NONE.code()) {
                return response;
            }
            // Only the transactional ids the client may describe.
            response.transactionStates().removeIf(state -> !authorization.authorize(context, AclOperation.DESCRIBE,
                    ResourceType.TRANSACTIONAL_ID, state.transactionalId()));
            return response.setUnknownStateFilters(unknownStates);
        });
    }
}
