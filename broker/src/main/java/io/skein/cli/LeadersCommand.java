package io.skein.cli;

import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.ElectLeadersRequest;
import io.skein.proto.admin.ElectLeadersResponse;
import io.skein.proto.admin.ElectionResult;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code skein leaders elect}: moves leadership back to preferred replicas, or elects uncleanly. */
@Command(name = "leaders", description = "Partition leadership.", mixinStandardHelpOptions = true,
        subcommands = LeadersCommand.Elect.class)
final class LeadersCommand {
    @Command(name = "elect", mixinStandardHelpOptions = true,
            description = {"Preferred leader election: each partition's first replica leads again if it is in the "
                    + "ISR. Waits until the new leaders are in place.",
                    "With --unclean, each partition without a leader is led by its first live replica, in or out of "
                            + "the ISR: records it lacks are lost."})
    static final class Elect extends AdminCommand {
        private static final String NOT_NEEDED = "ELECTION_NOT_NEEDED";

        @ArgGroup(exclusive = true, multiplicity = "1")
        PartitionSelection scope;

        @Option(names = "--unclean", description = "Unclean election of partitions without a leader (KIP-460)")
        boolean unclean;

        @Override
        int run(AdminServiceBlockingStub admin) {
            ElectLeadersRequest.Builder request = ElectLeadersRequest.newBuilder().setUnclean(unclean)
                    .addAllPartitions(scope.asked());
            progress(unclean ? "Electing leaders of partitions without one, uncleanly, and waiting for them..."
                    : "Electing preferred leaders and waiting for them to take over...");
            ElectLeadersResponse response = admin.electLeaders(request.build());
            Output.Table table = new Output.Table("TOPIC", "PARTITION", "LEADER", "OUTCOME");
            long notNeeded = 0;
            for (ElectionResult r : response.getResultsList()) {
                if (r.getOutcome().equals(NOT_NEEDED)) {
                    notNeeded++;
                } else {
                    table.row(r.getTopic(), r.getPartition(), r.getLeader(),
                            r.getOutcome().equals("NONE") ? "elected" : r.getOutcome() + ": " + r.getMessage());
                }
            }
            boolean failed = response.getResultsList().stream()
                    .anyMatch(r -> !r.getOutcome().equals("NONE") && !r.getOutcome().equals(NOT_NEEDED));
            print(response, (response.getResultsCount() > notNeeded ? table.toString() : "")
                    + notNeeded + " of " + response.getResultsCount() + " partitions "
                    + (unclean ? "had a leader\n" : "were already led by their preferred replica\n"));
            return failed ? 1 : 0;
        }
    }
}
