package io.skein.broker.metadata;

import io.skein.metadata.image.ClientQuotaEntity;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.controller.AlterClientQuotasRequest;
import io.skein.proto.controller.AlterClientQuotasResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;

/**
 * Client quotas, changed by the active controller and described from this broker's metadata, for the
 * Kafka API and the admin API alike. A change is answered once this broker's metadata shows it (within
 * {@code waitMs}), so that the client's next describe here sees it.
 */
public final class ClientQuotaAdmin {
    private static final Set<String> DESCRIBABLE_TYPES = Set.of(ClientQuotaEntity.USER, ClientQuotaEntity.CLIENT_ID,
            "ip");

    private final ControllerRequests controller;
    private final MetadataWaiter waiter;
    private final long waitMs;

    /** @param waitMs how long an answer waits for this broker's metadata to show the change */
    public ClientQuotaAdmin(ControllerRequests controller, MetadataWaiter waiter, long waitMs) {
        this.controller = controller;
        this.waiter = waiter;
        this.waitMs = waitMs;
    }

    public CompletableFuture<AlterClientQuotasResponse> alter(AlterClientQuotasRequest request) {
        return controller.call(client -> client.alterClientQuotas(request))
                .thenCompose(response -> waiter.answerWhenShown(response.getMetadataOffset(), waitMs, response));
    }

    /**
     * The entities {@code filter} matches in this broker's metadata, with their quotas, as Kafka's
     * brokers match them: each component names an entity type once, and matches entities that have a
     * part of that type with the name given, the default, or any name; with {@link ClientQuotaFilter#strict}
     * an entity has no other parts. Ordered by entity. Skein keeps no {@code ip} entities, but a filter
     * may ask for them, and finds none.
     *
     * @throws InvalidRequestException     a type named twice or empty, or ip beside user or client-id
     * @throws UnsupportedVersionException an entity type Kafka does not know
     */
    public List<Map.Entry<ClientQuotaEntity, Map<String, Double>>> describe(ClientQuotaFilter filter) {
        Map<String, Optional<String>> exact = new HashMap<>(); // type: name, or empty for the default
        Set<String> anyName = new HashSet<>();
        for (ClientQuotaFilterComponent component : filter.components()) {
            String type = component.entityType();
            if (type.isEmpty()) {
                throw new InvalidRequestException("Invalid empty entity type.");
            }
            if (exact.containsKey(type) || anyName.contains(type)) {
                throw new InvalidRequestException("Entity type " + type + " cannot appear more than once in the filter.");
            }
            if (!DESCRIBABLE_TYPES.contains(type)) {
                throw new UnsupportedVersionException("Unsupported entity type " + type);
            }
            if (component.match() == null) {
                anyName.add(type);
            } else {
                exact.put(type, component.match());
            }
        }
        boolean ip = exact.containsKey("ip") || anyName.contains("ip");
        if (ip && exact.size() + anyName.size() > 1) {
            throw new InvalidRequestException("Invalid entity filter component combination. IP filter component "
                    + "should not be used with user or clientId filter component.");
        }
        MetadataImage image = waiter.image();
        return image.clientQuotas().entrySet().stream()
                .filter(entry -> matches(entry.getKey(), exact, anyName, filter.strict()))
                .sorted(Map.Entry.comparingByKey(ClientQuotaEntity.ORDER))
                .toList();
    }

    private static boolean matches(ClientQuotaEntity entity, Map<String, Optional<String>> exact, Set<String> anyName,
                                   boolean strict) {
        if (strict && entity.parts().size() != exact.size() + anyName.size()) {
            return false;
        }
        for (Map.Entry<String, Optional<String>> match : exact.entrySet()) {
            if (!entity.has(match.getKey()) || !Objects.equals(entity.name(match.getKey()), match.getValue().orElse(null))) {
                return false;
            }
        }
        return anyName.stream().allMatch(entity::has);
    }
}
