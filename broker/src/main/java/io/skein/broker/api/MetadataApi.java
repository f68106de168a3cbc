package io.skein.broker.api;

import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.metadata.TopicAdmin;
import io.skein.broker.kafka.TopicIds;
import io.skein.broker.network.RequestContext;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.controller.CreatableTopic;
import io.skein.proto.controller.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Metadata: the live brokers on the client's listener, and the topics asked for with their ids,
 * partitions, leaders and ISRs. A topic that does not exist is created when the broker's
 * {@code auto.create.topics.enable} and the client both allow it; the answer waits (briefly) for it.
 */
final class MetadataApi implements Api {
    /** How long an answer waits for a topic it created to get its leaders. */
    private static final long AUTO_CREATE_WAIT_MS = 2_000;

    private final ClusterView cluster;
    private final TopicAdmin topicAdmin;
    private final boolean autoCreateTopics;

    MetadataApi(ClusterView cluster, TopicAdmin topicAdmin, boolean autoCreateTopics) {
        this.cluster = cluster;
        this.topicAdmin = topicAdmin;
        this.autoCreateTopics = autoCreateTopics;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        MetadataRequestData request = (MetadataRequestData) context.request().data();
        short version = context.request().apiVersion();
        MetadataImage image = cluster.image();
        boolean allTopics = request.topics() == null || (version == 0 && request.topics().isEmpty());
        if (allTopics) {
            return CompletableFuture.completedFuture(response(context, image,
                    image.topicsById().values().stream().map(TopicImage::name).sorted().toList(), List.of(), Map.of()));
        }
        List<String> names = new ArrayList<>();
        List<Uuid> unknownIds = new ArrayList<>();
        for (MetadataRequestTopic topic : request.topics()) {
            if (topic.name() != null) {
                names.add(topic.name());
            } else {
                cluster.topic(image, topic.topicId()).ifPresentOrElse(t -> names.add(t.name()),
                        () -> unknownIds.add(topic.topicId()));
            }
        }
        List<String> missing = names.stream().distinct()
                .filter(name -> image.topic(name) == null && !TopicImage.isInternal(name)).toList();
        boolean allowed = autoCreateTopics && (version < 4 || request.allowAutoTopicCreation());
        if (!allowed || missing.isEmpty()) {
            return CompletableFuture.completedFuture(response(context, image, names, unknownIds, Map.of()));
        }
        List<CreatableTopic> creations = missing.stream().map(name -> CreatableTopic.newBuilder().setName(name)
                .setNumPartitions(-1).setReplicationFactor(-1).build()).toList();
        return topicAdmin.createTopics(creations, false, AUTO_CREATE_WAIT_MS).handle((created, error) -> {
            Map<String, Errors> outcomes = new HashMap<>();
            missing.forEach(name -> outcomes.put(name, Errors.LEADER_NOT_AVAILABLE)); // created, or being created
            if (created != null) {
                created.getTopicsList().stream()
                        .filter(t -> t.getError().getCode() != ErrorCode.NONE
                                && t.getError().getCode() != ErrorCode.TOPIC_ALREADY_EXISTS)
                        .forEach(t -> outcomes.put(t.getName(), ControllerRequests.kafkaError(t.getError())));
            }
            return response(context, cluster.image(), names, unknownIds, outcomes);
        });
    }

    /**
     * @param missing what became of topics asked for that do not exist (yet): UNKNOWN_TOPIC_OR_PARTITION
     *                unless an attempt to create them says otherwise
     */
    private ApiMessage response(RequestContext context, MetadataImage image, List<String> names, List<Uuid> unknownIds,
                                Map<String, Errors> missing) {
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(cluster.clusterId())
                .setControllerId(ClusterView.controllerId(image, context.listenerName()));
        Set<Integer> live = Set.copyOf(image.unfencedBrokerIds());
        for (ClusterView.Node node : ClusterView.brokers(image, context.listenerName(), false)) {
            response.brokers().add(new MetadataResponseBroker().setNodeId(node.id()).setHost(node.host())
                    .setPort(node.port()).setRack(node.rack()));
        }
        for (String name : names) {
            response.topics().add(topic(image, name, live, missing.getOrDefault(name, Errors.UNKNOWN_TOPIC_OR_PARTITION)));
        }
        for (Uuid id : unknownIds) {
            response.topics().add(new MetadataResponseTopic().setTopicId(id).setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
        }
        return response;
    }

    private static MetadataResponseTopic topic(MetadataImage image, String name, Set<Integer> live, Errors ifMissing) {
        MetadataResponseTopic topic = new MetadataResponseTopic().setName(name).setIsInternal(TopicImage.isInternal(name));
        TopicImage found = image.topic(name);
        if (found == null) {
            return topic.setErrorCode(ifMissing.code());
        }
        topic.setTopicId(TopicIds.toKafka(found.id()));
        found.partitions().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            PartitionRegistration partition = entry.getValue();
            topic.partitions().add(new MetadataResponsePartition()
                    .setPartitionIndex(entry.getKey())
                    .setErrorCode((partition.hasLeader() ? Errors.NONE : Errors.LEADER_NOT_AVAILABLE).code())
                    .setLeaderId(partition.leader())
                    .setLeaderEpoch(partition.leaderEpoch())
                    .setReplicaNodes(partition.replicas())
                    .setIsrNodes(partition.isr())
                    .setOfflineReplicas(partition.replicas().stream().filter(r -> !live.contains(r))
                            .collect(Collectors.toList())));
        });
        return topic;
    }
}
