package io.skein.cli;

import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.AlterTopicConfigsRequest;
import io.skein.proto.admin.AlterTopicConfigsResponse;
import io.skein.proto.admin.CreatePartitionsRequest;
import io.skein.proto.admin.CreatePartitionsResponse;
import io.skein.proto.admin.CreateTopicsRequest;
import io.skein.proto.admin.CreateTopicsResponse;
import io.skein.proto.admin.DeleteTopicsRequest;
import io.skein.proto.admin.DeleteTopicsResponse;
import io.skein.proto.admin.DescribeTopicsRequest;
import io.skein.proto.admin.DescribeTopicsResponse;
import io.skein.proto.admin.ListTopicsRequest;
import io.skein.proto.admin.ListTopicsResponse;
import io.skein.proto.admin.PartitionDescription;
import io.skein.proto.admin.TopicDescription;
import io.skein.proto.admin.TopicSpec;
import io.skein.proto.admin.TopicSummary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code skein topics}: create, list, describe, alter and delete topics. */
@Command(name = "topics", description = "Create, list, describe, alter and delete topics.",
        mixinStandardHelpOptions = true, subcommands = {TopicsCommand.Create.class, TopicsCommand.ListTopics.class,
        TopicsCommand.Describe.class, TopicsCommand.Alter.class, TopicsCommand.Delete.class})
final class TopicsCommand {
    private static Output.Table summaries(List<TopicSummary> topics) {
        Output.Table table = new Output.Table("NAME", "PARTITIONS", "REPLICAS", "ID");
        topics.forEach(t -> table.row(t.getName(), t.getPartitions(), t.getReplicationFactor(), t.getTopicId()));
        return table;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create topics; waits until every partition has a leader.")
    static final class Create extends AdminCommand {
        @Parameters(arity = "1..*", paramLabel = "TOPIC")
        List<String> names;

        @Option(names = {"-p", "--partitions"}, description = "Partitions of each topic (default: the cluster's "
                + "num.partitions)")
        Integer partitions;

        @Option(names = {"-r", "--replication-factor"}, description = "Replicas of each partition (default: the "
                + "cluster's default.replication.factor)")
        Integer replicationFactor;

        @Option(names = {"-c", "--config"}, paramLabel = "KEY=VALUE", description = "A topic config, e.g. "
                + "retention.ms=86400000 (repeatable)")
        Map<String, String> configs = Map.of();

        @Option(names = "--validate-only", description = "Check the request, create nothing")
        boolean validateOnly;

        @Override
        int run(AdminServiceBlockingStub admin) {
            CreateTopicsRequest.Builder request = CreateTopicsRequest.newBuilder().setValidateOnly(validateOnly);
            for (String name : names) {
                TopicSpec.Builder topic = TopicSpec.newBuilder().setName(name).putAllConfigs(configs);
                if (partitions != null) {
                    topic.setPartitions(partitions);
                }
                if (replicationFactor != null) {
                    topic.setReplicationFactor(replicationFactor);
                }
                request.addTopics(topic);
            }
            if (!validateOnly) {
                progress("Creating " + String.join(", ", names) + " and waiting for leaders...");
            }
            CreateTopicsResponse response = admin.createTopics(request.build());
            return print(response, validateOnly ? "Valid: " + String.join(", ", names) + "\n"
                    : summaries(response.getTopicsList()).toString());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List topics.")
    static final class ListTopics extends AdminCommand {
        @Option(names = "--internal", description = "Also list internal topics (__consumer_offsets)")
        boolean internal;

        @Override
        int run(AdminServiceBlockingStub admin) {
            ListTopicsResponse response = admin.listTopics(ListTopicsRequest.newBuilder().setIncludeInternal(internal)
                    .build());
            return print(response, summaries(response.getTopicsList()).toString());
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Describe topics: each partition's leader, replicas, ISR and offsets.")
    static final class Describe extends AdminCommand {
        @Parameters(arity = "0..*", paramLabel = "TOPIC", description = "Default: every topic")
        List<String> names = List.of();

        @Option(names = "--internal", description = "With no TOPIC: also internal topics")
        boolean internal;

        @Override
        int run(AdminServiceBlockingStub admin) {
            DescribeTopicsResponse response = admin.describeTopics(DescribeTopicsRequest.newBuilder()
                    .addAllNames(names).setIncludeInternal(internal).build());
            StringBuilder text = new StringBuilder();
            for (TopicDescription topic : response.getTopicsList()) {
                text.append("Topic: ").append(topic.getName()).append("  ID: ").append(topic.getTopicId())
                        .append("  Partitions: ").append(topic.getPartitionsCount());
                if (topic.getConfigsCount() > 0) {
                    text.append("  Configs: ").append(new TreeMap<>(topic.getConfigsMap()).entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
                }
                text.append('\n');
                Output.Table table = new Output.Table("PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "LOG-START",
                        "LOG-END", "SIZE", "STATUS");
                for (PartitionDescription p : topic.getPartitionsList()) {
                    table.row(p.getPartition(), p.getLeader(), p.getLeaderEpoch(), Output.list(p.getReplicasList()),
                            Output.list(p.getIsrList()), p.getLogStartOffset(), p.getLogEndOffset(), p.getSizeBytes(),
                            p.getOffline() ? "offline" : p.getUnderReplicated() ? "under-replicated" : "ok");
                }
                text.append(table).append('\n');
            }
            return print(response, text.toString());
        }
    }

    @Command(name = "alter", mixinStandardHelpOptions = true,
            description = "Add partitions to a topic, or set or delete its configs.")
    static final class Alter extends AdminCommand {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TOPIC")
        String name;

        @Option(names = {"-p", "--partitions"}, description = "The new total number of partitions (only grows)")
        Integer partitions;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set a topic config (repeatable)")
        Map<String, String> set = Map.of();

        @Option(names = "--delete", paramLabel = "KEY", description = "Remove a topic config, back to the "
                + "cluster's default (repeatable)")
        List<String> delete = List.of();

        @Override
        int run(AdminServiceBlockingStub admin) {
            if (partitions == null && set.isEmpty() && delete.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "Give --partitions, --set or --delete");
            }
            StringBuilder text = new StringBuilder();
            CreatePartitionsResponse grown = null;
            AlterTopicConfigsResponse configured = null;
            if (partitions != null) {
                progress("Adding partitions to " + name + " and waiting for leaders...");
                grown = admin.createPartitions(CreatePartitionsRequest.newBuilder().setTopic(name)
                        .setPartitions(partitions).build());
                text.append(summaries(List.of(grown.getTopic())));
            }
            if (!set.isEmpty() || !delete.isEmpty()) {
                configured = admin.alterTopicConfigs(AlterTopicConfigsRequest.newBuilder().setTopic(name)
                        .putAllSet(set).addAllDelete(delete).build());
                Output.Table table = new Output.Table("CONFIG", "VALUE");
                new TreeMap<>(configured.getConfigsMap()).forEach(table::row);
                text.append(configured.getConfigsCount() == 0 ? "No topic configs: the cluster's defaults apply\n"
                        : table.toString());
            }
            if (json()) {
                Map<String, Object> both = new LinkedHashMap<>();
                if (grown != null) {
                    both.put("createPartitions", Output.tree(grown));
                }
                if (configured != null) {
                    both.put("alterTopicConfigs", Output.tree(configured));
                }
                System.out.println(Output.json(both));
                return 0;
            }
            System.out.print(text);
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete topics and all their data.")
    static final class Delete extends AdminCommand {
        @Parameters(arity = "1..*", paramLabel = "TOPIC")
        List<String> names;

        @Override
        int run(AdminServiceBlockingStub admin) {
            DeleteTopicsResponse response = admin.deleteTopics(DeleteTopicsRequest.newBuilder().addAllNames(names)
                    .build());
            return print(response, "Deleted " + String.join(", ", response.getNamesList()) + "\n");
        }
    }
}
