package io.skein.broker.api;

import io.skein.broker.kafka.TopicNameRules;
import io.skein.broker.network.RequestContext;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.security.Authorization;
import io.skein.log.producer.ProducerStateManager.ProducerStateEntry;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.DescribeProducersRequestData.TopicRequest;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * DescribeProducers: the producers a partition's log knows, as this broker's replica has them (Kafka
 * answers from any replica, leader or follower, so that {@code kafka-transactions.sh describe-producers
 * --broker-id} can compare them): epoch, last sequence and timestamp, the coordinator epoch of its last
 * marker and the first offset of its ongoing transaction, which is how an operator finds a hanging one.
 * As Kafka: an illegal topic name is INVALID_TOPIC_EXCEPTION, a topic without READ
 * TOPIC_AUTHORIZATION_FAILED, a topic the metadata does not know
 * UNKNOWN_TOPIC_OR_PARTITION for each of its partitions, a partition held elsewhere NOT_LEADER_OR_FOLLOWER.
 */
final class DescribeProducersApi implements Api {
    private final ClusterView cluster;
    private final ReplicaManager replicaManager;
    private final Authorization authorization;

    DescribeProducersApi(ClusterView cluster, ReplicaManager replicaManager, Authorization authorization) {
        this.cluster = cluster;
        this.replicaManager = replicaManager;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        DescribeProducersRequestData request = (DescribeProducersRequestData) context.request().data();
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        for (TopicRequest topic : request.topics()) {
            TopicResponse topicResponse = new TopicResponse().setName(topic.name());
            ApiException topicError = topicError(context, topic.name());
            for (int partition : topic.partitionIndexes()) {
                topicResponse.partitions().add(topicError != null ? failed(partition, topicError)
                        : describe(new TopicPartition(topic.name(), partition)));
            }
            response.topics().add(topicResponse);
        }
        return CompletableFuture.completedFuture(response);
    }

    private ApiException topicError(RequestContext context, String name) {
        try {
            TopicNameRules.validate(name);
        } catch (ApiException e) {
            return e;
        }
        if (!authorization.authorize(context, AclOperation.READ, ResourceType.TOPIC, name)) {
            return Errors.TOPIC_AUTHORIZATION_FAILED.exception();
        }
        return cluster.image().topic(name) == null ? Errors.UNKNOWN_TOPIC_OR_PARTITION.exception() : null;
    }

    private PartitionResponse describe(TopicPartition tp) {
        PartitionResponse answer = new PartitionResponse().setPartitionIndex(tp.partition());
        try {
            for (ProducerStateEntry producer : replicaManager.hostedPartition(tp).log().activeProducers()) {
                answer.activeProducers().add(new ProducerState().setProducerId(producer.producerId())
                        .setProducerEpoch(producer.producerEpoch()).setLastSequence(producer.lastSequence())
                        .setLastTimestamp(producer.lastTimestamp()).setCoordinatorEpoch(producer.coordinatorEpoch())
                        .setCurrentTxnStartOffset(producer.currentTxnFirstOffset().orElse(-1)));
            }
            return answer;
        } catch (ApiException e) {
            return failed(tp.partition(), e);
        }
    }

    private static PartitionResponse failed(int partition, ApiException error) {
        return new PartitionResponse().setPartitionIndex(partition).setErrorCode(Errors.forException(error).code())
                .setErrorMessage(error.getMessage());
    }
}
