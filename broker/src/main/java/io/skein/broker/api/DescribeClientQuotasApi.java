package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeClientQuotas: Skein has no client quotas, so it finds none, which lets {@code kafka-configs
 * --describe --entity-type users} describe users (their SCRAM credentials) as with Kafka. As in Kafka,
 * it needs DESCRIBE_CONFIGS on the cluster.
 */
final class DescribeClientQuotasApi implements Api {
    private final Authorization authorization;

    DescribeClientQuotasApi(Authorization authorization) {
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        DescribeClientQuotasResponseData response = new DescribeClientQuotasResponseData();
        if (!authorization.authorizeCluster(context, AclOperation.DESCRIBE_CONFIGS)) {
            response.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code())
                    .setErrorMessage(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
        }
        return CompletableFuture.completedFuture(response);
    }
}
