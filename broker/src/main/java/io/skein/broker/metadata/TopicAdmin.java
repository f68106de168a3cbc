package io.skein.broker.metadata;

import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterConfigsResponse;
import io.skein.proto.controller.AlterPartitionReassignmentsRequest;
import io.skein.proto.controller.AlterPartitionReassignmentsResponse;
import io.skein.proto.controller.CreatableTopic;
import io.skein.proto.controller.CreatePartitionsRequest;
import io.skein.proto.controller.CreatePartitionsResponse;
import io.skein.proto.controller.CreateTopicsRequest;
import io.skein.proto.controller.CreateTopicsResponse;
import io.skein.proto.controller.DeleteTopicsRequest;
import io.skein.proto.controller.DeleteTopicsResponse;
import io.skein.proto.controller.ElectLeadersRequest;
import io.skein.proto.controller.ElectLeadersResponse;
import io.skein.proto.controller.PartitionCount;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.TopicDeletionDisabledException;

/**
 * Topic, partition assignment, partition leadership and config changes, made by the active controller
 * through the metadata quorum, for the Kafka API and the admin API alike. Each answers once the change is
 * committed and, within {@code waitMs}, visible in this broker's metadata, so that the client's next
 * request here sees it; past {@code waitMs} it
 * answers regardless, as Kafka answers once the controller has committed (0: no wait). A caller
 * that must read the change back waits for the response's {@code metadata_offset} itself.
 */
public final class TopicAdmin {
    private final ControllerRequests controller;
    private final MetadataWaiter waiter;
    private final boolean deleteTopicEnable;

    public TopicAdmin(ControllerRequests controller, MetadataWaiter waiter, boolean deleteTopicEnable) {
        this.controller = controller;
        this.waiter = waiter;
        this.deleteTopicEnable = deleteTopicEnable;
    }

    public CompletableFuture<CreateTopicsResponse> createTopics(List<CreatableTopic> topics, boolean validateOnly,
                                                                long waitMs) {
        CreateTopicsRequest request = CreateTopicsRequest.newBuilder().addAllTopics(topics)
                .setValidateOnly(validateOnly).build();
        return controller.call(client -> client.createTopics(request))
                .thenCompose(response -> waiter.answerWhenShown(response.getMetadataOffset(), waitMs, response));
    }

    /** Fails with TOPIC_DELETION_DISABLED unless {@code delete.topic.enable}. */
    public CompletableFuture<DeleteTopicsResponse> deleteTopics(List<String> names, long waitMs) {
        if (!deleteTopicEnable) {
            return CompletableFuture.failedFuture(new TopicDeletionDisabledException(
                    "Topic deletion is disabled: delete.topic.enable is false"));
        }
        DeleteTopicsRequest request = DeleteTopicsRequest.newBuilder().addAllNames(names).build();
        return controller.call(client -> client.deleteTopics(request))
                .thenCompose(response -> waiter.answerWhenShown(response.getMetadataOffset(), waitMs, response));
    }

    public CompletableFuture<CreatePartitionsResponse> createPartitions(List<PartitionCount> counts,
                                                                       boolean validateOnly, long waitMs) {
        CreatePartitionsRequest request = CreatePartitionsRequest.newBuilder().addAllTopics(counts)
                .setValidateOnly(validateOnly).build();
        return controller.call(client -> client.createPartitions(request))
                .thenCompose(response -> waiter.answerWhenShown(response.getMetadataOffset(), waitMs, response));
    }

    /**
     * Preferred or unclean leader elections (Kafka's ElectLeaders, {@code skein leaders elect}); no
     * partitions named: every partition, answered for those whose election was needed.
     */
    public CompletableFuture<ElectLeadersResponse> electLeaders(ElectLeadersRequest request, long waitMs) {
        return controller.call(client -> client.electLeaders(request))
                .thenCompose(response -> waiter.answerWhenShown(response.getMetadataOffset(), waitMs, response));
    }

    /** Partitions moved to new replicas, or their moves cancelled (Kafka's AlterPartitionReassignments). */
    public CompletableFuture<AlterPartitionReassignmentsResponse> alterPartitionReassignments(
            AlterPartitionReassignmentsRequest request, long waitMs) {
        return controller.call(client -> client.alterPartitionReassignments(request))
                .thenCompose(response -> waiter.answerWhenShown(response.getMetadataOffset(), waitMs, response));
    }

    /** Config changes of topics, brokers and the cluster default (Kafka's IncrementalAlterConfigs and AlterConfigs). */
    public CompletableFuture<AlterConfigsResponse> alterConfigs(AlterConfigsRequest request, long waitMs) {
        return controller.call(client -> client.alterConfigs(request))
                .thenCompose(response -> waiter.answerWhenShown(response.getMetadataOffset(), waitMs, response));
    }
}
