package io.skein.broker.api;

import io.skein.broker.group.OffsetCommits;
import io.skein.metadata.image.TopicImage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * The partitions an OffsetCommit or TxnOffsetCommit request commits, each with where its answer goes:
 * those of a partition the metadata has go to the group coordinator; the others are answered at
 * once, UNKNOWN_TOPIC_ID for a topic named by an unknown id, else UNKNOWN_TOPIC_OR_PARTITION.
 */
final class RequestedCommits {
    private final Map<TopicPartition, OffsetCommits.Commit> commits = new LinkedHashMap<>();
    private final Map<TopicPartition, Consumer<Errors>> answers = new LinkedHashMap<>();

    /** One partition of the request, of {@code topic} as the metadata resolved it (by name, or by {@code topicId}). */
    void add(Optional<TopicImage> topic, Uuid topicId, int partition, OffsetCommits.Commit commit,
             Consumer<Errors> answer) {
        if (topic.isEmpty() || topic.get().partition(partition) == null) {
            answer.accept(topic.isEmpty() && !ClusterView.isZero(topicId) ? Errors.UNKNOWN_TOPIC_ID
                    : Errors.UNKNOWN_TOPIC_OR_PARTITION);
            return;
        }
        TopicPartition tp = new TopicPartition(topic.get().name(), partition);
        commits.put(tp, commit);
        answers.put(tp, answer);
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
