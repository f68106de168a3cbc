package io.skein.broker.admin;

import io.skein.broker.metadata.ControllerRequests;
import io.skein.metadata.image.ClientQuotaEntity;
import io.skein.proto.admin.AlterClientQuotasRequest;
import io.skein.proto.admin.AlterClientQuotasResponse;
import io.skein.proto.admin.ClientQuotaEntityPart;
import io.skein.proto.admin.ClientQuotaEntry;
import io.skein.proto.admin.ClientQuotaMatch;
import io.skein.proto.admin.ListClientQuotasRequest;
import io.skein.proto.admin.ListClientQuotasResponse;
import io.skein.proto.controller.ClientQuotaAlteration;
import io.skein.proto.controller.ClientQuotaAlterationResult;
import io.skein.proto.controller.ClientQuotaOp;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;

/**
 * Client quotas for the admin API, through this broker's Kafka API's {@code ClientQuotaAdmin}: listed
 * with DescribeClientQuotas' filter from this broker's metadata, changed through the active controller
 * with Kafka's rules and errors, and answered once this broker shows the change.
 */
final class ClientQuotaRpcs {
    private final AdminContext context;

    ClientQuotaRpcs(AdminContext context) {
        this.context = context;
    }

    ListClientQuotasResponse listClientQuotas(ListClientQuotasRequest request) {
        List<ClientQuotaFilterComponent> components = request.getMatchesList().stream().map(ClientQuotaRpcs::component)
                .toList();
        ListClientQuotasResponse.Builder response = ListClientQuotasResponse.newBuilder();
        context.clientQuotas().describe(request.getStrict() ? ClientQuotaFilter.containsOnly(components)
                        : ClientQuotaFilter.contains(components))
                .forEach(found -> response.addEntries(entry(found.getKey(), found.getValue())));
        return response.build();
    }

    CompletableFuture<AlterClientQuotasResponse> alterClientQuotas(AlterClientQuotasRequest request) {
        ClientQuotaEntity entity = entity(request.getEntityList());
        ClientQuotaAlteration.Builder alteration = ClientQuotaAlteration.newBuilder().addAllEntity(entity.toRecord());
        new TreeMap<>(request.getSetMap()).forEach((key, value) -> alteration.addOps(ClientQuotaOp.newBuilder()
                .setKey(key).setValue(value)));
        request.getRemoveList().forEach(key -> alteration.addOps(ClientQuotaOp.newBuilder().setKey(key)));
        return context.clientQuotas().alter(io.skein.proto.controller.AlterClientQuotasRequest.newBuilder()
                        .addEntries(alteration).setValidateOnly(request.getValidateOnly()).build())
                .thenCompose(response -> {
                    ControllerRequests.throwIfFailed(response.getError());
                    for (ClientQuotaAlterationResult result : response.getResultsList()) {
                        ControllerRequests.throwIfFailed(result.getError());
                    }
                    return context.shown(response.getMetadataOffset());
                })
                .thenApply(image -> AlterClientQuotasResponse.newBuilder().setEntry(entry(entity,
                        image.clientQuotas().getOrDefault(entity, Map.of()))).build());
    }

    /** A match of the list's filter, as DescribeClientQuotas' filter components match. */
    private static ClientQuotaFilterComponent component(ClientQuotaMatch match) {
        return switch (match.getMatchCase()) {
            case ENTITY_NAME -> ClientQuotaFilterComponent.ofEntity(match.getEntityType(), match.getEntityName());
            case DEFAULT_ENTITY -> match.getDefaultEntity() ? ClientQuotaFilterComponent.ofDefaultEntity(
                    match.getEntityType()) : ClientQuotaFilterComponent.ofEntityType(match.getEntityType());
            case MATCH_NOT_SET -> ClientQuotaFilterComponent.ofEntityType(match.getEntityType());
        };
    }

    private static ClientQuotaEntity entity(List<ClientQuotaEntityPart> parts) {
        return new ClientQuotaEntity(parts.stream().map(part -> new ClientQuotaEntity.Part(part.getEntityType(),
                part.hasEntityName() ? part.getEntityName() : null)).toList());
    }

    private static ClientQuotaEntry entry(ClientQuotaEntity entity, Map<String, Double> quotas) {
        ClientQuotaEntry.Builder entry = ClientQuotaEntry.newBuilder().putAllQuotas(quotas);
        for (ClientQuotaEntity.Part part : entity.parts()) {
            ClientQuotaEntityPart.Builder described = ClientQuotaEntityPart.newBuilder().setEntityType(part.type());
            if (part.name() != null) {
                described.setEntityName(part.name());
            }
            entry.addEntity(described);
        }
        return entry.build();
    }
}
