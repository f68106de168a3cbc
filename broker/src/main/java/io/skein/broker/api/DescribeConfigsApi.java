package io.skein.broker.api;

import io.skein.broker.metadata.ConfigDescriber;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.metadata.image.MetadataImage;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * DescribeConfigs: a topic's settings with where each comes from, this broker's own settings, and the
 * cluster-wide dynamic ones. DESCRIBE_CONFIGS on the topic, or on the cluster for a broker, as in Kafka.
 */
final class DescribeConfigsApi implements Api {
    private final ClusterView cluster;
    private final ConfigDescriber configs;
    private final Authorization authorization;

    DescribeConfigsApi(ClusterView cluster, ConfigDescriber configs, Authorization authorization) {
        this.cluster = cluster;
        this.configs = configs;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        DescribeConfigsRequestData request = (DescribeConfigsRequestData) context.request().data();
        MetadataImage image = cluster.image();
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (DescribeConfigsResource resource : request.resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
            List<ConfigDescriber.Entry> entries = null;
            if (type == ConfigResource.Type.TOPIC) {
                if (!authorization.authorize(context, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC,
                        resource.resourceName())) {
                    result.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                            .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message());
                } else if (image.topic(resource.resourceName()) == null) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage("Topic " + resource.resourceName() + " does not exist");
                } else {
                    entries = configs.topic(image, resource.resourceName(), resource.configurationKeys());
                }
            } else if (type == ConfigResource.Type.BROKER) {
                if (!authorization.authorizeCluster(context, AclOperation.DESCRIBE_CONFIGS)) {
                    result.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code())
                            .setErrorMessage(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
                } else if (resource.resourceName().isEmpty()) {
                    entries = configs.clusterDefault(image, resource.configurationKeys());
                } else if (!resource.resourceName().equals(Integer.toString(cluster.brokerId()))) {
                    result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Broker " + cluster.brokerId()
                            + " describes its own configs and the cluster default (an empty name) only, not those "
                            + "of broker '" + resource.resourceName() + "'");
                } else {
                    entries = configs.broker(image, resource.configurationKeys());
                }
            } else if (type == ConfigResource.Type.BROKER_LOGGER) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(AlterConfigsApis.NO_BROKER_LOGGERS);
            } else {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Skein describes topic and broker configs, not " + type);
            }
            if (entries != null) {
                entries.forEach(entry -> result.configs().add(resourceResult(entry, request)));
            }
            response.results().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }

    private static DescribeConfigsResourceResult resourceResult(ConfigDescriber.Entry entry,
                                                                DescribeConfigsRequestData request) {
        DescribeConfigsResourceResult result = new DescribeConfigsResourceResult().setName(entry.name())
                .setValue(entry.value()).setReadOnly(entry.readOnly()).setConfigSource(entry.source())
                .setIsSensitive(entry.sensitive()).setConfigType(entry.type());
        if (request.includeSynonyms()) {
            entry.synonyms().forEach(synonym -> result.synonyms().add(new DescribeConfigsSynonym()
                    .setName(synonym.name()).setValue(synonym.value()).setSource(synonym.source())));
        }
        if (request.includeDocumentation()) {
            result.setDocumentation(entry.documentation());
        }
        return result;
    }
}
