package io.skein.cli;

import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.ElectLeadersRequest;
import io.skein.proto.admin.ElectLeadersResponse;
import io.skein.proto.admin.ElectionResult;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;

/** {@code skein leaders elect}: moves leadership back to preferred replicas. */
@Command(name = "leaders", description = "Partition leadership.", mixinStandardHelpOptions = true,
        subcommands = LeadersCommand.Elect.class)
final class LeadersCommand {
    @Command(name = "elect", mixinStandardHelpOptions = true,
            description = {"Preferred leader election: each partition's first replica leads again if it is in the "
                    + "ISR. Waits until the new leaders are in place."})
    static final class Elect extends AdminCommand {
        private static final String ALREADY_PREFERRED = "ELECTION_NOT_NEEDED";

        @ArgGroup(exclusive = true, multiplicity = "1")
        PartitionSelection scope;

        @Override
        int run(AdminServiceBlockingStub admin) {
            ElectLeadersRequest.Builder request = ElectLeadersRequest.newBuilder().addAllPartitions(scope.asked());
            progress("Electing preferred leaders and waiting for them to take over...");
            ElectLeadersResponse response = admin.electLeaders(request.build());
            Output.Table table = new Output.Table("TOPIC", "PARTITION", "LEADER", "OUTCOME");
            long alreadyPreferred = 0;
            for (ElectionResult r : response.getResultsList()) {
                if (r.getOutcome().equals(ALREADY_PREFERRED)) {
                    alreadyPreferred++;
                } else {
                    table.row(r.getTopic(), r.getPartition(), r.getLeader(),
                            r.getOutcome().equals("NONE") ? "elected" : r.getOutcome() + ": " + r.getMessage());
                }
            }
            boolean failed = response.getResultsList().stream()
                    .anyMatch(r -> !r.getOutcome().equals("NONE") && !r.getOutcome().equals(ALREADY_PREFERRED));
            print(response, (response.getResultsCount() > alreadyPreferred ? table.toString() : "")
                    + alreadyPreferred + " of " + response.getResultsCount()
                    + " partitions were already led by their preferred replica\n");
            return failed ? 1 : 0;
        }
    }
}
