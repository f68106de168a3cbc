package io.skein.metadata.controller;

import io.skein.proto.metadata.ConfigResourceType;
import java.util.Map;
import java.util.Optional;

/**
 * Says whether a topic's or broker's configs, as they would be after a change, are valid. The node
 * supplies it (the log engine knows the topic settings); the controller knows only that they exist.
 */
@FunctionalInterface
public interface ConfigValidator {
    /** Why {@code configs} cannot be the settings of that resource, or empty if they can. */
    Optional<String> problemWith(ConfigResourceType type, String resourceName, Map<String, String> configs);
}
