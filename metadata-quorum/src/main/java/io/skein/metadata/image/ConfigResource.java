package io.skein.metadata.image;

import io.skein.proto.metadata.ConfigResourceType;

/** What a config key belongs to: a topic, a broker, or (broker with an empty name) the cluster default. */
public record ConfigResource(ConfigResourceType type, String name) {
    public static final ConfigResource CLUSTER_DEFAULT = new ConfigResource(ConfigResourceType.BROKER, "");
}
