package io.skein.metadata.controller;

import java.util.Collection;
import java.util.Optional;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

/**
 * Kafka's topic-name rules, from kafka-clients: legal characters {@code [a-zA-Z0-9._-]}, at most 249
 * of them, not {@code .} or {@code ..}, and no collision between names that differ only in {@code .}
 * versus {@code _} (they share metric names). With {@link ScramKeys}, the only classes here that
 * touch kafka-clients' internal packages.
 */
final class TopicNames {
    private TopicNames() {
    }

    /** Why {@code name} cannot be a new topic next to {@code existing}, if it cannot. */
    static Optional<String> problemWith(String name, Collection<String> existing) {
        try {
            Topic.validate(name);
        } catch (InvalidTopicException e) {
            return Optional.of(e.getMessage());
        }
        for (String other : existing) {
            if (!other.equals(name) && Topic.hasCollision(name, other)) {
                return Optional.of("Topic '" + name + "' collides with existing topic: " + other);
            }
        }
        return Optional.empty();
    }
}
