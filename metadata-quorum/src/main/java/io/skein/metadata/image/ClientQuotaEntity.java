package io.skein.metadata.image;

import io.skein.proto.metadata.ClientQuotaEntityPart;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Whom a client quota applies to, as Kafka's {@code ClientQuotaEntity}: one or more parts, each an
 * entity type ({@link #USER}, {@link #CLIENT_ID}) with a name, or with none (null) for that type's
 * default. Parts are kept in type order, so that the same entity named in any order is equal.
 */
public record ClientQuotaEntity(List<Part> parts) {
    public static final String USER = "user";
    public static final String CLIENT_ID = "client-id";

    /** An entity type and a name; null: the type's default entity. */
    public record Part(String type, String name) {
        /** The part as records and controller requests state it. */
        public ClientQuotaEntityPart toRecord() {
            ClientQuotaEntityPart.Builder record = ClientQuotaEntityPart.newBuilder().setEntityType(type);
            if (name != null) {
                record.setEntityName(name);
            }
            return record.build();
        }
    }

    private static final Comparator<Part> PART_ORDER = Comparator.comparing(Part::type)
            .thenComparing(Part::name, Comparator.nullsFirst(Comparator.naturalOrder()));

    /** A total order (by parts: type, then name, defaults first), for listings and snapshots that do not vary. */
    public static final Comparator<ClientQuotaEntity> ORDER = (a, b) -> {
        for (int i = 0; i < Math.min(a.parts.size(), b.parts.size()); i++) {
            int order = PART_ORDER.compare(a.parts.get(i), b.parts.get(i));
            if (order != 0) {
                return order;
            }
        }
        return Integer.compare(a.parts.size(), b.parts.size());
    };

    public ClientQuotaEntity {
        List<Part> sorted = new ArrayList<>(parts);
        sorted.sort(Comparator.comparing(Part::type));
        parts = List.copyOf(sorted);
    }

    /** A user (null: the default user). */
    public static ClientQuotaEntity user(String user) {
        return new ClientQuotaEntity(List.of(new Part(USER, user)));
    }

    /** A client id (null: the default client id). */
    public static ClientQuotaEntity clientId(String clientId) {
        return new ClientQuotaEntity(List.of(new Part(CLIENT_ID, clientId)));
    }

    /** A user's clients of one id (null for either: its default). */
    public static ClientQuotaEntity userAndClientId(String user, String clientId) {
        return new ClientQuotaEntity(List.of(new Part(CLIENT_ID, clientId), new Part(USER, user)));
    }

    /** The entity a record or controller request states. */
    public static ClientQuotaEntity of(List<ClientQuotaEntityPart> parts) {
        return new ClientQuotaEntity(parts.stream().map(part -> new Part(part.getEntityType(),
                part.hasEntityName() ? part.getEntityName() : null)).toList());
    }

    /** The parts as a record states them. */
    public List<ClientQuotaEntityPart> toRecord() {
        return parts.stream().map(Part::toRecord).toList();
    }

    /** Whether the entity has a part of {@code type}, named or default. */
    public boolean has(String type) {
        return parts.stream().anyMatch(part -> part.type().equals(type));
    }

    /** The name of its part of {@code type}; null if that part is the default, or if it has none. */
    public String name(String type) {
        for (Part part : parts) {
            if (part.type().equals(type)) {
                return part.name();
            }
        }
        return null;
    }

    /** As kafka-configs and Kafka's logs write it: {@code user=alice, client-id=<default>}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Part part : parts) {
            text.append(text.isEmpty() ? "" : ", ").append(part.type()).append('=')
                    .append(part.name() == null ? "<default>" : part.name());
        }
        return text.toString();
    }
}
