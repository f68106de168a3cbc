package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import io.skein.broker.producer.ProducerIdManager;
import io.skein.broker.security.Authorization;
import io.skein.broker.txn.TransactionCoordinator;
import io.skein.broker.util.Futures;
import io.skein.metadata.image.Acl;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * InitProducerId. An idempotent producer gets a producer id never given before, with epoch 0 (a
 * producer that asks again, for instance to reset its sequences, gets a new id, as Kafka gives it
 * one). A transactional producer goes to the transaction coordinator, which fences the producers of
 * its transactional id before it. As in Kafka, a transactional producer needs WRITE on its
 * transactional id, an idempotent one IDEMPOTENT_WRITE on the cluster or WRITE on some topic.
 */
final class InitProducerIdApi implements Api {
    /** The first version that knows PRODUCER_FENCED. */
    private static final short PRODUCER_FENCED_FROM = 4;

    private final ProducerIdManager producerIds;
    private final TransactionCoordinator transactions;
    private final Authorization authorization;

    InitProducerIdApi(ProducerIdManager producerIds, TransactionCoordinator transactions, Authorization authorization) {
        this.producerIds = producerIds;
        this.transactions = transactions;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        InitProducerIdRequestData request = (InitProducerIdRequestData) context.request().data();
        short version = context.request().apiVersion();
        if ((request.producerId() == -1) != (request.producerEpoch() == -1)) {
            return CompletableFuture.completedFuture(error(Errors.INVALID_REQUEST));
        }
        if (request.transactionalId() != null) {
            if (!authorization.authorize(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID,
                    request.transactionalId())) {
                return CompletableFuture.completedFuture(error(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
            }
            if (request.enable2Pc() || request.keepPreparedTxn()) {
                // Kafka's answer while transaction.two.phase.commit.enable is off (KIP-939): Skein has no 2PC.
                return CompletableFuture.completedFuture(error(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
            }
            return transactions.initProducerId(request.transactionalId(), request.transactionTimeoutMs(),
                    request.producerId(), request.producerEpoch()).thenApply(response -> response.setErrorCode(
                    TransactionApis.forVersion(Errors.forCode(response.errorCode()), version, PRODUCER_FENCED_FROM).code()));
        }
        // An idempotent producer needs IDEMPOTENT_WRITE on the cluster, or WRITE on some topic (KIP-679).
        if (!authorization.authorize(context, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER,
                Acl.CLUSTER_NAME, true, false)
                && !authorization.authorizeByResourceType(context, AclOperation.WRITE, ResourceType.TOPIC)) {
            return CompletableFuture.completedFuture(error(Errors.CLUSTER_AUTHORIZATION_FAILED));
        }
        return producerIds.generateProducerId().handle((id, error) -> error != null
                ? error(Errors.forException(Futures.cause(error)))
                : new InitProducerIdResponseData().setProducerId(id).setProducerEpoch((short) 0));
    }

    private static InitProducerIdResponseData error(Errors error) {
        return new InitProducerIdResponseData().setErrorCode(error.code()).setProducerId(-1).setProducerEpoch((short) -1);
    }
}
