package io.skein.broker.api;

import io.skein.broker.kafka.TopicIds;
import io.skein.broker.metadata.ConfigDescriber;
import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.metadata.TopicAdmin;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.broker.util.Futures;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.Uuids;
import io.skein.proto.controller.CreatableTopicResult;
import io.skein.proto.controller.PartitionCount;
import io.skein.proto.controller.TopicResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * CreateTopics, DeleteTopics and CreatePartitions, all made by the active controller. Replicas are
 * always placed by the controller: a request assigning them by hand is refused. As in Kafka: creating
 * needs CREATE on the cluster or the topic (and DESCRIBE_CONFIGS to see its configs in the answer);
 * deleting DELETE on the cluster, or DELETE on the topic and DESCRIBE to learn it does not exist; adding
 * partitions ALTER on the topic.
 */
final class TopicAdminApis {
    private final ClusterView cluster;
    private final TopicAdmin topicAdmin;
    private final ConfigDescriber configs;
    private final Authorization authorization;

    TopicAdminApis(ClusterView cluster, TopicAdmin topicAdmin, ConfigDescriber configs, Authorization authorization) {
        this.cluster = cluster;
        this.topicAdmin = topicAdmin;
        this.configs = configs;
        this.authorization = authorization;
    }

    CompletableFuture<ApiMessage> createTopics(RequestContext context) {
        CreateTopicsRequestData request = (CreateTopicsRequestData) context.request().data();
        short version = context.request().apiVersion();
        CreateTopicsResponseData response = new CreateTopicsResponseData();
        List<String> names = request.topics().stream().map(CreatableTopic::name).toList();
        Set<String> creatable = authorization.authorizeCluster(context, AclOperation.CREATE, false) ? Set.copyOf(names)
                : authorization.authorized(context, AclOperation.CREATE, ResourceType.TOPIC, names);
        Set<String> describable = authorization.authorized(context, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC,
                names, false);
        List<io.skein.proto.controller.CreatableTopic> asked = new ArrayList<>();
        for (CreatableTopic topic : request.topics()) {
            if (!creatable.contains(topic.name())) {
                response.topics().add(new CreateTopicsResponseData.CreatableTopicResult().setName(topic.name())
                        .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setErrorMessage("Authorization failed."));
                continue;
            }
            if (!topic.assignments().isEmpty()) {
                response.topics().add(new CreateTopicsResponseData.CreatableTopicResult().setName(topic.name())
                        .setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Skein places replicas itself: give a partition count and a replication "
                                + "factor instead of an assignment"));
                continue;
            }
            Map<String, String> topicConfigs = new HashMap<>();
            topic.configs().forEach(config -> topicConfigs.put(config.name(), config.value()));
            asked.add(io.skein.proto.controller.CreatableTopic.newBuilder().setName(topic.name())
                    .setNumPartitions(topic.numPartitions()).setReplicationFactor(topic.replicationFactor())
                    .putAllConfigs(topicConfigs).build());
        }
        if (asked.isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        return topicAdmin.createTopics(asked, request.validateOnly(), request.timeoutMs()).handle((created, error) -> {
            if (error != null) {
                asked.forEach(topic -> response.topics().add(new CreateTopicsResponseData.CreatableTopicResult()
                        .setName(topic.getName()).setErrorCode(Errors.forException(Futures.cause(error)).code())
                        .setErrorMessage(Futures.cause(error).getMessage())));
                return response;
            }
            MetadataImage image = cluster.image();
            for (CreatableTopicResult result : created.getTopicsList()) {
                CreateTopicsResponseData.CreatableTopicResult answer = new CreateTopicsResponseData.CreatableTopicResult()
                        .setName(result.getName())
                        .setErrorCode(ControllerRequests.kafkaError(result.getError()).code());
                if (answer.errorCode() != Errors.NONE.code()) {
                    answer.setErrorMessage(result.getError().getMessage());
                } else {
                    answer.setTopicId(TopicIds.toKafka(Uuids.fromProto(result.getTopicId())))
                            .setNumPartitions(result.getNumPartitions())
                            .setReplicationFactor((short) result.getReplicationFactor());
                    if (!describable.contains(result.getName())) {
                        answer.setTopicConfigErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                    } else if (version >= 5) {
                        configs.topic(image, result.getName(), null).forEach(entry -> answer.configs().add(
                                new CreatableTopicConfigs().setName(entry.name()).setValue(entry.value())
                                        .setReadOnly(entry.readOnly()).setConfigSource(entry.source())
                                        .setIsSensitive(false)));
                    }
                }
                response.topics().add(answer);
            }
            return response;
        });
    }

    CompletableFuture<ApiMessage> deleteTopics(RequestContext context) {
        DeleteTopicsRequestData request = (DeleteTopicsRequestData) context.request().data();
        MetadataImage image = cluster.image();
        DeleteTopicsResponseData response = new DeleteTopicsResponseData();
        Map<String, Uuid> names = new LinkedHashMap<>(); // topics to delete, with their ids
        List<DeleteTopicState> states = new ArrayList<>(request.topics());
        request.topicNames().forEach(name -> states.add(new DeleteTopicState().setName(name)));
        List<String> named = new ArrayList<>();
        for (DeleteTopicState state : states) {
            if (state.name() != null) {
                named.add(state.name());
            } else {
                cluster.topic(image, state.topicId()).ifPresent(topic -> named.add(topic.name()));
            }
        }
        boolean anyTopic = authorization.authorizeCluster(context, AclOperation.DELETE, false);
        Set<String> describable = anyTopic ? Set.copyOf(named)
                : authorization.authorized(context, AclOperation.DESCRIBE, ResourceType.TOPIC, named);
        Set<String> deletable = anyTopic ? Set.copyOf(named)
                : authorization.authorized(context, AclOperation.DELETE, ResourceType.TOPIC, named);
        for (DeleteTopicState state : states) {
            TopicImage topic = state.name() == null ? cluster.topic(image, state.topicId()).orElse(null)
                    : image.topic(state.name());
            if (state.name() == null && topic == null) {
                response.responses().add(new DeletableTopicResult().setTopicId(state.topicId())
                        .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()).setErrorMessage("No topic has id " + state.topicId()));
                continue;
            }
            String name = state.name() != null ? state.name() : topic.name();
            boolean byId = state.name() == null;
            Errors refusal = !describable.contains(name) && !byId ? Errors.TOPIC_AUTHORIZATION_FAILED
                    : deletable.contains(name) ? Errors.NONE
                    : topic == null ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.TOPIC_AUTHORIZATION_FAILED;
            if (refusal != Errors.NONE) {
                // Whether a topic named by name exists is told only to who may describe it; a topic named by id
                // keeps its id, which is no secret, and its name only for who may describe it.
                response.responses().add(new DeletableTopicResult()
                        .setName(byId && !describable.contains(name) ? null : name)
                        .setTopicId(byId ? state.topicId() : Uuid.ZERO_UUID).setErrorCode(refusal.code()));
                continue;
            }
            names.put(name, state.name() == null ? state.topicId()
                    : topic == null ? Uuid.ZERO_UUID : TopicIds.toKafka(topic.id()));
        }
        if (names.isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        return topicAdmin.deleteTopics(new ArrayList<>(names.keySet()), request.timeoutMs()).handle((deleted, error) -> {
            if (error != null) {
                names.forEach((name, id) -> response.responses().add(new DeletableTopicResult().setName(name)
                        .setTopicId(id).setErrorCode(Errors.forException(Futures.cause(error)).code())
                        .setErrorMessage(Futures.cause(error).getMessage())));
                return response;
            }
            for (TopicResult result : deleted.getTopicsList()) {
                Errors code = ControllerRequests.kafkaError(result.getError());
                response.responses().add(new DeletableTopicResult().setName(result.getName())
                        .setTopicId(names.getOrDefault(result.getName(), Uuid.ZERO_UUID)).setErrorCode(code.code())
                        .setErrorMessage(code == Errors.NONE ? null : result.getError().getMessage()));
            }
            return response;
        });
    }

    CompletableFuture<ApiMessage> createPartitions(RequestContext context) {
        CreatePartitionsRequestData request = (CreatePartitionsRequestData) context.request().data();
        CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        Set<String> alterable = authorization.authorized(context, AclOperation.ALTER, ResourceType.TOPIC,
                request.topics().stream().map(CreatePartitionsTopic::name).toList());
        List<PartitionCount> counts = new ArrayList<>();
        for (CreatePartitionsTopic topic : request.topics()) {
            if (!alterable.contains(topic.name())) {
                response.results().add(new CreatePartitionsTopicResult().setName(topic.name())
                        .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                        .setErrorMessage("The topic authorization is failed."));
                continue;
            }
            if (topic.assignments() != null) {
                response.results().add(new CreatePartitionsTopicResult().setName(topic.name())
                        .setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Skein places replicas itself: give only the new partition count"));
                continue;
            }
            counts.add(PartitionCount.newBuilder().setName(topic.name()).setCount(topic.count()).build());
        }
        if (counts.isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        return topicAdmin.createPartitions(counts, request.validateOnly(), request.timeoutMs()).handle((grown, error) -> {
            if (error != null) {
                counts.forEach(count -> response.results().add(new CreatePartitionsTopicResult().setName(count.getName())
                        .setErrorCode(Errors.forException(Futures.cause(error)).code()).setErrorMessage(Futures.cause(error).getMessage())));
                return response;
            }
            for (TopicResult result : grown.getTopicsList()) {
                Errors code = ControllerRequests.kafkaError(result.getError());
                response.results().add(new CreatePartitionsTopicResult().setName(result.getName()).setErrorCode(code.code())
                        .setErrorMessage(code == Errors.NONE ? null : result.getError().getMessage()));
            }
            return response;
        });
    }
}
