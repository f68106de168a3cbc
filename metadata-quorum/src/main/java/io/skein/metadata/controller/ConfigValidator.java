package io.skein.metadata.controller;

import io.skein.proto.controller.ErrorCode;
import io.skein.proto.metadata.ConfigResourceType;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Says whether a topic's or broker's configs, as they would be after a change, are valid. The node
 * supplies it (the log engine knows the topic settings, the node its own); the controller knows only
 * that configs exist.
 */
public interface ConfigValidator {
    /**
     * Why configs are refused, as the Kafka error a client gets: INVALID_CONFIG for a key or value the
     * resource cannot have, INVALID_REQUEST where Kafka answers so (a broker key that cannot change
     * while the broker runs).
     */
    record Problem(ErrorCode code, String message) {
        public static Problem invalidConfig(String message) {
            return new Problem(ErrorCode.INVALID_CONFIG, message);
        }

        public static Problem invalidRequest(String message) {
            return new Problem(ErrorCode.INVALID_REQUEST, message);
        }
    }

    /** Why {@code configs} cannot be the settings of that resource, or empty if they can. */
    Optional<Problem> problemWith(ConfigResourceType type, String resourceName, Map<String, String> configs);

    /**
     * The items of {@code key}'s default, if it is a list-typed key of that resource type (the only
     * kind APPEND and SUBTRACT apply to); empty if it is not, or unknown.
     */
    default Optional<List<String>> listDefault(ConfigResourceType type, String key) {
        return Optional.empty();
    }
}
