package io.skein.metadata.controller;

import static io.skein.metadata.controller.ControllerErrors.error;
import static io.skein.metadata.controller.ControllerErrors.none;

import io.skein.metadata.image.ClientQuotaEntity;
import io.skein.metadata.image.ClientQuotaKey;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.controller.AlterClientQuotasRequest;
import io.skein.proto.controller.AlterClientQuotasResponse;
import io.skein.proto.controller.ClientQuotaAlteration;
import io.skein.proto.controller.ClientQuotaAlterationResult;
import io.skein.proto.controller.ClientQuotaOp;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.metadata.ClientQuotaEntityPart;
import io.skein.proto.metadata.ClientQuotaRecord;
import io.skein.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Client quotas (KIP-13, KIP-55, KIP-124), with the rules of Kafka's controller and its errors, all
 * INVALID_REQUEST: an entity is a user, a client id, or a user's client id, each named or the default
 * (no name, never an empty one); its keys are {@link ClientQuotaKey}'s, each named once, set to a value
 * above 0 (a whole number for the byte rates). Kafka's {@code ip} entities ({@code connection_creation_rate})
 * and {@code controller_mutation_rate} are refused by name, as Skein does not enforce them. Removing a
 * key that is not set changes nothing, and a value set to what it is writes no record. Each entity
 * succeeds or fails whole and on its own; one named twice gets none of its changes.
 */
final class ClientQuotaControlManager {
    ControllerResult<AlterClientQuotasResponse> alterClientQuotas(MetadataImage view, AlterClientQuotasRequest request) {
        Map<ClientQuotaEntity, Error> results = new LinkedHashMap<>(); // every entity named, in the request's order
        Map<ClientQuotaEntity, List<MetadataRecord>> changes = new LinkedHashMap<>();
        Map<ClientQuotaEntity, List<ClientQuotaEntityPart>> named = new LinkedHashMap<>();
        for (ClientQuotaAlteration alteration : request.getEntriesList()) {
            ClientQuotaEntity entity = ClientQuotaEntity.of(alteration.getEntityList());
            if (results.containsKey(entity)) {
                changes.remove(entity);
                results.put(entity, error(ErrorCode.INVALID_REQUEST, "Ignoring duplicate entity " + entity));
                continue;
            }
            named.put(entity, alteration.getEntityList());
            List<MetadataRecord> records = new ArrayList<>();
            Error problem = problemWithEntity(alteration.getEntityList());
            if (problem.getCode() == ErrorCode.NONE) {
                problem = changes(view.clientQuotas().getOrDefault(entity, Map.of()), alteration, records);
            }
            results.put(entity, problem);
            if (problem.getCode() == ErrorCode.NONE) {
                changes.put(entity, records);
            }
        }
        AlterClientQuotasResponse.Builder response = AlterClientQuotasResponse.newBuilder().setError(none());
        results.forEach((entity, error) -> response.addResults(ClientQuotaAlterationResult.newBuilder()
                .addAllEntity(named.get(entity)).setError(error)));
        List<MetadataRecord> records = new ArrayList<>();
        if (!request.getValidateOnly()) {
            changes.values().forEach(records::addAll);
        }
        return ControllerResult.of(records, response.build());
    }

    /** Kafka's checks of an entity's types and names. */
    private static Error problemWithEntity(List<ClientQuotaEntityPart> parts) {
        if (parts.isEmpty()) {
            return invalid("Invalid empty client quota entity");
        }
        Set<String> types = new HashSet<>();
        for (ClientQuotaEntityPart part : parts) {
            String type = part.getEntityType();
            if (!types.add(type)) {
                return invalid("Invalid client quota entity, duplicate entity entry " + type);
            }
            if (type.equals("ip")) {
                return invalid("Skein does not limit connection rates: ip entities (connection_creation_rate) "
                        + "are not supported");
            }
            if (!type.equals(ClientQuotaEntity.USER) && !type.equals(ClientQuotaEntity.CLIENT_ID)) {
                return invalid("Unhandled client quota entity type: " + type);
            }
            if (part.hasEntityName() && part.getEntityName().isEmpty()) {
                return invalid("Empty " + type + " not supported");
            }
        }
        return none();
    }

    /** The records that make {@code alteration} of an entity whose quotas are {@code current}, or why it fails. */
    private static Error changes(Map<String, Double> current, ClientQuotaAlteration alteration,
                                 List<MetadataRecord> records) {
        Set<String> keys = new HashSet<>();
        for (ClientQuotaOp op : alteration.getOpsList()) {
            if (!keys.add(op.getKey())) {
                return invalid("Duplicate quota key " + op.getKey() + " not updating quota for this entity");
            }
        }
        for (ClientQuotaOp op : alteration.getOpsList()) {
            ClientQuotaRecord.Builder record = ClientQuotaRecord.newBuilder().addAllEntity(alteration.getEntityList())
                    .setKey(op.getKey());
            if (!op.hasValue()) {
                if (current.containsKey(op.getKey())) {
                    records.add(MetadataRecord.newBuilder().setClientQuota(record).build());
                }
                continue;
            }
            Error problem = problemWithValue(op.getKey(), op.getValue());
            if (problem.getCode() != ErrorCode.NONE) {
                return problem;
            }
            if (!Objects.equals(current.get(op.getKey()), op.getValue())) {
                records.add(MetadataRecord.newBuilder().setClientQuota(record.setValue(op.getValue())).build());
            }
        }
        return none();
    }

    private static Error problemWithValue(String key, double value) {
        if (key.equals("controller_mutation_rate")) {
            return invalid("Skein does not limit the rate of topic and partition changes: controller_mutation_rate "
                    + "is not supported");
        }
        ClientQuotaKey known = ClientQuotaKey.of(key).orElse(null);
        if (known == null) {
            return invalid("Invalid configuration key " + key);
        }
        if (!(value > 0.0)) {
            return invalid("Quota " + key + " must be greater than 0");
        }
        if (known.wholeNumber()) {
            if (value >= 0x1p63) {
                return invalid("Proposed value for " + key + " is too large for a LONG.");
            }
            if (Math.abs(value % 1.0) > 1e-6) {
                return invalid(key + " cannot be a fractional value.");
            }
        }
        return none();
    }

    private static Error invalid(String message) {
        return error(ErrorCode.INVALID_REQUEST, message);
    }
}
