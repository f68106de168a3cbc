package io.skein.broker.admin;

import io.skein.broker.metadata.AclAdmin;
import io.skein.broker.metadata.ClientQuotaAdmin;
import io.skein.broker.metadata.ConfigDescriber;
import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.metadata.MetadataWaiter;
import io.skein.broker.metadata.ScramAdmin;
import io.skein.broker.metadata.TopicAdmin;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import io.skein.metadata.quorum.Voter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * What the admin RPCs work with: this broker's metadata (the image clients are answered from), the
 * active controller for writes, with this broker's Kafka API's topic, ACL, SCRAM credential and client
 * quota changes and config descriptions, a Kafka admin client connected to this broker, which finds partition leaders
 * and group coordinators anywhere in the cluster, and reads of records from partition leaders.
 *
 * @param listenerName the listener whose addresses the admin API reports for brokers
 */
record AdminContext(String clusterId, MetadataWaiter metadata, ControllerRequests controller, TopicAdmin topicAdmin,
                    AclAdmin acls, ScramAdmin scram, ClientQuotaAdmin clientQuotas, ConfigDescriber configs, Admin kafka,
                    LeaderReads reads,
                    List<Voter> voters, String listenerName) {
    /** How long a write waits until this broker's metadata shows it. */
    static final long VISIBLE_WITHIN_MS = 30_000;

    MetadataImage image() {
        return metadata.image();
    }

    /**
     * This broker's image once it shows a change the controller committed at {@code metadataOffset}:
     * a caller reads its own writes, whichever broker it asks next. REQUEST_TIMED_OUT if it does not
     * within {@link #VISIBLE_WITHIN_MS}.
     */
    CompletableFuture<MetadataImage> shown(long metadataOffset) {
        return metadata.await(metadataOffset, VISIBLE_WITHIN_MS);
    }

    /** The topic, or UNKNOWN_TOPIC_OR_PARTITION. */
    static TopicImage existing(MetadataImage image, String name) {
        TopicImage topic = image.topic(name);
        if (topic == null) {
            throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist");
        }
        return topic;
    }
}
