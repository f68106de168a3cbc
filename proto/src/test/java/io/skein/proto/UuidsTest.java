package io.skein.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UuidsTest {

    @Test
    void roundTripsThroughTheWireFormat() throws InvalidProtocolBufferException {
        UUID original = UUID.randomUUID();

        byte[] wire = Uuids.toProto(original).toByteArray();
        UUID decoded = Uuids.fromProto(Uuid.parseFrom(wire));

        assertEquals(original, decoded);
        assertEquals(18, wire.length, "two tagged fixed64 fields");
    }

    @Test
    void keepsBothHalvesApart() {
        UUID uuid = new UUID(1L, -1L);

        Uuid proto = Uuids.toProto(uuid);

        assertEquals(1L, proto.getMostSignificantBits());
        assertEquals(-1L, proto.getLeastSignificantBits());
    }
}
