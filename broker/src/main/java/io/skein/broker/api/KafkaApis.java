package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import io.skein.broker.network.RequestHandler;
import io.skein.broker.producer.ProducerIdManager;
import io.skein.broker.replica.ReplicaManager;
import io.skein.metadata.controller.ControllerClient;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import io.skein.node.NodeConfig;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The Kafka APIs a broker serves, each at every version kafka-clients' classes know; ApiVersions
 * advertises exactly these. Topic changes go to the active controller.
 */
public final class KafkaApis implements RequestHandler {
    private final Map<ApiKeys, Api> apis = new EnumMap<>(ApiKeys.class);
    private final MetadataWaiter metadataWaiter;

    /**
     * @param images            the broker's latest metadata
     * @param controllerCalls   runs blocking calls to the controller
     */
    public KafkaApis(NodeConfig config, String clusterId, Supplier<MetadataImage> images, ReplicaManager replicaManager,
                     ControllerClient controller, Executor controllerCalls, ProducerIdManager producerIds) {
        ClusterView cluster = new ClusterView(images, clusterId, config.nodeId());
        this.metadataWaiter = new MetadataWaiter(images);
        TopicAdmin topicAdmin = new TopicAdmin(controller, new ControllerRequests(controllerCalls), metadataWaiter);
        ConfigDescriber configs = new ConfigDescriber(config);
        TopicAdminApis topicApis = new TopicAdminApis(cluster, topicAdmin, configs, config.deleteTopicEnable());
        apis.put(ApiKeys.PRODUCE, new ProduceApi(cluster, replicaManager));
        apis.put(ApiKeys.FETCH, new FetchApi(cluster, replicaManager));
        apis.put(ApiKeys.LIST_OFFSETS, new ListOffsetsApi(replicaManager));
        apis.put(ApiKeys.METADATA, new MetadataApi(cluster, topicAdmin, config.autoCreateTopicsEnable()));
        apis.put(ApiKeys.OFFSET_FOR_LEADER_EPOCH, new OffsetsForLeaderEpochApi(replicaManager));
        apis.put(ApiKeys.INIT_PRODUCER_ID, new InitProducerIdApi(producerIds));
        apis.put(ApiKeys.CREATE_TOPICS, topicApis::createTopics);
        apis.put(ApiKeys.DELETE_TOPICS, topicApis::deleteTopics);
        apis.put(ApiKeys.CREATE_PARTITIONS, topicApis::createPartitions);
        apis.put(ApiKeys.DESCRIBE_CLUSTER, new DescribeClusterApi(cluster));
        apis.put(ApiKeys.DESCRIBE_CONFIGS, new DescribeConfigsApi(cluster, configs));
        apis.put(ApiKeys.API_VERSIONS, new ApiVersionsApi(apis.keySet()));
    }

    /** Follows the broker's metadata, so that topic changes can wait until they show here. */
    public MetadataPublisher metadataPublisher() {
        return metadataWaiter;
    }

    @Override
    public boolean supports(ApiKeys apiKey, short version) {
        return apis.containsKey(apiKey) && apiKey.isVersionSupported(version);
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        return apis.get(context.request().apiKey()).handle(context);
    }
}
