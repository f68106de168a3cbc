package io.skein.cli;

import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.Broker;
import io.skein.proto.admin.BrokerState;
import io.skein.proto.admin.DescribeClusterRequest;
import io.skein.proto.admin.DescribeClusterResponse;
import io.skein.proto.admin.DescribeQuorumRequest;
import io.skein.proto.admin.DescribeQuorumResponse;
import io.skein.proto.admin.DescribeTopicsRequest;
import io.skein.proto.admin.DescribeTopicsResponse;
import io.skein.proto.admin.QuorumMember;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code skein cluster} and {@code skein quorum}: brokers, the controller quorum, and overall health. */
@Command(name = "cluster", description = "Describe the cluster and check its health.", mixinStandardHelpOptions = true,
        subcommands = {ClusterCommand.Describe.class, ClusterCommand.Health.class})
final class ClusterCommand {
    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "The cluster id, the active controller and every broker with its state.")
    static final class Describe extends AdminCommand {
        @Override
        int run(AdminServiceBlockingStub admin) {
            DescribeClusterResponse response = admin.describeCluster(DescribeClusterRequest.getDefaultInstance());
            Output.Table brokers = new Output.Table("BROKER", "HOST", "PORT", "RACK", "STATE");
            for (Broker b : response.getBrokersList()) {
                brokers.row(b.getId(), b.getHost(), b.getPort(), b.getRack().isEmpty() ? "-" : b.getRack(),
                        b.getState());
            }
            return print(response, "Cluster: " + response.getClusterId() + "  Active controller: "
                    + response.getActiveController() + "\n" + brokers);
        }
    }

    @Command(name = "health", mixinStandardHelpOptions = true,
            description = {"Under-replicated and offline partitions, fenced brokers and the quorum's state.",
                    "Exits 0 if the cluster is healthy, 1 if not."})
    static final class Health extends AdminCommand {
        @Override
        int run(AdminServiceBlockingStub admin) {
            DescribeClusterResponse cluster = admin.describeCluster(DescribeClusterRequest.getDefaultInstance());
            DescribeTopicsResponse topics = admin.describeTopics(DescribeTopicsRequest.newBuilder()
                    .setIncludeInternal(true).build());
            DescribeQuorumResponse quorum = admin.describeQuorum(DescribeQuorumRequest.getDefaultInstance());
            List<String> underReplicated = new ArrayList<>();
            List<String> offline = new ArrayList<>();
            topics.getTopicsList().forEach(t -> t.getPartitionsList().forEach(p -> {
                if (p.getOffline()) {
                    offline.add(t.getName() + "-" + p.getPartition());
                } else if (p.getUnderReplicated()) {
                    underReplicated.add(t.getName() + "-" + p.getPartition());
                }
            }));
            List<Integer> notServing = cluster.getBrokersList().stream()
                    .filter(b -> b.getState() != BrokerState.UNFENCED).map(Broker::getId).toList();
            List<Integer> unreachableVoters = quorum.getVotersList().stream()
                    .filter(v -> v.getRole().equals("UNREACHABLE")).map(QuorumMember::getId).toList();
            boolean healthy = underReplicated.isEmpty() && offline.isEmpty() && notServing.isEmpty()
                    && unreachableVoters.isEmpty() && quorum.getLeaderId() >= 0;
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("healthy", healthy);
            report.put("brokers", cluster.getBrokersCount());
            report.put("fencedBrokers", notServing);
            report.put("underReplicatedPartitions", underReplicated);
            report.put("offlinePartitions", offline);
            report.put("quorumLeader", quorum.getLeaderId());
            report.put("unreachableVoters", unreachableVoters);
            if (json()) {
                System.out.println(Output.json(report));
            } else {
                Output.Table table = new Output.Table("CHECK", "RESULT");
                table.row("healthy", healthy);
                table.row("brokers", cluster.getBrokersCount());
                table.row("fenced or stopping brokers", none(notServing));
                table.row("under-replicated partitions", none(underReplicated));
                table.row("offline partitions", none(offline));
                table.row("quorum leader", quorum.getLeaderId() < 0 ? "none" : quorum.getLeaderId());
                table.row("unreachable voters", none(unreachableVoters));
                System.out.print(table);
            }
            return healthy ? 0 : 1;
        }

        private static String none(List<?> values) {
            return values.isEmpty() ? "none" : Output.list(values);
        }
    }
}
