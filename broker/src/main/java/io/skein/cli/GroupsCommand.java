package io.skein.cli;

import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.DeleteGroupsRequest;
import io.skein.proto.admin.DeleteGroupsResponse;
import io.skein.proto.admin.DescribeGroupsRequest;
import io.skein.proto.admin.DescribeGroupsResponse;
import io.skein.proto.admin.GroupDescription;
import io.skein.proto.admin.GroupMember;
import io.skein.proto.admin.GroupOffset;
import io.skein.proto.admin.ListGroupsRequest;
import io.skein.proto.admin.ListGroupsResponse;
import io.skein.proto.admin.ResetGroupOffsetsRequest;
import io.skein.proto.admin.ResetGroupOffsetsResponse;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skein groups}: consumer groups, their members, offsets and lag. */
@Command(name = "groups", description = "List, describe, reset and delete consumer groups.",
        mixinStandardHelpOptions = true, subcommands = {GroupsCommand.ListGroups.class, GroupsCommand.Describe.class,
        GroupsCommand.ResetOffsets.class, GroupsCommand.Delete.class})
final class GroupsCommand {
    private static Output.Table offsets(List<GroupOffset> offsets) {
        Output.Table table = new Output.Table("TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG", "LAG-SECONDS",
                "MEMBER");
        offsets.forEach(o -> table.row(o.getTopic(), o.getPartition(), Output.dash(o.getCommittedOffset()),
                Output.dash(o.getLogEndOffset()), Output.dash(o.getLag()), Output.seconds(o.getLagMs()),
                o.getMemberId().isEmpty() ? "-" : o.getMemberId()));
        return table;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List groups.")
    static final class ListGroups extends AdminCommand {
        @Override
        int run(AdminServiceBlockingStub admin) {
            ListGroupsResponse response = admin.listGroups(ListGroupsRequest.getDefaultInstance());
            Output.Table table = new Output.Table("GROUP", "STATE", "PROTOCOL-TYPE");
            response.getGroupsList().forEach(g -> table.row(g.getGroupId(), g.getState(), g.getProtocolType()));
            return print(response, table.toString());
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = {"Describe groups: members, assignments, committed offsets and lag.",
                    "LAG-SECONDS is the age of the oldest record not consumed: now minus the timestamp of the record at "
                            + "the committed offset, 0 when caught up."})
    static final class Describe extends AdminCommand {
        @Parameters(arity = "1..*", paramLabel = "GROUP")
        List<String> groups;

        @Override
        int run(AdminServiceBlockingStub admin) {
            DescribeGroupsResponse response = admin.describeGroups(DescribeGroupsRequest.newBuilder()
                    .addAllGroupIds(groups).build());
            StringBuilder text = new StringBuilder();
            for (GroupDescription group : response.getGroupsList()) {
                text.append("Group: ").append(group.getGroupId()).append("  State: ").append(group.getState())
                        .append("  Assignor: ").append(group.getProtocol().isEmpty() ? "-" : group.getProtocol())
                        .append("  Coordinator: ").append(group.getCoordinator())
                        .append("  Lag: ").append(group.getTotalLag())
                        .append("  Max lag: ").append(Output.seconds(group.getMaxLagMs())).append(" s\n");
                if (group.getMembersCount() > 0) {
                    Output.Table members = new Output.Table("MEMBER", "CLIENT", "HOST", "ASSIGNMENT");
                    for (GroupMember m : group.getMembersList()) {
                        members.row(m.getMemberId(), m.getClientId(), m.getHost(), m.getAssignmentList().stream()
                                .map(a -> a.getTopic() + ":" + Output.list(a.getPartitionsList()))
                                .collect(Collectors.joining(" ")));
                    }
                    text.append(members);
                }
                text.append(offsets(group.getOffsetsList())).append('\n');
            }
            return print(response, text.toString());
        }
    }

    @Command(name = "reset-offsets", mixinStandardHelpOptions = true,
            description = "Set a group's committed offsets; the group must have no active members.")
    static final class ResetOffsets extends AdminCommand {
        @Parameters(paramLabel = "GROUP")
        String group;

        @Option(names = "--topic", paramLabel = "TOPIC", description = "Every partition of this topic (repeatable; "
                + "default: every topic the group has committed offsets for)")
        List<String> topics = List.of();

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Option(names = "--dry-run", description = "Show the new offsets without committing them")
        boolean dryRun;

        static final class Target {
            @Option(names = "--to-earliest", description = "The log start") boolean earliest;
            @Option(names = "--to-latest", description = "The high watermark") boolean latest;
            @Option(names = "--to-offset", paramLabel = "OFFSET") Long offset;
            @Option(names = "--to-timestamp", paramLabel = "MS", description = "The first record at or after this "
                    + "time, in ms since the epoch") Long timestampMs;
            @Option(names = "--shift-by", paramLabel = "N", description = "Move each offset by N (negative: back)")
            Long shiftBy;
        }

        @Override
        int run(AdminServiceBlockingStub admin) {
            ResetGroupOffsetsRequest.Builder request = ResetGroupOffsetsRequest.newBuilder().setGroupId(group)
                    .addAllTopics(topics).setDryRun(dryRun);
            if (target.earliest) {
                request.setToEarliest(true);
            } else if (target.latest) {
                request.setToLatest(true);
            } else if (target.offset != null) {
                request.setToOffset(target.offset);
            } else if (target.timestampMs != null) {
                request.setToTimestampMs(target.timestampMs);
            } else {
                request.setShiftBy(target.shiftBy);
            }
            ResetGroupOffsetsResponse response = admin.resetGroupOffsets(request.build());
            return print(response, (dryRun ? "Dry run, nothing committed:\n" : "") + offsets(response.getOffsetsList()));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete groups and their committed offsets; they must have no active members.")
    static final class Delete extends AdminCommand {
        @Parameters(arity = "1..*", paramLabel = "GROUP")
        List<String> groups;

        @Override
        int run(AdminServiceBlockingStub admin) {
            DeleteGroupsResponse response = admin.deleteGroups(DeleteGroupsRequest.newBuilder().addAllGroupIds(groups)
                    .build());
            return print(response, "Deleted " + String.join(", ", response.getGroupIdsList()) + "\n");
        }
    }
}
