package io.skein.broker.admin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeLogDirsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * The sizes on disk of replicas, as their brokers answer DescribeLogDirs (as {@code kafka-log-dirs}
 * asks them), all brokers in parallel. A broker that does not answer within {@link #WITHIN_MS} leaves
 * its replicas out, so a slow broker makes sizes unknown rather than an answer late.
 */
final class ReplicaSizes {
    static final int WITHIN_MS = 5_000;

    private ReplicaSizes() {
    }

    /** For each broker asked, the sizes of those of {@code wanted}'s replicas it holds. */
    static CompletableFuture<Map<Integer, Map<TopicPartition, Long>>> of(Admin kafka,
                                                                          Map<Integer, Set<TopicPartition>> wanted) {
        if (wanted.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        Map<Integer, KafkaFuture<Map<String, LogDirDescription>>> answers = kafka
                .describeLogDirs(wanted.keySet(), new DescribeLogDirsOptions().timeoutMs(WITHIN_MS)).descriptions();
        Map<Integer, CompletableFuture<Map<TopicPartition, Long>>> each = new HashMap<>();
        answers.forEach((broker, answer) -> each.put(broker, TopicRpcs.future(answer).handle((dirs, failure) -> {
            Map<TopicPartition, Long> sizes = new HashMap<>();
            if (failure == null) {
                dirs.values().forEach(dir -> dir.replicaInfos().forEach((tp, replica) -> {
                    if (wanted.get(broker).contains(tp) && !replica.isFuture()) {
                        sizes.put(tp, replica.size());
                    }
                }));
            }
            return sizes;
        })));
        List<CompletableFuture<?>> all = new ArrayList<>(each.values());
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<Integer, Map<TopicPartition, Long>> sizes = new HashMap<>();
            each.forEach((broker, answer) -> sizes.put(broker, answer.join()));
            return sizes;
        });
    }
}
