package io.skein.proto;

import java.util.UUID;

/** Converts between the protobuf {@link Uuid} and {@link java.util.UUID}. */
public final class Uuids {
    private Uuids() {
    }

    public static Uuid toProto(UUID uuid) {
        return Uuid.newBuilder()
                .setMostSignificantBits(uuid.getMostSignificantBits())
                .setLeastSignificantBits(uuid.getLeastSignificantBits())
                .build();
    }

    public static UUID fromProto(Uuid uuid) {
        return new UUID(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits());
    }
}
