package io.skein.broker.kafka;

import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

/** Kafka's rules for topic names (length, characters, not "." or ".."), which kafka-clients keeps internal. */
public final class TopicNameRules {
    private TopicNameRules() {
    }

    /** @throws InvalidTopicException saying why, if {@code name} is not a legal topic name */
    public static void validate(String name) {
        Topic.validate(name);
    }
}
