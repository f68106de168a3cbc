package io.skein.broker.kafka;

import java.util.UUID;
import org.apache.kafka.common.Uuid;

/** Topic ids as the metadata log holds them ({@link UUID}) and as Kafka's protocol carries them ({@link Uuid}). */
public final class TopicIds {
    private TopicIds() {
    }

    public static Uuid toKafka(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    public static UUID fromKafka(Uuid id) {
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }
}
