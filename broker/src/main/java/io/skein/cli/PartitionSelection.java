package io.skein.cli;

import io.skein.proto.admin.TopicPartitions;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** {@code --all}, or {@code --topic T} with any number of {@code --partition N}: the partitions a command acts on. */
final class PartitionSelection {
    @Option(names = "--all", description = "Every partition of every topic") boolean all;
    @ArgGroup(exclusive = false) One one;

    static final class One {
        @Option(names = "--topic", required = true, paramLabel = "TOPIC") String topic;
        @Option(names = "--partition", paramLabel = "N", description = "Repeatable; default: every partition "
                + "of the topic") List<Integer> partitions = List.of();
    }

    /** As the admin API takes it: none for {@code --all}, else the topic and its partitions (none: all). */
    List<TopicPartitions> asked() {
        return one == null ? List.of() : List.of(TopicPartitions.newBuilder().setTopic(one.topic)
                .addAllPartitions(one.partitions).build());
    }
}
