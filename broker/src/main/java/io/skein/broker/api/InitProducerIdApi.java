package io.skein.broker.api;

import io.skein.broker.util.Futures;
import io.skein.broker.network.RequestContext;
import io.skein.broker.producer.ProducerIdManager;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * InitProducerId for idempotent producers: a producer id never given before, with epoch 0. (A
 * producer that asks again, for instance to reset its sequences, gets a new id, as Kafka gives it
 * one.) Transactional producers are refused: Skein has no transaction coordinator.
 */
final class InitProducerIdApi implements Api {
    private final ProducerIdManager producerIds;

    InitProducerIdApi(ProducerIdManager producerIds) {
        this.producerIds = producerIds;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        InitProducerIdRequestData request = (InitProducerIdRequestData) context.request().data();
        if (request.transactionalId() != null) {
            return CompletableFuture.completedFuture(new InitProducerIdResponseData()
                    .setErrorCode(Errors.INVALID_REQUEST.code()).setProducerId(-1).setProducerEpoch((short) -1));
        }
        return producerIds.generateProducerId().handle((id, error) -> {
            if (error != null) {
                return new InitProducerIdResponseData().setErrorCode(Errors.forException(Futures.cause(error)).code())
                        .setProducerId(-1).setProducerEpoch((short) -1);
            }
            return new InitProducerIdResponseData().setProducerId(id).setProducerEpoch((short) 0);
        });
    }
}
