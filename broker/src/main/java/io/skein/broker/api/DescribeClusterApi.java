package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import io.skein.metadata.image.MetadataImage;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/** DescribeCluster: the cluster id and its brokers on the client's listener (fenced ones too, if asked). */
final class DescribeClusterApi implements Api {
    private static final byte BROKER_ENDPOINTS = 1;

    private final ClusterView cluster;

    DescribeClusterApi(ClusterView cluster) {
        this.cluster = cluster;
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
        ClusterView.brokers(image, context.listenerName(), request.includeFencedBrokers()).forEach(node ->
                response.brokers().add(new DescribeClusterBroker().setBrokerId(node.id()).setHost(node.host())
                        .setPort(node.port()).setRack(node.rack()).setIsFenced(node.fenced())));
        return CompletableFuture.completedFuture(response);
    }
}
