package io.skein.broker.api;

import io.skein.metadata.controller.ControllerClient;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.Uuids;
import io.skein.proto.controller.CreatableTopic;
import io.skein.proto.controller.CreatableTopicResult;
import io.skein.proto.controller.CreatePartitionsRequest;
import io.skein.proto.controller.CreatePartitionsResponse;
import io.skein.proto.controller.CreateTopicsRequest;
import io.skein.proto.controller.CreateTopicsResponse;
import io.skein.proto.controller.DeleteTopicsRequest;
import io.skein.proto.controller.DeleteTopicsResponse;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.PartitionCount;
import io.skein.proto.controller.TopicResult;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Topic changes, made by the active controller through the metadata quorum. Each answers once the
 * change is committed and, within the time the client allows, visible in this broker's metadata,
 * so that the client's next request here sees it.
 */
final class TopicAdmin {
    private final ControllerClient controller;
    private final ControllerRequests requests;
    private final MetadataWaiter waiter;

    TopicAdmin(ControllerClient controller, ControllerRequests requests, MetadataWaiter waiter) {
        this.controller = controller;
        this.requests = requests;
        this.waiter = waiter;
    }

    CompletableFuture<CreateTopicsResponse> createTopics(List<CreatableTopic> topics, boolean validateOnly,
                                                         long waitMs) {
        CreateTopicsRequest request = CreateTopicsRequest.newBuilder().addAllTopics(topics)
                .setValidateOnly(validateOnly).build();
        return requests.call(() -> controller.createTopics(request)).thenCompose(response -> {
            List<UUID> created = response.getTopicsList().stream()
                    .filter(t -> !validateOnly && t.getError().getCode() == ErrorCode.NONE)
                    .map(CreatableTopicResult::getTopicId).map(Uuids::fromProto).toList();
            return visible(image -> created.stream().allMatch(id -> hasLeaders(image.topic(id))), waitMs, response);
        });
    }

    CompletableFuture<DeleteTopicsResponse> deleteTopics(List<String> names, long waitMs) {
        DeleteTopicsRequest request = DeleteTopicsRequest.newBuilder().addAllNames(names).build();
        return requests.call(() -> controller.deleteTopics(request)).thenCompose(response -> {
            List<String> deleted = response.getTopicsList().stream()
                    .filter(t -> t.getError().getCode() == ErrorCode.NONE).map(TopicResult::getName).toList();
            return visible(image -> deleted.stream().noneMatch(name -> image.topic(name) != null), waitMs, response);
        });
    }

    CompletableFuture<CreatePartitionsResponse> createPartitions(List<PartitionCount> counts, boolean validateOnly,
                                                                 long waitMs) {
        CreatePartitionsRequest request = CreatePartitionsRequest.newBuilder().addAllTopics(counts)
                .setValidateOnly(validateOnly).build();
        return requests.call(() -> controller.createPartitions(request)).thenCompose(response -> {
            Map<String, Integer> grown = counts.stream().filter(count -> !validateOnly && response.getTopicsList()
                            .stream().anyMatch(t -> t.getName().equals(count.getName())
                                    && t.getError().getCode() == ErrorCode.NONE))
                    .collect(Collectors.toMap(PartitionCount::getName, PartitionCount::getCount, Math::max));
            return visible(image -> grown.entrySet().stream().allMatch(e -> {
                TopicImage topic = image.topic(e.getKey());
                return topic != null && topic.partitions().size() >= e.getValue() && hasLeaders(topic);
            }), waitMs, response);
        });
    }

    private static boolean hasLeaders(TopicImage topic) {
        return topic != null && topic.partitions().values().stream().allMatch(PartitionRegistration::hasLeader);
    }

    /** {@code response} once {@code condition} holds here, or after {@code waitMs} regardless: the change is made. */
    private <T> CompletableFuture<T> visible(Predicate<MetadataImage> condition, long waitMs, T response) {
        if (waitMs <= 0) {
            return CompletableFuture.completedFuture(response);
        }
        return waiter.await(condition, waitMs).thenApply(image -> response);
    }
}
