package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.metadata.image.Acl;
import io.skein.metadata.image.MetadataImage;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * DescribeCluster: the cluster id and its brokers on the client's listener (fenced ones too, if asked).
 * Anyone may ask, as in Kafka; the operations the client may do to the cluster, if it asks for them,
 * need DESCRIBE on it (else none).
 */
final class DescribeClusterApi implements Api {
    private static final byte BROKER_ENDPOINTS = 1;

    private final ClusterView cluster;
    private final Authorization authorization;

    DescribeClusterApi(ClusterView cluster, Authorization authorization) {
        this.cluster = cluster;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        DescribeClusterRequestData request = (DescribeClusterRequestData) context.request().data();
        DescribeClusterResponseData response = new DescribeClusterResponseData();
        if (request.endpointType() != BROKER_ENDPOINTS) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
                    .setErrorMessage("Brokers describe broker endpoints only; ask a controller for its own"));
        }
        MetadataImage image = cluster.image();
        response.setClusterId(cluster.clusterId())
                .setControllerId(ClusterView.controllerId(image, context.listenerName()));
        if (request.includeClusterAuthorizedOperations()) {
            response.setClusterAuthorizedOperations(authorization.authorizeCluster(context, AclOperation.DESCRIBE)
                    ? authorization.authorizedOperations(context, ResourceType.CLUSTER, Acl.CLUSTER_NAME)
                    : 0);
        }
        ClusterView.brokers(image, context.listenerName(), request.includeFencedBrokers()).forEach(node ->
                response.brokers().add(new DescribeClusterBroker().setBrokerId(node.id()).setHost(node.host())
                        .setPort(node.port()).setRack(node.rack()).setIsFenced(node.fenced())));
        return CompletableFuture.completedFuture(response);
    }
}
