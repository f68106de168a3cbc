package io.skein.cli;

import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.DescribeQuorumRequest;
import io.skein.proto.admin.DescribeQuorumResponse;
import io.skein.proto.admin.QuorumMember;
import picocli.CommandLine.Command;

/** {@code skein quorum describe}: the metadata quorum's voters as each sees itself. */
@Command(name = "quorum", description = "The controllers' metadata quorum.", mixinStandardHelpOptions = true,
        subcommands = QuorumCommand.Describe.class)
final class QuorumCommand {
    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "The leader, its term and commit index, and each voter's role, indexes and lag.")
    static final class Describe extends AdminCommand {
        @Override
        int run(AdminServiceBlockingStub admin) {
            DescribeQuorumResponse response = admin.describeQuorum(DescribeQuorumRequest.getDefaultInstance());
            Output.Table table = new Output.Table("ID", "ADDRESS", "ROLE", "TERM", "COMMIT", "APPLIED", "LAG");
            for (QuorumMember m : response.getVotersList()) {
                table.row(m.getId(), m.getHost() + ":" + m.getPort(), m.getRole(), m.getTerm(), m.getCommitIndex(),
                        m.getAppliedIndex(), m.getLag() < 0 ? "-" : m.getLag());
            }
            return print(response, "Leader: " + (response.getLeaderId() < 0 ? "none" : response.getLeaderId())
                    + "  Term: " + response.getTerm() + "  Commit index: " + response.getCommitIndex() + "\n" + table);
        }
    }
}
