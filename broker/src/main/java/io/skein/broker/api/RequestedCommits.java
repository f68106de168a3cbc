package io.skein.broker.api;

import io.skein.broker.group.OffsetCommits;
import io.skein.metadata.image.TopicImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * The partitions an OffsetCommit or TxnOffsetCommit request commits, each with where its answer goes:
 * once {@link #authorize}d, those of a topic the client may read and the metadata has go to the group
 * coordinator; the others are answered at once, as Kafka answers them: UNKNOWN_TOPIC_ID for a topic
 * named by an unknown id, TOPIC_AUTHORIZATION_FAILED for a topic the client may not read (whether it
 * exists or not), else UNKNOWN_TOPIC_OR_PARTITION.
 */
final class RequestedCommits {
    /** One partition of the request, as the client named it and the metadata resolved it. */
    private record Requested(String name, Optional<TopicImage> topic, Uuid topicId, int partition,
                             OffsetCommits.Commit commit, Consumer<Errors> answer) {
    }

    private final List<Requested> requested = new ArrayList<>();
    private final Map<TopicPartition, OffsetCommits.Commit> commits = new LinkedHashMap<>();
    private final Map<TopicPartition, Consumer<Errors>> answers = new LinkedHashMap<>();

    /** One partition of the request, of {@code topic} as the metadata resolved it (by {@code name}, or by {@code topicId}). */
    void add(String name, Optional<TopicImage> topic, Uuid topicId, int partition, OffsetCommits.Commit commit,
             Consumer<Errors> answer) {
        requested.add(new Requested(topic.map(TopicImage::name).orElse(name), topic, topicId, partition, commit,
                answer));
    }

    /** The names of the topics to authorize: all but those named by an unknown id. */
    List<String> names() {
        return requested.stream().filter(r -> !unknownId(r)).map(Requested::name).distinct().toList();
    }

    private static boolean unknownId(Requested requested) {
        return requested.topic().isEmpty() && !ClusterView.isZero(requested.topicId());
    }

    /** Answers the partitions that go no further, given the topics the client may read. */
    void authorize(Set<String> readable) {
        for (Requested each : requested) {
            if (unknownId(each)) {
                each.answer().accept(Errors.UNKNOWN_TOPIC_ID);
            } else if (!readable.contains(each.name())) {
                each.answer().accept(Errors.TOPIC_AUTHORIZATION_FAILED);
            } else if (each.topic().isEmpty() || each.topic().get().partition(each.partition()) == null) {
                each.answer().accept(Errors.UNKNOWN_TOPIC_OR_PARTITION);
            } else {
                TopicPartition tp = new TopicPartition(each.name(), each.partition());
                commits.put(tp, each.commit());
                answers.put(tp, each.answer());
            }
        }
    }

    /** The commits for the group coordinator. */
    Map<TopicPartition, OffsetCommits.Commit> commits() {
        return commits;
    }

    /** Gives each committed partition its answer. */
    void answer(Map<TopicPartition, Errors> results) {
        results.forEach((tp, error) -> answers.get(tp).accept(error));
    }
}
