package io.skein.broker.admin;

import io.skein.broker.api.ControllerRequests;
import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.admin.AlterTopicConfigsRequest;
import io.skein.proto.admin.AlterTopicConfigsResponse;
import io.skein.proto.admin.ConfigEntry;
import io.skein.proto.admin.ConfigSource;
import io.skein.proto.admin.CreatePartitionsRequest;
import io.skein.proto.admin.CreatePartitionsResponse;
import io.skein.proto.admin.CreateTopicsRequest;
import io.skein.proto.admin.CreateTopicsResponse;
import io.skein.proto.admin.DeleteRecordsRequest;
import io.skein.proto.admin.DeleteRecordsResponse;
import io.skein.proto.admin.DeleteTopicsRequest;
import io.skein.proto.admin.DeleteTopicsResponse;
import io.skein.proto.admin.DescribeTopicConfigsRequest;
import io.skein.proto.admin.DescribeTopicConfigsResponse;
import io.skein.proto.admin.DescribeTopicsRequest;
import io.skein.proto.admin.DescribeTopicsResponse;
import io.skein.proto.admin.ElectLeadersRequest;
import io.skein.proto.admin.ElectLeadersResponse;
import io.skein.proto.admin.ElectionResult;
import io.skein.proto.admin.ListTopicsRequest;
import io.skein.proto.admin.ListTopicsResponse;
import io.skein.proto.admin.PartitionDescription;
import io.skein.proto.admin.PartitionLowWatermark;
import io.skein.proto.admin.TopicDescription;
import io.skein.proto.admin.TopicPartitions;
import io.skein.proto.admin.TopicSpec;
import io.skein.proto.admin.TopicSummary;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.ConfigChange;
import io.skein.proto.controller.ElectionType;
import io.skein.proto.metadata.ConfigResourceType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.CreatePartitionsOptions;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The topic RPCs. Structure comes from this broker's metadata image; offsets from the partition
 * leaders; creation, deletion and new partitions go through this broker's Kafka API (which forwards
 * them to the active controller and answers once its metadata shows them), and so report Kafka's
 * own errors; config changes and elections go to the active controller directly.
 */
final class TopicRpcs {
    private final AdminContext context;

    TopicRpcs(AdminContext context) {
        this.context = context;
    }

    CompletableFuture<CreateTopicsResponse> createTopics(CreateTopicsRequest request) {
        if (request.getTopicsCount() == 0) {
            throw new InvalidRequestException("Name at least one topic to create");
        }
        List<NewTopic> topics = request.getTopicsList().stream().map(TopicRpcs::newTopic).toList();
        // Checked as a whole first, so that one bad topic creates none of them.
        CompletableFuture<Void> valid = future(context.kafka().createTopics(topics,
                new CreateTopicsOptions().validateOnly(true)).all());
        if (request.getValidateOnly()) {
            return valid.thenApply(v -> CreateTopicsResponse.newBuilder().addAllTopics(request.getTopicsList().stream()
                    .map(t -> TopicSummary.newBuilder().setName(t.getName()).setPartitions(t.getPartitions())
                            .setReplicationFactor(t.getReplicationFactor()).build()).toList()).build());
        }
        return valid.thenCompose(v -> future(context.kafka().createTopics(topics).all()))
                .thenApply(v -> {
                    MetadataImage image = context.image();
                    CreateTopicsResponse.Builder response = CreateTopicsResponse.newBuilder();
                    request.getTopicsList().forEach(t -> response.addTopics(summary(AdminContext.existing(image,
                            t.getName()))));
                    return response.build();
                });
    }

    private static NewTopic newTopic(TopicSpec spec) {
        // 0 asks for the default; Kafka's protocol spells that -1, so negative counts are refused here.
        if (spec.getPartitions() < 0) {
            throw new InvalidPartitionsException("Topic '" + spec.getName() + "': the number of partitions must be "
                    + "larger than 0, not " + spec.getPartitions());
        }
        if (spec.getReplicationFactor() < 0 || spec.getReplicationFactor() > Short.MAX_VALUE) {
            throw new InvalidReplicationFactorException("Topic '" + spec.getName() + "': the replication factor must "
                    + "be larger than 0, not " + spec.getReplicationFactor());
        }
        return new NewTopic(spec.getName(),
                spec.getPartitions() == 0 ? Optional.empty() : Optional.of(spec.getPartitions()),
                spec.getReplicationFactor() == 0 ? Optional.empty() : Optional.of((short) spec.getReplicationFactor()))
                .configs(spec.getConfigsMap());
    }

    CompletableFuture<DeleteTopicsResponse> deleteTopics(DeleteTopicsRequest request) {
        if (request.getNamesCount() == 0) {
            throw new InvalidRequestException("Name at least one topic to delete");
        }
        MetadataImage image = context.image();
        request.getNamesList().forEach(name -> AdminContext.existing(image, name));
        return future(context.kafka().deleteTopics(request.getNamesList()).all())
                .thenApply(v -> DeleteTopicsResponse.newBuilder().addAllNames(request.getNamesList()).build());
    }

    ListTopicsResponse listTopics(ListTopicsRequest request) {
        ListTopicsResponse.Builder response = ListTopicsResponse.newBuilder();
        topics(context.image(), List.of(), request.getIncludeInternal()).forEach(t -> response.addTopics(summary(t)));
        return response.build();
    }

    private static List<TopicImage> topics(MetadataImage image, List<String> names, boolean includeInternal) {
        if (!names.isEmpty()) {
            return names.stream().map(name -> AdminContext.existing(image, name)).toList();
        }
        return image.topicsById().values().stream()
                .filter(t -> includeInternal || !TopicImage.isInternal(t.name()))
                .sorted(Comparator.comparing(TopicImage::name)).toList();
    }

    private static TopicSummary summary(TopicImage topic) {
        PartitionRegistration first = topic.partition(0);
        return TopicSummary.newBuilder().setName(topic.name()).setTopicId(topic.id().toString())
                .setPartitions(topic.partitions().size())
                .setReplicationFactor(first == null ? 0 : first.replicas().size())
                .setInternal(TopicImage.isInternal(topic.name())).build();
    }

    CompletableFuture<DescribeTopicsResponse> describeTopics(DescribeTopicsRequest request) {
        MetadataImage image = context.image();
        List<TopicImage> topics = topics(image, request.getNamesList(), request.getIncludeInternal());
        List<TopicPartition> online = new ArrayList<>();
        topics.forEach(topic -> topic.partitions().forEach((id, partition) -> {
            if (!offline(image, partition)) {
                online.add(new TopicPartition(topic.name(), id));
            }
        }));
        CompletableFuture<Map<TopicPartition, Long>> starts = offsets(online, OffsetSpec.earliest());
        CompletableFuture<Map<TopicPartition, Long>> ends = offsets(online, OffsetSpec.latest());
        return starts.thenCombine(ends, (start, end) -> {
            DescribeTopicsResponse.Builder response = DescribeTopicsResponse.newBuilder();
            for (TopicImage topic : topics) {
                TopicDescription.Builder description = TopicDescription.newBuilder().setName(topic.name())
                        .setTopicId(topic.id().toString()).setInternal(TopicImage.isInternal(topic.name()))
                        .putAllConfigs(image.configs(new ConfigResource(ConfigResourceType.TOPIC, topic.name())));
                topic.partitions().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                    PartitionRegistration p = e.getValue();
                    TopicPartition tp = new TopicPartition(topic.name(), e.getKey());
                    description.addPartitions(PartitionDescription.newBuilder().setPartition(e.getKey())
                            .setLeader(p.leader()).setLeaderEpoch(p.leaderEpoch())
                            .addAllReplicas(p.replicas()).addAllIsr(p.isr())
                            .setOffline(offline(image, p)).setUnderReplicated(p.isr().size() < p.replicas().size())
                            .setLogStartOffset(start.getOrDefault(tp, -1L))
                            .setLogEndOffset(end.getOrDefault(tp, -1L)));
                });
                response.addTopics(description);
            }
            return response.build();
        });
    }

    private static boolean offline(MetadataImage image, PartitionRegistration partition) {
        BrokerRegistration leader = partition.hasLeader() ? image.broker(partition.leader()) : null;
        return leader == null || leader.fenced();
    }

    /**
     * Offsets from each partition's leader; a partition whose leader does not answer (it may just be
     * moving) is left out rather than failing the whole call.
     */
    CompletableFuture<Map<TopicPartition, Long>> offsets(List<TopicPartition> partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> wanted = new LinkedHashMap<>();
        partitions.forEach(tp -> wanted.put(tp, spec));
        if (wanted.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        ListOffsetsResult result = context.kafka().listOffsets(wanted);
        Map<TopicPartition, CompletableFuture<Long>> each = new HashMap<>();
        wanted.keySet().forEach(tp -> each.put(tp, future(result.partitionResult(tp))
                .handle((info, failure) -> failure == null ? info.offset() : null)));
        return CompletableFuture.allOf(each.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<TopicPartition, Long> offsets = new HashMap<>();
            each.forEach((tp, offset) -> {
                if (offset.join() != null) {
                    offsets.put(tp, offset.join());
                }
            });
            return offsets;
        });
    }

    CompletableFuture<CreatePartitionsResponse> createPartitions(CreatePartitionsRequest request) {
        AdminContext.existing(context.image(), request.getTopic());
        return future(context.kafka().createPartitions(
                        Map.of(request.getTopic(), NewPartitions.increaseTo(request.getPartitions())),
                        new CreatePartitionsOptions().validateOnly(request.getValidateOnly())).all())
                .thenApply(v -> CreatePartitionsResponse.newBuilder()
                        .setTopic(summary(AdminContext.existing(context.image(), request.getTopic()))).build());
    }

    CompletableFuture<AlterTopicConfigsResponse> alterTopicConfigs(AlterTopicConfigsRequest request) {
        ConfigResource resource = new ConfigResource(ConfigResourceType.TOPIC, request.getTopic());
        AdminContext.existing(context.image(), request.getTopic());
        AlterConfigsRequest.Builder changes = AlterConfigsRequest.newBuilder().setValidateOnly(request.getValidateOnly());
        request.getSetMap().forEach((name, value) -> changes.addChanges(change(request.getTopic(), name)
                .setValue(value)));
        request.getDeleteList().forEach(name -> changes.addChanges(change(request.getTopic(), name)));
        if (changes.getChangesCount() == 0) {
            throw new InvalidRequestException("Name at least one config to set or delete");
        }
        return context.controllerCalls().call(() -> context.controller().alterConfigs(changes.build()))
                .thenCompose(response -> {
                    ControllerRequests.throwIfFailed(response.getError());
                    response.getResultsList().forEach(result -> ControllerRequests.throwIfFailed(result.getError()));
                    return context.shown(response.getMetadataOffset());
                })
                .thenApply(image -> AlterTopicConfigsResponse.newBuilder().putAllConfigs(image.configs(resource))
                        .build());
    }

    private static ConfigChange.Builder change(String topic, String name) {
        return ConfigChange.newBuilder().setResourceType(ConfigResourceType.TOPIC).setResourceName(topic)
                .setName(name);
    }

    CompletableFuture<DescribeTopicConfigsResponse> describeTopicConfigs(DescribeTopicConfigsRequest request) {
        AdminContext.existing(context.image(), request.getTopic());
        org.apache.kafka.common.config.ConfigResource resource = new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, request.getTopic());
        return future(context.kafka().describeConfigs(List.of(resource)).all()).thenApply(configs -> {
            DescribeTopicConfigsResponse.Builder response = DescribeTopicConfigsResponse.newBuilder();
            configs.get(resource).entries().stream()
                    .sorted(Comparator.comparing(org.apache.kafka.clients.admin.ConfigEntry::name))
                    .forEach(entry -> response.addConfigs(ConfigEntry.newBuilder().setName(entry.name())
                            .setValue(entry.value() == null ? "" : entry.value()).setSource(switch (entry.source()) {
                                case DYNAMIC_TOPIC_CONFIG -> ConfigSource.DYNAMIC_TOPIC_CONFIG;
                                case STATIC_BROKER_CONFIG -> ConfigSource.STATIC_BROKER_CONFIG;
                                default -> ConfigSource.DEFAULT_CONFIG;
                            })));
            return response.build();
        });
    }

    CompletableFuture<ElectLeadersResponse> electLeaders(ElectLeadersRequest request) {
        MetadataImage image = context.image();
        io.skein.proto.controller.ElectLeadersRequest.Builder election = io.skein.proto.controller.ElectLeadersRequest
                .newBuilder().setElectionType(ElectionType.PREFERRED);
        for (TopicPartitions wanted : request.getPartitionsList()) {
            TopicImage topic = AdminContext.existing(image, wanted.getTopic());
            election.addTopics(io.skein.proto.controller.TopicPartitions.newBuilder().setName(topic.name())
                    .addAllPartitions(partitions(topic, wanted.getPartitionsList())));
        }
        return context.controllerCalls().call(() -> context.controller().electLeaders(election.build()))
                .thenCompose(response -> {
                    ControllerRequests.throwIfFailed(response.getError());
                    return context.shown(response.getMetadataOffset()).thenApply(now -> {
                        ElectLeadersResponse.Builder answer = ElectLeadersResponse.newBuilder();
                        response.getResultsList().stream()
                                .sorted(Comparator.comparing(io.skein.proto.controller.ElectionResult::getTopic)
                                        .thenComparingInt(io.skein.proto.controller.ElectionResult::getPartitionId))
                                .forEach(r -> {
                                    TopicImage topic = now.topic(r.getTopic());
                                    PartitionRegistration p = topic == null ? null : topic.partition(r.getPartitionId());
                                    answer.addResults(ElectionResult.newBuilder().setTopic(r.getTopic())
                                            .setPartition(r.getPartitionId())
                                            .setLeader(p == null ? -1 : p.leader())
                                            .setOutcome(r.getError().getCode().name())
                                            .setMessage(r.getError().getMessage()));
                                });
                        return answer.build();
                    });
                });
    }

    CompletableFuture<DeleteRecordsResponse> deleteRecords(DeleteRecordsRequest request) {
        TopicImage topic = AdminContext.existing(context.image(), request.getTopic());
        if (request.getBeforeOffset() < -1) {
            throw new InvalidRequestException("before_offset must be an offset, or -1 for the high watermark");
        }
        Map<TopicPartition, RecordsToDelete> wanted = new LinkedHashMap<>();
        for (int partition : partitions(topic, request.getPartitionsList())) {
            wanted.put(new TopicPartition(topic.name(), partition), RecordsToDelete.beforeOffset(request.getBeforeOffset()));
        }
        Map<TopicPartition, KafkaFuture<org.apache.kafka.clients.admin.DeletedRecords>> results =
                context.kafka().deleteRecords(wanted).lowWatermarks();
        return future(KafkaFuture.allOf(results.values().toArray(KafkaFuture[]::new))).thenApply(v -> {
            DeleteRecordsResponse.Builder response = DeleteRecordsResponse.newBuilder();
            results.forEach((tp, low) -> response.addPartitions(PartitionLowWatermark.newBuilder()
                    .setPartition(tp.partition()).setLowWatermark(future(low).join().lowWatermark())));
            return response.build();
        });
    }

    /** The partitions named, each checked to exist; none named: all of them. */
    private static List<Integer> partitions(TopicImage topic, List<Integer> named) {
        if (named.isEmpty()) {
            return topic.partitions().keySet().stream().sorted().toList();
        }
        for (int partition : named) {
            if (topic.partition(partition) == null) {
                throw new UnknownTopicOrPartitionException("Topic '" + topic.name() + "' has no partition " + partition);
            }
        }
        return named;
    }

    static <T> CompletableFuture<T> future(KafkaFuture<T> future) {
        return future.toCompletionStage().toCompletableFuture();
    }
}
