package io.skein.broker.admin;

import io.skein.broker.metadata.ConfigDescriber;
import io.skein.broker.metadata.ControllerRequests;
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
import io.skein.proto.controller.ConfigChangeResult;
import io.skein.proto.controller.CreatableTopic;
import io.skein.proto.controller.CreatableTopicResult;
import io.skein.proto.controller.ElectionType;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.PartitionCount;
import io.skein.proto.controller.TopicResult;
import io.skein.proto.metadata.ConfigResourceType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.ListOffsetsResult;
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
 * leaders. Changes go to the active controller (creation, deletion and new partitions as this
 * broker's Kafka API makes them, so with Kafka's errors), and each answers once this broker's
 * metadata has reached the offset the change committed at: a client reads its own writes here.
 * Public for the console, which calls the same code.
 */
public final class TopicRpcs {

    private final AdminContext context;

    TopicRpcs(AdminContext context) {
        this.context = context;
    }

    public CompletableFuture<CreateTopicsResponse> createTopics(CreateTopicsRequest request) {
        if (request.getTopicsCount() == 0) {
            throw new InvalidRequestException("Name at least one topic to create");
        }
        List<CreatableTopic> topics = request.getTopicsList().stream().map(TopicRpcs::creatable).toList();
        // Checked as a whole first, so that one bad topic creates none of them.
        CompletableFuture<io.skein.proto.controller.CreateTopicsResponse> valid = context.topicAdmin()
                .createTopics(topics, true, 0).thenApply(TopicRpcs::allCreated);
        if (request.getValidateOnly()) {
            return valid.thenApply(checked -> CreateTopicsResponse.newBuilder().addAllTopics(checked.getTopicsList()
                    .stream().map(t -> TopicSummary.newBuilder().setName(t.getName())
                            .setPartitions(t.getNumPartitions()).setReplicationFactor(t.getReplicationFactor()).build())
                    .toList()).build());
        }
        return valid.thenCompose(checked -> context.topicAdmin().createTopics(topics, false, 0))
                .thenApply(TopicRpcs::allCreated)
                .thenCompose(created -> context.shown(created.getMetadataOffset()))
                .thenApply(image -> {
                    CreateTopicsResponse.Builder response = CreateTopicsResponse.newBuilder();
                    request.getTopicsList().forEach(t -> response.addTopics(summary(AdminContext.existing(image,
                            t.getName()))));
                    return response.build();
                });
    }

    /**
     * The topic as the controller takes it: an unset count asks for the default, which the controller
     * spells -1; a count that is set must be positive, as Kafka's controller answers a CreateTopics
     * request (where 0 is no default either).
     */
    private static CreatableTopic creatable(TopicSpec spec) {
        if (spec.hasPartitions() && spec.getPartitions() <= 0) {
            throw new InvalidPartitionsException("Topic '" + spec.getName() + "': the number of partitions must be "
                    + "larger than 0, not " + spec.getPartitions());
        }
        if (spec.hasReplicationFactor() && (spec.getReplicationFactor() <= 0
                || spec.getReplicationFactor() > Short.MAX_VALUE)) {
            throw new InvalidReplicationFactorException("Topic '" + spec.getName() + "': the replication factor must "
                    + "be larger than 0, not " + spec.getReplicationFactor());
        }
        return CreatableTopic.newBuilder().setName(spec.getName())
                .setNumPartitions(spec.hasPartitions() ? spec.getPartitions() : -1)
                .setReplicationFactor(spec.hasReplicationFactor() ? spec.getReplicationFactor() : -1)
                .putAllConfigs(spec.getConfigsMap()).build();
    }

    /** The response, unless a topic failed. */
    private static io.skein.proto.controller.CreateTopicsResponse allCreated(
            io.skein.proto.controller.CreateTopicsResponse response) {
        throwIfAnyFailed(response.getError(), response.getTopicsList().stream().map(CreatableTopicResult::getError));
        return response;
    }

    /** The request's failure, or else the first of its results', as Kafka's admin client reports it. */
    static void throwIfAnyFailed(Error error, Stream<Error> results) {
        ControllerRequests.throwIfFailed(error);
        results.forEach(ControllerRequests::throwIfFailed);
    }

    public CompletableFuture<DeleteTopicsResponse> deleteTopics(DeleteTopicsRequest request) {
        if (request.getNamesCount() == 0) {
            throw new InvalidRequestException("Name at least one topic to delete");
        }
        MetadataImage image = context.image();
        request.getNamesList().forEach(name -> AdminContext.existing(image, name));
        return context.topicAdmin().deleteTopics(request.getNamesList(), 0).thenCompose(deleted -> {
            throwIfAnyFailed(deleted.getError(), deleted.getTopicsList().stream().map(TopicResult::getError));
            return context.shown(deleted.getMetadataOffset());
        }).thenApply(shown -> DeleteTopicsResponse.newBuilder().addAllNames(request.getNamesList()).build());
    }

    public ListTopicsResponse listTopics(ListTopicsRequest request) {
        ListTopicsResponse.Builder response = ListTopicsResponse.newBuilder();
        topics(context.image(), List.of(), request.getIncludeInternal()).forEach(t -> response.addTopics(summary(t)));
        return response.build();
    }

    /** The topic as this broker's metadata shows it; UNKNOWN_TOPIC_OR_PARTITION if there is none. */
    public TopicSummary summary(String name) {
        return summary(AdminContext.existing(context.image(), name));
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

    public CompletableFuture<DescribeTopicsResponse> describeTopics(DescribeTopicsRequest request) {
        MetadataImage image = context.image();
        List<TopicImage> topics = topics(image, request.getNamesList(), request.getIncludeInternal());
        if (request.getPartitionsCount() > 0 && request.getNamesCount() != 1) {
            throw new InvalidRequestException("Name one topic to describe some of its partitions");
        }
        Map<TopicImage, List<Integer>> described = new LinkedHashMap<>();
        List<TopicPartition> partitions = new ArrayList<>();
        for (TopicImage topic : topics) {
            described.put(topic, partitions(topic, request.getPartitionsList()));
            described.get(topic).forEach(id -> partitions.add(new TopicPartition(topic.name(), id)));
        }
        CompletableFuture<Map<TopicPartition, Long>> starts = offsets(partitions, OffsetSpec.earliest());
        CompletableFuture<Map<TopicPartition, Long>> ends = offsets(partitions, OffsetSpec.latest());
        CompletableFuture<Map<TopicPartition, Long>> sizes = sizes(partitions);
        return CompletableFuture.allOf(starts, ends, sizes).thenApply(all -> {
            Map<TopicPartition, Long> start = starts.join();
            Map<TopicPartition, Long> end = ends.join();
            Map<TopicPartition, Long> size = sizes.join();
            DescribeTopicsResponse.Builder response = DescribeTopicsResponse.newBuilder();
            described.forEach((topic, ids) -> {
                TopicDescription.Builder description = TopicDescription.newBuilder().setName(topic.name())
                        .setTopicId(topic.id().toString()).setInternal(TopicImage.isInternal(topic.name()))
                        .putAllConfigs(image.configs(new ConfigResource(ConfigResourceType.TOPIC, topic.name())));
                ids.forEach(id -> {
                    PartitionRegistration p = topic.partition(id);
                    TopicPartition tp = new TopicPartition(topic.name(), id);
                    description.addPartitions(PartitionDescription.newBuilder().setPartition(id)
                            .setLeader(p.leader()).setLeaderEpoch(p.leaderEpoch())
                            .addAllReplicas(p.replicas()).addAllIsr(p.isr())
                            .setOffline(offline(image, p)).setUnderReplicated(p.isr().size() < p.replicas().size())
                            .setLogStartOffset(start.getOrDefault(tp, -1L))
                            .setLogEndOffset(end.getOrDefault(tp, -1L))
                            .setSizeBytes(size.getOrDefault(tp, -1L)));
                });
                response.addTopics(description);
            });
            return response.build();
        });
    }

    private static boolean online(MetadataImage image, TopicPartition tp) {
        TopicImage topic = image.topic(tp.topic());
        PartitionRegistration partition = topic == null ? null : topic.partition(tp.partition());
        return partition != null && !offline(image, partition);
    }

    static boolean offline(MetadataImage image, PartitionRegistration partition) {
        BrokerRegistration leader = partition.hasLeader() ? image.broker(partition.leader()) : null;
        return leader == null || leader.fenced();
    }

    /**
     * Offsets from each partition's leader. A partition is left out rather than failing the whole
     * call if its leader does not answer (it may just be moving), and not asked for at all if this
     * broker's metadata shows no such partition (a committed offset may outlive its topic for a
     * moment) or no live leader: the Kafka client would wait its whole timeout for one.
     */
    CompletableFuture<Map<TopicPartition, Long>> offsets(List<TopicPartition> partitions, OffsetSpec spec) {
        MetadataImage image = context.image();
        Map<TopicPartition, OffsetSpec> wanted = new LinkedHashMap<>();
        partitions.stream().filter(tp -> online(image, tp)).forEach(tp -> wanted.put(tp, spec));
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

    /**
     * The size on disk of each partition's leader replica, as the leaders answer DescribeLogDirs.
     * Partitions without a live leader are not asked about, and those of a leader that does not answer
     * in time are left out ({@link ReplicaSizes}).
     */
    public CompletableFuture<Map<TopicPartition, Long>> sizes(Collection<TopicPartition> partitions) {
        MetadataImage image = context.image();
        Map<Integer, Set<TopicPartition>> byLeader = new HashMap<>();
        partitions.stream().filter(tp -> online(image, tp)).forEach(tp -> byLeader
                .computeIfAbsent(image.topic(tp.topic()).partition(tp.partition()).leader(), id -> new HashSet<>())
                .add(tp));
        return ReplicaSizes.of(context.kafka(), byLeader).thenApply(byBroker -> {
            Map<TopicPartition, Long> sizes = new HashMap<>();
            byBroker.values().forEach(sizes::putAll);
            return sizes;
        });
    }

    public CompletableFuture<CreatePartitionsResponse> createPartitions(CreatePartitionsRequest request) {
        AdminContext.existing(context.image(), request.getTopic());
        PartitionCount count = PartitionCount.newBuilder().setName(request.getTopic())
                .setCount(request.getPartitions()).build();
        return context.topicAdmin().createPartitions(List.of(count), request.getValidateOnly(), 0)
                .thenCompose(grown -> {
                    throwIfAnyFailed(grown.getError(), grown.getTopicsList().stream().map(TopicResult::getError));
                    return context.shown(grown.getMetadataOffset());
                })
                .thenApply(image -> CreatePartitionsResponse.newBuilder()
                        .setTopic(summary(AdminContext.existing(image, request.getTopic()))).build());
    }

    public CompletableFuture<AlterTopicConfigsResponse> alterTopicConfigs(AlterTopicConfigsRequest request) {
        ConfigResource resource = new ConfigResource(ConfigResourceType.TOPIC, request.getTopic());
        AdminContext.existing(context.image(), request.getTopic());
        AlterConfigsRequest.Builder changes = AlterConfigsRequest.newBuilder().setValidateOnly(request.getValidateOnly());
        request.getSetMap().forEach((name, value) -> changes.addChanges(change(request.getTopic(), name)
                .setValue(value)));
        request.getDeleteList().forEach(name -> changes.addChanges(change(request.getTopic(), name)));
        if (changes.getChangesCount() == 0) {
            throw new InvalidRequestException("Name at least one config to set or delete");
        }
        return context.controller().call(client -> client.alterConfigs(changes.build()))
                .thenCompose(response -> {
                    throwIfAnyFailed(response.getError(), response.getResultsList().stream()
                            .map(ConfigChangeResult::getError));
                    return context.shown(response.getMetadataOffset());
                })
                .thenApply(image -> AlterTopicConfigsResponse.newBuilder().putAllConfigs(image.configs(resource))
                        .build());
    }

    private static ConfigChange.Builder change(String topic, String name) {
        return ConfigChange.newBuilder().setResourceType(ConfigResourceType.TOPIC).setResourceName(topic)
                .setName(name);
    }

    /** From this broker's image, as its Kafka API's DescribeConfigs answers: what this client wrote, it reads. */
    public DescribeTopicConfigsResponse describeTopicConfigs(DescribeTopicConfigsRequest request) {
        MetadataImage image = context.image();
        AdminContext.existing(image, request.getTopic());
        DescribeTopicConfigsResponse.Builder response = DescribeTopicConfigsResponse.newBuilder();
        context.configs().topic(image, request.getTopic(), null).stream()
                .sorted(Comparator.comparing(ConfigDescriber.Entry::name))
                .forEach(entry -> response.addConfigs(ConfigEntry.newBuilder().setName(entry.name())
                        .setValue(entry.value() == null ? "" : entry.value()).setSource(switch (entry.source()) {
                            case ConfigDescriber.DYNAMIC_TOPIC_CONFIG -> ConfigSource.DYNAMIC_TOPIC_CONFIG;
                            case ConfigDescriber.DYNAMIC_BROKER_CONFIG -> ConfigSource.DYNAMIC_BROKER_CONFIG;
                            case ConfigDescriber.DYNAMIC_DEFAULT_BROKER_CONFIG -> ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG;
                            case ConfigDescriber.STATIC_BROKER_CONFIG -> ConfigSource.STATIC_BROKER_CONFIG;
                            default -> ConfigSource.DEFAULT_CONFIG;
                        })));
        return response.build();
    }

    /**
     * Through the Kafka API's {@link io.skein.broker.metadata.TopicAdmin#electLeaders}: the same controller
     * rules and errors. Every partition is named, so that each is answered, those that needed no election too.
     */
    CompletableFuture<ElectLeadersResponse> electLeaders(ElectLeadersRequest request) {
        MetadataImage image = context.image();
        io.skein.proto.controller.ElectLeadersRequest.Builder election = io.skein.proto.controller.ElectLeadersRequest
                .newBuilder().setElectionType(request.getUnclean() ? ElectionType.UNCLEAN : ElectionType.PREFERRED);
        List<TopicPartitions> wanted = request.getPartitionsCount() > 0 ? request.getPartitionsList()
                : image.topicsById().values().stream().map(topic -> TopicPartitions.newBuilder().setTopic(topic.name())
                        .build()).toList();
        for (TopicPartitions topics : wanted) {
            TopicImage topic = AdminContext.existing(image, topics.getTopic());
            election.addTopics(io.skein.proto.controller.TopicPartitions.newBuilder().setName(topic.name())
                    .addAllPartitions(partitions(topic, topics.getPartitionsList())));
        }
        if (election.getTopicsCount() == 0) { // no topics at all: the controller would take that for every partition
            return CompletableFuture.completedFuture(ElectLeadersResponse.getDefaultInstance());
        }
        return context.topicAdmin().electLeaders(election.build(), 0)
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
