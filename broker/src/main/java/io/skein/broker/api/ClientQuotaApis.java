package io.skein.broker.api;

import io.skein.broker.metadata.ClientQuotaAdmin;
import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.broker.util.Futures;
import io.skein.metadata.image.ClientQuotaEntity;
import io.skein.proto.controller.AlterClientQuotasRequest;
import io.skein.proto.controller.ClientQuotaAlteration;
import io.skein.proto.controller.ClientQuotaAlterationResult;
import io.skein.proto.controller.ClientQuotaOp;
import io.skein.proto.controller.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData.ComponentData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;

/**
 * AlterClientQuotas, made by the active controller with Kafka's rules and answered once this broker's
 * metadata shows it, and DescribeClientQuotas, answered from this broker's metadata as Kafka's brokers
 * answer it from theirs; as in Kafka, they need ALTER_CONFIGS and DESCRIBE_CONFIGS on the cluster.
 */
final class ClientQuotaApis {
    /** DescribeClientQuotas' match types: an exact name, the default, any name. */
    private static final byte MATCH_EXACT = 0;
    private static final byte MATCH_DEFAULT = 1;
    private static final byte MATCH_SPECIFIED = 2;

    private final ClientQuotaAdmin quotas;
    private final Authorization authorization;

    ClientQuotaApis(ClientQuotaAdmin quotas, Authorization authorization) {
        this.quotas = quotas;
        this.authorization = authorization;
    }

    CompletableFuture<ApiMessage> alterClientQuotas(RequestContext context) {
        AlterClientQuotasRequestData request = (AlterClientQuotasRequestData) context.request().data();
        if (!authorization.authorizeCluster(context, AclOperation.ALTER_CONFIGS)) {
            return Refusals.refused(context, new ClusterAuthorizationException("Cluster authorization failed"));
        }
        AlterClientQuotasRequest.Builder asked = AlterClientQuotasRequest.newBuilder()
                .setValidateOnly(request.validateOnly());
        for (AlterClientQuotasRequestData.EntryData entry : request.entries()) {
            ClientQuotaAlteration.Builder alteration = ClientQuotaAlteration.newBuilder();
            entry.entity().forEach(part -> alteration.addEntity(
                    new ClientQuotaEntity.Part(part.entityType(), part.entityName()).toRecord()));
            entry.ops().forEach(op -> {
                ClientQuotaOp.Builder change = ClientQuotaOp.newBuilder().setKey(op.key());
                if (!op.remove()) {
                    change.setValue(op.value());
                }
                alteration.addOps(change);
            });
            asked.addEntries(alteration);
        }
        return quotas.alter(asked.build()).handle((altered, failure) -> {
            Throwable cause = failure != null ? Futures.cause(failure)
                    : altered.getError().getCode() != ErrorCode.NONE ? ControllerRequests.exception(altered.getError())
                    : null;
            if (cause != null) { // no controller answered, or it refused the whole request: every entity failed
                return context.request().errorResponse(cause);
            }
            AlterClientQuotasResponseData response = new AlterClientQuotasResponseData();
            for (ClientQuotaAlterationResult result : altered.getResultsList()) {
                Errors code = ControllerRequests.kafkaError(result.getError());
                AlterClientQuotasResponseData.EntryData entry = new AlterClientQuotasResponseData.EntryData()
                        .setErrorCode(code.code())
                        .setErrorMessage(code == Errors.NONE ? null : result.getError().getMessage());
                result.getEntityList().forEach(part -> entry.entity().add(new AlterClientQuotasResponseData.EntityData()
                        .setEntityType(part.getEntityType())
                        .setEntityName(part.hasEntityName() ? part.getEntityName() : null)));
                response.entries().add(entry);
            }
            return response;
        });
    }

    CompletableFuture<ApiMessage> describeClientQuotas(RequestContext context) {
        DescribeClientQuotasRequestData request = (DescribeClientQuotasRequestData) context.request().data();
        if (!authorization.authorizeCluster(context, AclOperation.DESCRIBE_CONFIGS)) {
            return Refusals.refused(context, new ClusterAuthorizationException("Cluster authorization failed"));
        }
        List<Map.Entry<ClientQuotaEntity, Map<String, Double>>> found;
        try {
            List<ClientQuotaFilterComponent> components = new ArrayList<>();
            for (ComponentData component : request.components()) {
                components.add(component(component));
            }
            found = quotas.describe(request.strict() ? ClientQuotaFilter.containsOnly(components)
                    : ClientQuotaFilter.contains(components));
        } catch (ApiException e) {
            return Refusals.refused(context, e);
        }
        DescribeClientQuotasResponseData response = new DescribeClientQuotasResponseData()
                .setEntries(new ArrayList<>());
        for (Map.Entry<ClientQuotaEntity, Map<String, Double>> entry : found) {
            DescribeClientQuotasResponseData.EntryData described = new DescribeClientQuotasResponseData.EntryData();
            entry.getKey().parts().forEach(part -> described.entity().add(new DescribeClientQuotasResponseData.EntityData()
                    .setEntityType(part.type()).setEntityName(part.name())));
            entry.getValue().forEach((key, value) -> described.values().add(new DescribeClientQuotasResponseData.ValueData()
                    .setKey(key).setValue(value)));
            response.entries().add(described);
        }
        return CompletableFuture.completedFuture(response);
    }

    /** A filter component as the request gives it, with Kafka's errors for one that contradicts itself. */
    private static ClientQuotaFilterComponent component(ComponentData component) {
        String type = component.entityType();
        return switch (component.matchType()) {
            case MATCH_EXACT -> {
                if (component.match() == null) {
                    throw new InvalidRequestException("Request specified MATCH_TYPE_EXACT, but set match string to null.");
                }
                yield ClientQuotaFilterComponent.ofEntity(type, component.match());
            }
            case MATCH_DEFAULT -> {
                if (component.match() != null) {
                    throw new InvalidRequestException("Request specified MATCH_TYPE_DEFAULT, but also specified a "
                            + "match string.");
                }
                yield ClientQuotaFilterComponent.ofDefaultEntity(type);
            }
            case MATCH_SPECIFIED -> {
                if (component.match() != null) {
                    throw new InvalidRequestException("Request specified MATCH_TYPE_SPECIFIED, but also specified a "
                            + "match string.");
                }
                yield ClientQuotaFilterComponent.ofEntityType(type);
            }
            default -> throw new InvalidRequestException("Unknown match type " + component.matchType());
        };
    }
}
